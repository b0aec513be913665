/**
 * A leader whose heartbeat fails (its connection is cut) steps down at once, saying why. Under hazard H5
 * it does not step down for a failed heartbeat at all: it keeps believing it leads until a heartbeat that
 * gets through finds the lease in another server's name, and steps down one election tick after that.
 * Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { TestCluster } from '../../support/testCluster';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** a leads, b follows; a is cut off for 25 s (past the 15 s lease), then restored. */
async function cutOffLeader(hazards: ['lateStepDown'] | []) {
  cluster = await TestCluster.create({ jobs: [], serverOptions: { hazards } });
  const c = cluster;
  const a = await c.addServer('a');
  await c.addServer('b');
  await c.run(2_000);
  expect(c.leaders()).toEqual(['a']);
  a.connection.sever('cable pulled');
  const cutAt = c.time.now();
  await c.run(6_000);
  const duringCut = { aLeads: a.coordinator.isLeader, steppedDown: [...c.ofType('steppedDown')] };
  await c.run(19_000);
  a.connection.restore();
  const restoredAt = c.time.now();
  await c.run(12_000);
  return { c, cutAt, restoredAt, duringCut };
}

describe('a leader whose heartbeat fails', () => {
  test('steps down at the failed heartbeat, naming the failure', async () => {
    const { c, cutAt, duringCut } = await cutOffLeader([]);
    expect(duringCut.aLeads).toBe(false);
    expect(duringCut.steppedDown).toEqual([
      expect.objectContaining({
        serverId: 'a',
        term: 1,
        reason: expect.stringMatching(/^heartbeat failed: .*cable pulled/),
      }),
    ]);
    expect(duringCut.steppedDown[0]!.vt - cutAt).toBeLessThanOrEqual(5_000);
    expect(c.ofType('elected').map((e) => e.serverId)).toEqual(['a', 'b']);
  });

  test('under H5 keeps believing it leads while cut off, and steps down a tick after it finds the lease taken', async () => {
    const { c, restoredAt, duringCut } = await cutOffLeader(['lateStepDown']);
    expect(duringCut.aLeads).toBe(true);
    expect(duringCut.steppedDown).toEqual([]);
    expect(
      c.ofType('error').filter((e) => e.serverId === 'a' && e.where === 'election').length,
    ).toBeGreaterThan(0);
    const steppedDown = c.ofType('steppedDown');
    expect(steppedDown).toEqual([
      expect.objectContaining({ serverId: 'a', term: 1, reason: 'the lease names another server' }),
    ]);
    // Its first heartbeat after the restore finds b's lease; it acts on that at the tick after.
    expect(steppedDown[0]!.vt - restoredAt).toBeGreaterThan(5_000);
    expect(c.ofType('elected').map((e) => e.serverId)).toEqual(['a', 'b']);
  });
});
