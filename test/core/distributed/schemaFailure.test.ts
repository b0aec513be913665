/**
 * A server whose migrations fail does not start, and says which server and why; starting again runs the
 * migrations again rather than remembering the failure. Here the database already has a `distributedJobs`
 * table of another shape, so migration 2 cannot create its own. On the real shared sql.js database.
 */
import { expect, test } from 'vitest';
import { TestCluster } from '../../support/testCluster';

test('start fails naming the server and the failed statement, and a second start tries the migrations again', async () => {
  const c = await TestCluster.create({ jobs: [] });
  try {
    await c.db.connect('operator').run('CREATE TABLE distributedJobs (somethingElse INTEGER)');
    const failure = (await c.addServer('a').catch((error: unknown) => error)) as Error;
    expect(failure.message).toMatch(
      /^migrations failed on server "a": .*table distributedJobs already exists/,
    );
    expect(failure.cause).toBeInstanceOf(Error);
    const a = c.server('a').coordinator;
    expect(a.state).toBe('stopped');
    // The operator fixes the table; the same server starts now.
    await c.db.connect('operator').run('DROP TABLE distributedJobs');
    await a.start();
    expect(a.state).toBe('running');
    // The failed start ran in one transaction, rolled back whole: every migration applies now.
    expect(c.ofType('migrated').map((e) => e.versions)).toEqual([[1, 2, 3, 4]]);
  } finally {
    await c.close();
  }
});
