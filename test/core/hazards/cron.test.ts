/**
 * Every weakness of the reference (reference/pinstripe.md, H1-H14) is a hazard switch that is off by
 * default. For each one, the same scenario on the same seed is run twice against the real coordinators and
 * the real shared sql.js database in virtual time: with the hazard on, the reference's failure happens; with
 * it off, it does not. The assertions are about what a user would notice: who leads over time, jobs that
 * run twice or never, jobs lost, servers that die.
 *
 * This file: cron ticks and definitions (H6, H7, H13, H14).
 */
import { describe, expect, it } from 'vitest';
import { InvalidCronError, type HazardSelection, type JobDefinition } from '../../../src/core';
import { DEFAULT_EPOCH_MS, VirtualTime } from '../../../src/sim/time/virtualTime';
import { RunLog, singleServer } from '../../support/testCluster';
import {
  cluster,
  countBy,
  elections,
  everySecond,
  figures,
  missingTicks,
  open,
  pausedLeader,
  rel,
} from './support';

describe('H6 replayMissedTicks: a single server paused for 30 s, misfire "skip" beyond 1 s', () => {
  async function pausedSingleServer(hazards: HazardSelection) {
    const log = new RunLog(() => time);
    const { time, clock, coordinator, events } = singleServer({
      jobs: [everySecond(log, { kind: 'skip', thresholdMs: 1_000 })],
      hazards,
    });
    open.push({ close: () => time.clear() });
    await coordinator.start();
    await time.advance(5_500);
    clock.holdTimers();
    const pausedAt = time.now();
    await time.advance(30_000);
    const resumedAt = time.now();
    clock.releaseTimers();
    await time.advance(5_000);
    await coordinator.stop();
    // Ticks more than the 1 s threshold old when they fired.
    const late = log.runs.filter((run) => run.vt - run.tickAt! > 1_000);
    const firedAtResume = log.runs.filter((run) => run.vt === resumedAt);
    const skipped = events.flatMap((e) => (e.type === 'cronSkipped' ? [e.count] : []));
    const perTick = countBy(log.runs, (run) => run.tickAt);
    figures(`H6 ${JSON.stringify(hazards)}`, {
      late: late.length,
      firedAtResume: firedAtResume.length,
      skipped,
      runs: log.runs.length,
    });
    return { late, firedAtResume, skipped, perTick, pausedAt, resumedAt };
  }

  it('on: every missed second fires the moment it wakes, the policy notwithstanding', async () => {
    const { late, firedAtResume, skipped, pausedAt, resumedAt } = await pausedSingleServer([
      'replayMissedTicks',
    ]);
    expect(late.length).toBeGreaterThanOrEqual(29);
    expect(late.every((run) => run.tickAt! > pausedAt && run.vt === resumedAt)).toBe(true);
    expect(firedAtResume.length).toBeGreaterThanOrEqual(30);
    expect(skipped).toEqual([]);
  });

  it('off: the missed seconds are skipped, as the policy says', async () => {
    const { late, skipped, perTick, firedAtResume } = await pausedSingleServer([]);
    expect(late).toEqual([]);
    expect(firedAtResume.length).toBeLessThanOrEqual(1);
    expect(skipped.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(29);
    expect([...perTick.values()].every((n) => n === 1)).toBe(true);
  });
});

describe('H6 replayMissedTicks: a paused leader of a cluster, misfire "skip"', () => {
  // A job every 2 s whose missed ticks are skipped beyond 1 s; a is paused from 10.5 s to 31.5 s, so the
  // newest tick it missed (30 s) is 1.5 s old when it wakes: the policy says to push nothing it missed.
  // H4 and H7 let the deposed leader push what it remembers.
  const scenario = {
    cron: '*/2 * * * * *',
    misfire: { kind: 'skip', thresholdMs: 1_000 },
    pauseMs: 21_000,
  } as const;

  it("on: the old leader replays every tick it slept through, duplicating the new leader's", async () => {
    const r = await pausedLeader(['replayMissedTicks', 'noFencing', 'noTickRecord'], scenario);
    figures('H6 cluster on', {
      lateRowsFromA: r.lateRows.map((row) => rel(Number(row.tickAt))),
      ticksRunTwice: r.ticksRunTwice,
    });
    // Ticks 12, 14 ... 30 s, all pushed at once when a wakes; b had pushed 26, 28 and 30 already.
    expect(r.lateRows).toHaveLength(10);
    expect(r.lateRows.every((row) => Number(row.createdAt) === r.resumedAt)).toBe(true);
    expect(r.ticksRunTwice).toEqual([26_000, 28_000, 30_000]);
  });

  it('off: the old leader pushes nothing it missed', async () => {
    const r = await pausedLeader(['noFencing', 'noTickRecord'], scenario);
    expect(r.lateRows).toEqual([]);
    expect(r.ticksRunTwice).toEqual([]);
  });
});

describe('H7 noTickRecord: the leader crashes in a per-second cron schedule', () => {
  async function crashedLeader(hazards: HazardSelection) {
    const { cluster: c, log } = await cluster((log) => [everySecond(log)], { hazards });
    await c.addServer('a');
    await c.addServer('b');
    await c.run(10_500);
    c.crash('a');
    await c.run(29_500);
    const missing = missingTicks(c, 1_000, 40_000);
    const runsPerTick = countBy(log.runs, (run) => run.tickAt);
    const rowCount = Number(c.rows('SELECT COUNT(*) AS n FROM distributedJobs')[0]!.n);
    figures(`H7 ${JSON.stringify(hazards)}`, { missing, rows: rowCount, distinctTicks: runsPerTick.size });
    return { c, missing, runsPerTick, rowCount };
  }

  it('on: every tick inside the failover gap is lost', async () => {
    const { missing } = await crashedLeader(['noTickRecord']);
    // a pushed ticks 1-10 s; b, elected at 25 s, starts from its own now.
    expect(missing.length).toBeGreaterThanOrEqual(14);
    expect(missing[0]).toBe(11_000);
  });

  it('off: every tick of the run has exactly one job, the gap made up late', async () => {
    const { missing, runsPerTick, rowCount } = await crashedLeader([]);
    expect(missing).toEqual([]);
    expect(rowCount).toBe(40);
    expect(runsPerTick.size).toBe(40);
    expect([...runsPerTick.values()].every((n) => n === 1)).toBe(true);
  });
});

describe('H13 crashOnBadCrontab: a job whose cron is "not a cron"', () => {
  // Written by hand: defineJob would refuse it, as it should.
  const badJob: JobDefinition = { name: 'report', run: () => {}, schedules: [{ cron: 'not a cron' }] };

  it('off: creating a coordinator throws InvalidCronError naming the job and the expression', async () => {
    const { cluster: c } = await cluster(() => [badJob]);
    const error: unknown = await c.addServer('a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCronError);
    expect(error).toMatchObject({ jobName: 'report', cron: 'not a cron' });
    expect((error as Error).message).toMatch(/"report".*"not a cron"/);
    expect(() => singleServer({ jobs: [badJob] })).toThrow(InvalidCronError);
  });

  it('on: three servers start, and each one dies in turn as it becomes leader', async () => {
    const { cluster: c } = await cluster(() => [badJob], { hazards: ['crashOnBadCrontab'] });
    await c.addServer('a');
    await c.addServer('b');
    await c.addServer('c');
    await c.run(90_000);
    const crashes = c.ofType('crashed');
    const elected = elections(c);
    figures('H13 on', {
      elected: elected.map((e) => `${e.serverId}@${rel(e.vt)}`),
      crashed: crashes.map((e) => `${e.serverId}@${rel(e.vt)}`),
    });
    expect(crashes.map((e) => e.serverId)).toEqual(elected.map((e) => e.serverId));
    expect(new Set(crashes.map((e) => e.serverId))).toEqual(new Set(['a', 'b', 'c']));
    // Each dies the moment it starts scheduling, holding a lease that the next one waits out.
    crashes.forEach((crash, i) => expect(crash.vt).toBe(elected[i]!.vt));
    expect(crashes[0]!.error).toMatch(/not a cron/);
    expect([...c.servers.values()].map((s) => s.coordinator.state)).toEqual([
      'crashed',
      'crashed',
      'crashed',
    ]);
  });

  it('on: a single server dies as soon as it starts', async () => {
    const { time, coordinator, events } = singleServer({ jobs: [badJob], hazards: ['H13'] });
    open.push({ close: () => time.clear() });
    await coordinator.start();
    await time.advance(1_000);
    expect(coordinator.state).toBe('crashed');
    expect(events.filter((e) => e.type === 'crashed')).toHaveLength(1);
  });
});

describe('H14 two single-server coordinators on one application', () => {
  it('two single servers each run the per-second job: every tick runs twice', async () => {
    const time = new VirtualTime(DEFAULT_EPOCH_MS);
    open.push({ close: () => time.clear() });
    const log = new RunLog(time);
    const servers = ['one', 'two'].map(
      (serverId) => singleServer({ jobs: [everySecond(log)], time, serverId }).coordinator,
    );
    for (const server of servers) await server.start();
    await time.advance(10_000);
    const perTick = countBy(log.runs, (run) => run.tickAt);
    figures('H14 single', { ticks: perTick.size, runs: log.runs.length });
    expect(perTick.size).toBe(10);
    expect([...perTick.values()].every((n) => n === 2)).toBe(true);
    expect(countBy(log.runs, (run) => run.server)).toEqual(
      new Map([
        ['one', 10],
        ['two', 10],
      ]),
    );
  });

  it('one distributed cluster of two: every tick runs once', async () => {
    const { cluster: c, log } = await cluster((log) => [everySecond(log)]);
    await c.addServer('a');
    await c.addServer('b');
    await c.run(10_000);
    const perTick = countBy(log.runs, (run) => run.tickAt);
    figures('H14 cluster', { ticks: perTick.size, runs: log.runs.length });
    expect(perTick.size).toBe(10);
    expect([...perTick.values()].every((n) => n === 1)).toBe(true);
  });
});
