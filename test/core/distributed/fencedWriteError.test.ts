/**
 * The database's refusal of a stale leader's write becomes one error a user can read in the logs: it
 * names itself, the write and the term; any other error passes through untouched. Checked against the
 * real fencing trigger on the real shared sql.js database.
 */
import { expect, test } from 'vitest';
import { describeError } from '../../../src/core/errors';
import { asFenced, FENCED_MESSAGE, FencedWriteError } from '../../../src/core/distributed/fencing';
import { TestCluster } from '../../support/testCluster';

test('a write refused by the fencing trigger becomes a FencedWriteError naming the write and the term', async () => {
  const c = await TestCluster.create({ jobs: [] });
  try {
    const a = await c.addServer('a');
    await c.run(100);
    const refusal: unknown = await a.connection
      .run(
        "INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts, term) VALUES ('j', '{}', 0, 0, 1, 99)",
      )
      .catch((error: unknown) => error);
    expect(String(refusal)).toContain(FENCED_MESSAGE);
    const fenced = asFenced(refusal, 99, 'pushing scheduled jobs');
    expect(fenced).toBeInstanceOf(FencedWriteError);
    expect(describeError(fenced)).toBe(
      'FencedWriteError: fenced: pushing scheduled jobs under term 99 refused, a newer term has begun',
    );
    expect(fenced).toMatchObject({ term: 99, what: 'pushing scheduled jobs' });
  } finally {
    await c.close();
  }
});

test('any other error, or a thrown string, passes through unchanged', () => {
  const other = new Error('disk full');
  expect(asFenced(other, 1, 'x')).toBe(other);
  expect(asFenced('disk full', 1, 'x')).toBe('disk full');
  expect(asFenced(`${FENCED_MESSAGE} (as text)`, 1, 'x')).toBeInstanceOf(FencedWriteError);
});
