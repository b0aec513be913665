/**
 * What the leader's tick record reports as it decides cron ticks on the database: one `cronFired` per
 * tick, naming its schedule, tick, job row and term, and `cronSkipped` only when a misfire policy skipped
 * something. Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, expect, test } from 'vitest';
import { defineJob, type MisfirePolicy } from '../../../src/core';
import { DEFAULT_EPOCH_MS } from '../../../src/sim/time/virtualTime';
import { TestCluster } from '../../support/testCluster';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function leader(misfire?: MisfirePolicy) {
  cluster = await TestCluster.create({
    jobs: [
      defineJob({
        name: 'tick',
        run: () => {},
        schedules: [{ cron: '* * * * * *', ...(misfire ? { misfire } : {}) }],
      }),
    ],
  });
  const a = await cluster.addServer('a');
  return { c: cluster, a };
}

test('each tick found in time is reported once, with its job row and the term, and nothing is skipped', async () => {
  const { c } = await leader();
  await c.run(3_500);
  const jobs = c.rows('SELECT id, tickAt, scheduleKey FROM distributedJobs ORDER BY tickAt');
  expect(jobs.map((row) => Number(row.tickAt) - DEFAULT_EPOCH_MS)).toEqual([1_000, 2_000, 3_000]);
  expect(
    c.ofType('cronFired').map(({ serverId, scheduleKey, tickAt, jobId, term }) => ({
      serverId,
      scheduleKey,
      tickAt,
      jobId,
      term,
    })),
  ).toEqual(
    jobs.map((row) => ({
      serverId: 'a',
      scheduleKey: row.scheduleKey,
      tickAt: row.tickAt,
      jobId: String(row.id),
      term: 1,
    })),
  );
  expect(c.ofType('cronSkipped')).toEqual([]);
});

test('ticks a stalled leader missed are reported skipped, once, with their count, under the skip policy', async () => {
  const { c, a } = await leader({ kind: 'skip', thresholdMs: 200 });
  await c.run(2_500);
  a.clock.holdTimers();
  await c.run(10_000);
  a.clock.releaseTimers();
  await c.run(2_000);
  const skipped = c.ofType('cronSkipped');
  expect(skipped).toEqual([expect.objectContaining({ serverId: 'a', count: 10 })]);
  expect(c.ofType('cronFired').every((e) => e.jobId !== undefined)).toBe(true);
});
