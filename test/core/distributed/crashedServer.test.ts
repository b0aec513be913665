/**
 * A server that dies of its own error (here hazard H13: its scheduler reaches a cron expression it cannot
 * parse, the moment it becomes leader) stops as a dying process does: it says it no longer leads, touches
 * the database no more, and so its lease and its job claims lapse and are taken over by the others.
 * Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, expect, test } from 'vitest';
import { defineJob, type JobDefinition } from '../../../src/core';
import { RunLog, TestCluster } from '../../support/testCluster';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

test('a leader that crashes keeps no lease and renews no claim: both lapse and another server takes them over', async () => {
  const log = new RunLog(() => cluster!.time);
  /** What each of a's jobs sees of `ctx.cancelled` when it ends, after a's death. */
  const cancelledSeenByA: boolean[] = [];
  const long = defineJob({
    name: 'long',
    timeoutMs: 300_000,
    run: async (p, ctx) => {
      log.record(ctx, p);
      await ctx.sleep(120_000);
      if (ctx.serverId === 'a') cancelledSeenByA.push(ctx.cancelled);
    },
  });
  // Written by hand: defineJob would refuse it, as it should.
  const badCron: JobDefinition = { name: 'report', run: () => {}, schedules: [{ cron: 'not a cron' }] };
  cluster = await TestCluster.create({ jobs: [long] });
  const c = cluster;
  const b = await c.addServer('b');
  await c.run(100);
  const a = await c.addServer('a', { jobs: [long, badCron], hazards: ['crashOnBadCrontab'] });
  await c.run(100);
  for (let i = 0; i < 8; i++) await b.coordinator.enqueue('long', { i });
  await c.run(100);
  const claimedByA = a.coordinator.runningJobs().map((job) => job.jobId);
  expect(claimedByA.length).toBeGreaterThan(0);
  // b hands leadership over; a leads and dies at once.
  const stopping = b.coordinator.stop({ graceMs: 0 });
  await c.run(100);
  await stopping;
  expect(a.coordinator.state).toBe('crashed');
  expect(a.coordinator.isLeader).toBe(false);
  expect(a.coordinator.term).toBeNull();
  await c.addServer('c', { concurrency: 8 });
  await c.run(40_000);
  // The crashed leader's lease is waited out, not released.
  const takeover = c.ofType('elected').find((e) => e.serverId === 'c')!;
  expect(takeover).toMatchObject({ previousHolder: 'a', term: 3 });
  expect(takeover.dbNow - takeover.previousHeartbeatAt!).toBeGreaterThan(15_000);
  // Its claims lapse with their lease and are taken back, once each.
  const reclaimedFromA = c.ofType('reclaimed').filter((e) => e.previousHolder === 'a');
  expect(reclaimedFromA.map((e) => e.jobId).sort()).toEqual([...claimedByA].sort());
  expect(c.ofType('claimLost')).toEqual([]);
  // A dead process claims nothing more, and what its jobs do after its death is not recorded.
  const crashedAt = c.ofType('crashed')[0]!.vt;
  await c.run(100_000);
  expect(c.ofType('claimed').filter((e) => e.serverId === 'a' && e.vt > crashedAt)).toEqual([]);
  const settledByA = c.events.filter(
    (e) => e.serverId === 'a' && ['completed', 'completionRejected', 'failed'].includes(e.type),
  );
  expect(settledByA).toEqual([]);
  expect(cancelledSeenByA.length).toBe(claimedByA.length);
  expect(cancelledSeenByA.every(Boolean)).toBe(true);
});
