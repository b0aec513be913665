/**
 * Hazard H1 (the reference's graceful stop writes nulls to the lease, which every later election trips
 * on) acts only while it is on: followers do not trip before the stop, and once it is switched off on a
 * follower, that follower takes the nulled lease at its next look. Hazards switch while running.
 * Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, expect, test } from 'vitest';
import { TestCluster } from '../../support/testCluster';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

test('H1: the nulled lease stops every election until the hazard is switched off, then a follower leads at once', async () => {
  cluster = await TestCluster.create({ jobs: [], serverOptions: { hazards: ['nullHeartbeatAfterRelease'] } });
  const c = cluster;
  const a = await c.addServer('a');
  const b = await c.addServer('b');
  await c.run(12_000);
  // Before the stop, the lease has a heartbeat: the hazard changes nothing.
  expect(c.ofType('error')).toEqual([]);
  expect(c.leaders()).toEqual(['a']);
  const stopping = a.coordinator.stop();
  await c.run(100);
  expect((await stopping).releasedLeadership).toBe(true);
  expect(c.rows('SELECT jobCoordinatorId, lastHeartbeatAt FROM leadJobCoordinators')).toEqual([
    { jobCoordinatorId: null, lastHeartbeatAt: null },
  ]);
  await c.run(20_000);
  expect(c.leaders()).toEqual([]);
  expect(
    c.ofType('error').filter((e) => e.serverId === 'b' && e.where === 'election').length,
  ).toBeGreaterThan(2);
  b.coordinator.setHazards([]);
  const switchedAt = c.time.now();
  await c.run(5_000);
  expect(c.ofType('elected').filter((e) => e.serverId === 'b')).toEqual([
    expect.objectContaining({ term: 2, previousHolder: null, previousHeartbeatAt: null }),
  ]);
  expect(c.ofType('elected').at(-1)!.vt - switchedAt).toBeLessThanOrEqual(5_000);
});
