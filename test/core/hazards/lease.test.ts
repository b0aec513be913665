/**
 * Every weakness of the reference (reference/pinstripe.md, H1-H14) is a hazard switch that is off by
 * default. For each one, the same scenario on the same seed is run twice against the real coordinators and
 * the real shared sql.js database in virtual time: with the hazard on, the reference's failure happens; with
 * it off, it does not. The assertions are about what a user would notice: who leads over time, jobs that
 * run twice or never, jobs lost, servers that die.
 *
 * This file: the lease and fencing (H1-H5).
 */
import { describe, expect, it } from 'vitest';
import { type HazardSelection, type MisfirePolicy } from '../../../src/core';
import {
  cluster,
  elections,
  everySecond,
  figures,
  pausedLeader,
  rel,
  sampleLeaders,
  settled,
} from './support';

describe('H1 nullHeartbeatAfterRelease: a graceful stop of the leader', () => {
  async function scenario(hazards: HazardSelection) {
    const { cluster: c, log } = await cluster((log) => [everySecond(log)], { hazards });
    await c.addServer('a');
    await c.addServer('b');
    await c.addServer('c');
    await c.run(2_000);
    expect(c.leaders()).toEqual(['a']);
    const stoppedAt = c.time.now();
    const report = await settled(c, c.server('a').coordinator.stop());
    expect(report.releasedLeadership).toBe(true);
    const samples = await sampleLeaders(c, 60_000, 500);
    const later = elections(c).filter((e) => e.vt >= stoppedAt);
    const electionErrors = c.ofType('error').filter((e) => e.where === 'election' && e.vt >= stoppedAt);
    const ticksRunAfterStop = log.runs.filter((run) => run.vt > stoppedAt + 1_000).length;
    figures(`H1 ${JSON.stringify(hazards)}`, {
      electedAfterStopMs: later.map((e) => e.vt - stoppedAt),
      electionErrors: electionErrors.length,
      ticksRunAfterStop,
    });
    return { samples, later, electionErrors, stoppedAt, ticksRunAfterStop };
  }

  it('on: no server ever leads again, the election fails on every tick and cron jobs stop', async () => {
    const { samples, later, electionErrors, ticksRunAfterStop } = await scenario([
      'nullHeartbeatAfterRelease',
    ]);
    expect(later).toEqual([]);
    expect(samples.every((leaders) => leaders.length === 0)).toBe(true);
    // b and c each fail every 5 s for a minute.
    expect(electionErrors.length).toBeGreaterThanOrEqual(20);
    expect(new Set(electionErrors.map((e) => e.serverId))).toEqual(new Set(['b', 'c']));
    expect(electionErrors[0]!.error).toMatch(/lastHeartbeatAt is null/);
    expect(ticksRunAfterStop).toBe(0);
  });

  it('off: another server leads within 1 s and keeps leading', async () => {
    const { samples, later, electionErrors, stoppedAt, ticksRunAfterStop } = await scenario([]);
    expect(later).toHaveLength(1);
    expect(later[0]!.vt - stoppedAt).toBeLessThan(1_000);
    expect(samples.every((leaders) => leaders.length === 1)).toBe(true);
    expect(electionErrors).toEqual([]);
    expect(ticksRunAfterStop).toBeGreaterThanOrEqual(58);
  });
});

describe('H2 localClockHeartbeat: server clocks that differ from the database clock', () => {
  /** a starts first and leads; its clock (and maybe b's) runs 20 s behind the database's. */
  async function behind(hazards: HazardSelection, bOffsetMs: number) {
    const { cluster: c } = await cluster(() => [], { hazards });
    await c.addServer('a', { offsetMs: -20_000 });
    await c.run(1_000);
    await c.addServer('b', { offsetMs: bOffsetMs });
    const samples = await sampleLeaders(c, 60_000, 100);
    const leaders = elections(c).map((e) => e.serverId);
    const twoLeadersMs = samples.filter((s) => s.length > 1).length * 100;
    figures(`H2 behind b@${bOffsetMs} ${JSON.stringify(hazards)}`, {
      elections: leaders.length,
      leaders: leaders.join(''),
      twoLeadersMs,
    });
    return { c, leaders, twoLeadersMs };
  }

  it('on: a live leader whose clock is behind is taken over at once', async () => {
    const { c, leaders, twoLeadersMs } = await behind(['localClockHeartbeat'], 0);
    expect(leaders).toEqual(['a', 'b']);
    expect(c.server('a').coordinator.state).toBe('running');
    // a still believes it leads until its next heartbeat fails.
    expect(twoLeadersMs).toBeGreaterThan(0);
  });

  it('on: with both clocks behind, leadership flaps all minute with two leaders at once', async () => {
    const { c, leaders, twoLeadersMs } = await behind(['localClockHeartbeat'], -20_000);
    // Each new lease looks 20 s old to the other server as soon as it is written.
    expect(leaders.length).toBeGreaterThanOrEqual(6);
    expect(leaders.filter((id) => id === 'a').length).toBeGreaterThanOrEqual(3);
    expect(leaders.filter((id) => id === 'b').length).toBeGreaterThanOrEqual(3);
    expect(twoLeadersMs).toBeGreaterThan(5_000);
    expect(c.server('a').coordinator.state).toBe('running');
    expect(c.server('b').coordinator.state).toBe('running');
  });

  it.each([0, -20_000])('off: a keeps leading all minute (b offset %i ms)', async (bOffsetMs) => {
    const { leaders, twoLeadersMs } = await behind([], bOffsetMs);
    expect(leaders).toEqual(['a']);
    expect(twoLeadersMs).toBe(0);
  });

  /** Only the leader's clock runs 20 s ahead; it crashes: its lease looks 20 s younger than it is. */
  async function ahead(hazards: HazardSelection) {
    const { cluster: c } = await cluster(() => [], { hazards });
    await c.addServer('a', { offsetMs: 20_000 });
    await c.addServer('b');
    await c.run(10_500);
    c.crash('a');
    await c.run(60_000);
    const takeover = elections(c).find((e) => e.serverId === 'b')!;
    // a's last heartbeat was at 10 s on the database's clock.
    const delayMs = rel(takeover.dbNow) - 10_000;
    figures(`H2 ahead ${JSON.stringify(hazards)}`, { takeoverAfterLastHeartbeatMs: delayMs });
    return delayMs;
  }

  it('on: a crashed leader whose clock runs ahead keeps its dead lease 20 s longer', async () => {
    expect(await ahead(['H2'])).toBeGreaterThanOrEqual(35_000);
  });

  it('off: the same crash is taken over just after the 15 s timeout', async () => {
    expect(await ahead([])).toBeLessThanOrEqual(15_100);
  });
});

describe('H3 wholeSecondLease: takeover delay after a crash, on the database clock', () => {
  /** The leader's heartbeats land `msPart` ms after a whole second; it crashes after the one at 10 s. */
  async function takeoverDelay(hazards: HazardSelection, msPart: number) {
    const { cluster: c } = await cluster(() => [], { hazards });
    await c.run(msPart);
    await c.addServer('a');
    await c.addServer('b');
    await c.run(10_500);
    c.crash('a');
    await c.run(30_000);
    const takeover = elections(c).find((e) => e.serverId === 'b')!;
    expect(takeover.previousHolder).toBe('a');
    expect(rel(takeover.previousHeartbeatAt!)).toBe(msPart + 10_000);
    const delayMs = takeover.dbNow - takeover.previousHeartbeatAt!;
    figures(`H3 msPart ${msPart} ${JSON.stringify(hazards)}`, { delayMs });
    return delayMs;
  }

  it('on: the 15 s timeout becomes 16 s for a heartbeat on a whole second', async () => {
    expect(await takeoverDelay(['wholeSecondLease'], 0)).toBe(16_000);
  });

  it('on: a heartbeat 200 ms past a whole second is taken over 800 ms late', async () => {
    const delay = await takeoverDelay(['wholeSecondLease'], 200);
    expect(delay).toBeGreaterThanOrEqual(15_700);
    expect(delay).toBeLessThanOrEqual(16_000);
  });

  it.each([0, 200, 600])(
    'off: taken over 15 s and 1 ms after the last heartbeat (+%i ms)',
    async (msPart) => {
      expect(await takeoverDelay([], msPart)).toBe(15_001);
    },
  );
});

/**
 * The leader a is paused from 10.5 s to 30.5 s (a long GC pause, a frozen VM). b takes over at 25 s. With
 * hazard H7 as well, a remembers its cron cursor in memory, so when it wakes it has 20 s of ticks to push.
 */

describe('H4 noFencing: a paused leader wakes up after it was replaced', () => {
  it("on: its scheduled jobs land after the new term began, beside the new leader's, and run twice", async () => {
    const r = await pausedLeader(['noFencing', 'noTickRecord']);
    figures('H4 on', {
      newTermAt: rel(r.newTerm.vt),
      lateRowsFromA: r.lateRows.length,
      ticksRunTwice: r.ticksRunTwice,
    });
    expect(r.fenced).toEqual([]);
    // a pushes the 20 ticks it slept through, all after b's term began, under no term at all.
    expect(r.lateRows.length).toBeGreaterThanOrEqual(15);
    expect(r.lateRows.every((row) => row.term === null)).toBe(true);
    // b already pushed the ticks since its election: those jobs exist, and run, twice.
    expect(r.duplicatedTicks.length).toBeGreaterThanOrEqual(3);
    expect(r.ticksRunTwice).toEqual(r.duplicatedTicks);
  });

  it('off: its first write is refused, it steps down, and no write under the old term lands', async () => {
    const r = await pausedLeader(['noTickRecord']);
    figures('H4 off', {
      fenced: r.fenced.length,
      steppedDownAfterResumeMs: r.aSteppedDown!.vt - r.resumedAt,
    });
    expect(r.fenced).toEqual([expect.objectContaining({ serverId: 'a', term: 1, vt: r.resumedAt })]);
    expect(r.aSteppedDown?.vt).toBe(r.resumedAt);
    expect(r.lateRows).toEqual([]);
    expect(r.staleTermRows).toBe(0);
    expect(r.duplicatedTicks).toEqual([]);
    expect(r.ticksRunTwice).toEqual([]);
  });
});

describe('H5 lateStepDown: a deposed leader keeps scheduling until its next tick', () => {
  // Missed ticks are skipped (with a short threshold), so that the paused leader has no backlog to push:
  // everything it schedules after waking comes from the overlap alone. H4 lets its writes through.
  const skip: MisfirePolicy = { kind: 'skip', thresholdMs: 200 };

  it('on: both servers schedule the same ticks for about one election interval, and each runs twice', async () => {
    const r = await pausedLeader(['lateStepDown', 'noFencing', 'noTickRecord'], { misfire: skip });
    const overlap = r.aFiredAfterNewTerm.map((e) => rel(e.tickAt));
    figures('H5 on', {
      resumedAt: rel(r.resumedAt),
      aFiredAfterNewTerm: overlap,
      steppedDownAfterResumeMs: r.aSteppedDown!.vt - r.resumedAt,
      ticksRunTwice: r.ticksRunTwice,
    });
    expect(r.aFiredAfterNewTerm.length).toBeGreaterThanOrEqual(4);
    expect(r.aSteppedDown!.vt - r.resumedAt).toBeGreaterThanOrEqual(4_000);
    expect(r.ticksRunTwice).toEqual(overlap);
  });

  it('off: the deposed leader stops at once: no tick scheduled twice', async () => {
    const r = await pausedLeader(['noFencing', 'noTickRecord'], { misfire: skip });
    figures('H5 off', { aFiredAfterNewTerm: r.aFiredAfterNewTerm.length });
    expect(r.aFiredAfterNewTerm).toEqual([]);
    expect(r.aSteppedDown!.vt).toBe(r.resumedAt);
    expect(r.ticksRunTwice).toEqual([]);
    expect(r.duplicatedTicks).toEqual([]);
  });
});
