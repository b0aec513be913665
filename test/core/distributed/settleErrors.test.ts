/**
 * A server cut off from the database cannot record what became of its jobs. The worker reports each
 * write that failed, naming the step (complete, fail, release at stop, claim) and the cause, and goes on:
 * the job's claim lapses and the job runs again elsewhere, which is the at-least-once promise.
 * Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, expect, test } from 'vitest';
import { defineJob } from '../../../src/core';
import { RunLog, TestCluster } from '../../support/testCluster';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** Server `a` runs one job of `runMs` that ends as `outcome`; its connection is cut while the job runs. */
async function cutWhileRunning(outcome: 'succeed' | 'throw', runMs: number) {
  const log = new RunLog(() => cluster!.time);
  cluster = await TestCluster.create({
    jobs: [
      defineJob({
        name: 'job',
        timeoutMs: 120_000,
        run: async (p, ctx) => {
          log.record(ctx, p);
          await ctx.sleep(runMs);
          if (outcome === 'throw') throw new Error('job failed');
        },
      }),
    ],
  });
  const c = cluster;
  const a = await c.addServer('a');
  await c.run(100);
  await a.coordinator.enqueue('job');
  await c.run(100);
  expect(log.runs).toHaveLength(1);
  a.connection.sever('cable pulled');
  return { c, a, log };
}

const errorsAt = (c: TestCluster, where: string) =>
  c.ofType('error').filter((e) => e.serverId === 'a' && e.where === where);

test('a completion that cannot be written is reported as a complete error, not as completed', async () => {
  const { c } = await cutWhileRunning('succeed', 2_000);
  await c.run(3_000);
  expect(errorsAt(c, 'complete')).toEqual([
    expect.objectContaining({ error: expect.stringContaining('cable pulled') }),
  ]);
  expect(c.ofType('completed')).toEqual([]);
});

test('a failure that cannot be written is reported as a fail error, not as failed', async () => {
  const { c } = await cutWhileRunning('throw', 2_000);
  await c.run(3_000);
  expect(errorsAt(c, 'fail')).toEqual([
    expect.objectContaining({ error: expect.stringContaining('cable pulled') }),
  ]);
  expect(c.ofType('failed')).toEqual([]);
});

test('a job given back at stop that cannot be written is reported as a release error, and still counted abandoned', async () => {
  const { c, a } = await cutWhileRunning('succeed', 60_000);
  const stopping = a.coordinator.stop({ graceMs: 1_000 });
  await c.run(2_000);
  const report = await stopping;
  expect(report.abandoned).toEqual([expect.objectContaining({ jobName: 'job', attempt: 1 })]);
  expect(report.finished).toBe(0);
  // Two releases failed: the leader's lease (the election's) and the job's claim (the worker's).
  expect(errorsAt(c, 'release')).toEqual([
    expect.objectContaining({ error: expect.stringContaining('cable pulled') }),
    expect.objectContaining({ error: expect.stringContaining('cable pulled') }),
  ]);
  expect(c.ofType('released-claim')).toEqual([]);
});

test('claims that cannot be made are reported each time, and claiming resumes once the connection is back', async () => {
  const { c, a, log } = await cutWhileRunning('succeed', 1_000);
  await c.run(12_000);
  // One look per poll interval (5 s) while cut off.
  expect(errorsAt(c, 'claim').length).toBeGreaterThanOrEqual(2);
  expect(errorsAt(c, 'claim')[0]!.error).toContain('cable pulled');
  a.connection.restore();
  await a.coordinator.enqueue('job');
  await c.run(2_000);
  expect(log.runs).toHaveLength(2);
  // The first job's completion was never written: its claim lapses (30 s) and it runs again.
  await c.run(40_000);
  expect(log.runs).toHaveLength(3);
  expect(c.ofType('completed')).toHaveLength(2);
});
