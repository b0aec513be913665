/**
 * A stop with jobs still running past the grace period: each such job is told it is cancelled, its claim
 * is given back before the stop reports itself done, and the report counts it abandoned, not finished.
 * Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, expect, test } from 'vitest';
import { defineJob } from '../../../src/core';
import { TestCluster } from '../../support/testCluster';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

test('jobs abandoned at stop see ctx.cancelled, and their claims are back in the table before stopped is said', async () => {
  const cancelledSeen: boolean[] = [];
  cluster = await TestCluster.create({
    jobs: [
      defineJob({
        name: 'slow',
        timeoutMs: 120_000,
        run: async (p, ctx) => {
          await ctx.sleep(10_000);
          cancelledSeen.push(ctx.cancelled);
        },
      }),
      defineJob({ name: 'quick', run: (p, ctx) => ctx.sleep(500) }),
    ],
  });
  const c = cluster;
  const a = await c.addServer('a');
  await c.run(100);
  await a.coordinator.enqueue('slow');
  await a.coordinator.enqueue('slow');
  await a.coordinator.enqueue('quick');
  await c.run(100);
  const stopping = a.coordinator.stop({ graceMs: 1_000 });
  await c.run(1_500);
  const report = await stopping;
  expect(report.finished).toBe(1);
  expect(report.abandoned.map((job) => job.jobName)).toEqual(['slow', 'slow']);
  const released = c.ofType('released-claim');
  const stopped = c.ofType('stopped');
  expect(released).toHaveLength(2);
  expect(stopped).toHaveLength(1);
  expect(c.events.indexOf(released[1]!)).toBeLessThan(c.events.indexOf(stopped[0]!));
  for (const event of released) expect(event.dbAt).toBe(event.vt);
  expect(c.rows("SELECT status FROM distributedJobs WHERE name = 'slow'")).toEqual([
    { status: 'queued' },
    { status: 'queued' },
  ]);
  await c.run(10_000);
  expect(cancelledSeen).toEqual([true, true]);
});
