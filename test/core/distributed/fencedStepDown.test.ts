/**
 * A leader whose term has been superseded while it still believes it leads: the database refuses its
 * writes (fencing), and the leader must step down at once, saying why; under hazard H5 it steps down only
 * at its next election tick, and under H4 it notices nothing at all. The term is superseded here by an
 * operator's statement on its own connection, which is what a successor's takeover does to the row, but
 * without a successor whose own heartbeats would mask the leader's reaction.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defineJob, type HazardSelection } from '../../../src/core';
import { TestCluster } from '../../support/testCluster';

const FENCED_REASON = 'fenced: pushing scheduled jobs under term 1 refused, a newer term has begun';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** One leader `a` (term 1), running a per-second cron job when `cron`; then the term is moved on under it. */
async function supersededLeader(hazards: HazardSelection, cron: boolean) {
  const jobs = cron ? [defineJob({ name: 'tick', run: () => {}, schedules: [{ cron: '* * * * * *' }] })] : [];
  cluster = await TestCluster.create({ jobs, serverOptions: { hazards } });
  const c = cluster;
  await c.addServer('a');
  // Half a second after a whole second, between two ticks and two heartbeats.
  await c.run(2_500);
  expect(c.leaders()).toEqual(['a']);
  const operator = c.db.connect('operator');
  await operator.run('UPDATE leadJobCoordinators SET term = term + 1 WHERE id = 1');
  const supersededAt = c.time.now();
  return { c, supersededAt };
}

describe('a leader whose scheduler write is refused', () => {
  // With H7 the scheduler pushes each tick's job on its own instead of through the tick record.
  test.each([[[]], [['noTickRecord']]] as const)(
    'steps down at that very write, naming the refused write, and its scheduler stops (hazards %j)',
    async (hazards) => {
      const { c, supersededAt } = await supersededLeader(hazards, true);
      await c.run(1_000);
      const fenced = c.ofType('fenced');
      expect(fenced).toEqual([
        expect.objectContaining({ serverId: 'a', term: 1, what: 'pushing scheduled jobs' }),
      ]);
      expect(fenced[0]!.vt - supersededAt).toBeLessThanOrEqual(1_000);
      expect(c.ofType('steppedDown')).toEqual([
        expect.objectContaining({ serverId: 'a', term: 1, reason: FENCED_REASON, vt: fenced[0]!.vt }),
      ]);
      expect(c.server('a').coordinator.isLeader).toBe(false);
      expect(c.server('a').coordinator.isScheduling).toBe(false);
      // Its election finds its own id on the lease at the next tick and leads again, under a new term.
      await c.run(5_000);
      expect(c.ofType('elected').map((e) => e.term)).toEqual([1, 3]);
      expect(c.ofType('fenced')).toHaveLength(1);
    },
  );

  test('under H5 keeps scheduling, refused at every tick, and steps down at its next election tick with the first refusal as its reason', async () => {
    const { c } = await supersededLeader(['lateStepDown'], true);
    await c.run(3_000);
    const fenced = c.ofType('fenced');
    expect(fenced.length).toBeGreaterThanOrEqual(2);
    const steppedDown = c.ofType('steppedDown');
    expect(steppedDown).toEqual([expect.objectContaining({ serverId: 'a', term: 1, reason: FENCED_REASON })]);
    // The election tick after the first refusal: the heartbeats are at 5 s, 10 s ... after election.
    expect(steppedDown[0]!.vt).toBe(c.ofType('elected')[0]!.vt + 5_000);
    expect(steppedDown[0]!.vt).toBeGreaterThan(fenced[1]!.vt);
  });
});

describe('a leader whose heartbeat finds a newer term under its own id', () => {
  test('steps down at that heartbeat and, finding the lease its own, leads again under a new term at once', async () => {
    const { c } = await supersededLeader([], false);
    await c.run(5_000);
    const [steppedDown] = c.ofType('steppedDown');
    expect(steppedDown).toMatchObject({ serverId: 'a', term: 1, reason: 'the lease names another server' });
    expect(steppedDown!.vt).toBe(c.ofType('elected')[0]!.vt + 5_000);
    const again = c.ofType('elected').filter((e) => e.term === 3);
    expect(again).toEqual([
      expect.objectContaining({ serverId: 'a', previousHolder: 'a', vt: steppedDown!.vt }),
    ]);
    expect(c.server('a').coordinator.term).toBe(3);
  });

  test('under H4 renews its lease without looking at the term, and keeps believing it leads under term 1', async () => {
    const { c } = await supersededLeader(['noFencing'], false);
    await c.run(20_000);
    expect(c.ofType('steppedDown')).toEqual([]);
    expect(c.server('a').coordinator.term).toBe(1);
    expect(c.ofType('heartbeat').length).toBeGreaterThanOrEqual(4);
    expect(c.rows('SELECT jobCoordinatorId, term FROM leadJobCoordinators')).toEqual([
      { jobCoordinatorId: 'a', term: 2 },
    ]);
  });
});
