/**
 * A live server keeps every claim it holds: several jobs running at once on one server are all renewed,
 * in one statement, for as long as they run, and none is reclaimed or reported lost.
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

test('three jobs running together on one server past several leases keep their claims, and each runs once', async () => {
  const log = new RunLog(() => cluster!.time);
  cluster = await TestCluster.create({
    jobs: [
      defineJob({
        name: 'long',
        timeoutMs: 120_000,
        run: async (p, ctx) => {
          log.record(ctx, p);
          await ctx.sleep(40_000);
        },
      }),
    ],
    serverOptions: { claimLeaseMs: 6_000 },
  });
  const c = cluster;
  const a = await c.addServer('a');
  await c.addServer('b');
  await c.run(100);
  for (let i = 0; i < 3; i++) await a.coordinator.enqueue('long', { i });
  await c.run(100);
  const runner = log.runs[0]!.server;
  expect(log.runs.map((run) => run.server)).toEqual([runner, runner, runner]);
  await c.run(20_000);
  // Renewed every 2 s: the claims' leases stay ahead of the database's clock.
  const leases = c.rows("SELECT claimExpiresAt FROM distributedJobs WHERE status = 'claimed'");
  expect(leases).toHaveLength(3);
  for (const { claimExpiresAt } of leases) expect(Number(claimExpiresAt)).toBeGreaterThan(c.time.now());
  await c.run(30_000);
  expect(log.runs).toHaveLength(3);
  expect(c.ofType('reclaimed')).toEqual([]);
  expect(c.ofType('claimLost')).toEqual([]);
  expect(c.ofType('error')).toEqual([]);
  expect(c.rows('SELECT status FROM distributedJobs')).toEqual(Array(3).fill({ status: 'completed' }));
});
