/**
 * Every weakness of the reference (reference/pinstripe.md, H1-H14) is a hazard switch that is off by
 * default. For each one, the same scenario on the same seed is run twice against the real coordinators and
 * the real shared sql.js database in virtual time: with the hazard on, the reference's failure happens; with
 * it off, it does not. The assertions are about what a user would notice: who leads over time, jobs that
 * run twice or never, jobs lost, servers that die.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  defineJob,
  InvalidCronError,
  type HazardSelection,
  type JobDefinition,
  type MisfirePolicy,
} from '../../src/core';
import { serverLock } from '../../src/core/distributed/serverLock';
import { SharedSqlJsDatabase } from '../../src/db';
import { databaseClock, DEFAULT_EPOCH_MS, VirtualTime } from '../../src/sim/time/virtualTime';
import { RunLog, singleServer, TestCluster, type RecordedEvent } from '../support/testCluster';

// ---------------------------------------------------------------------------------------------------------
// Helpers

const SEED = 42;
const EVERY_SECOND = '* * * * * *';

/** Virtual time in ms since the start of the run (every cluster starts at DEFAULT_EPOCH_MS). */
const rel = (vt: number) => vt - DEFAULT_EPOCH_MS;

/** Clusters to close after each test, whatever happened. */
const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const cluster of open.splice(0)) await cluster.close();
});

/** A cluster whose jobs record every run they make. */
async function cluster(
  jobs: (log: RunLog) => readonly JobDefinition[],
  serverOptions: Parameters<typeof TestCluster.create>[0]['serverOptions'] = {},
): Promise<{ cluster: TestCluster; log: RunLog }> {
  const ref: { cluster?: TestCluster } = {};
  const log = new RunLog(() => ref.cluster!.time);
  const created = await TestCluster.create({ jobs: jobs(log), seed: SEED, serverOptions });
  ref.cluster = created;
  open.push(created);
  return { cluster: created, log };
}

/** A cron job (per second unless told) that records its runs. */
function everySecond(log: RunLog, misfire?: MisfirePolicy, cron = EVERY_SECOND): JobDefinition {
  return defineJob({
    name: 'tick',
    run: (params, context) => log.record(context, params),
    schedules: [{ cron, ...(misfire ? { misfire } : {}) }],
  });
}

/** Awaits a promise while virtual time runs, for operations that may wait on timers. */
async function settled<T>(cluster: TestCluster, promise: Promise<T>, maxMs = 60_000): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => (done = true));
  await cluster.run(0);
  for (let waited = 0; !done && waited < maxMs; waited += 10) await cluster.run(10);
  return tracked;
}

/** Runs the cluster for `ms`, sampling who believes it leads every `stepMs`. */
async function sampleLeaders(cluster: TestCluster, ms: number, stepMs = 100): Promise<string[][]> {
  const samples: string[][] = [];
  for (let t = 0; t < ms; t += stepMs) {
    await cluster.run(stepMs);
    samples.push(cluster.leaders());
  }
  return samples;
}

/** How many of each value: the runs per tick, the runs per server ... */
function countBy<T>(
  items: readonly T[],
  key: (item: T) => string | number | undefined,
): Map<string | number, number> {
  const counts = new Map<string | number, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** Cron ticks (relative ms) that produced more than one job row. */
function duplicatedTicks(cluster: TestCluster): number[] {
  return cluster
    .rows('SELECT tickAt FROM distributedJobs WHERE tickAt IS NOT NULL GROUP BY tickAt HAVING COUNT(*) > 1')
    .map((row) => rel(Number(row.tickAt)));
}

/** Whole seconds in [fromMs, toMs] (relative) that have no job row. */
function missingTicks(cluster: TestCluster, fromMs: number, toMs: number): number[] {
  const have = new Set(
    cluster.rows('SELECT DISTINCT tickAt FROM distributedJobs').map((row) => rel(Number(row.tickAt))),
  );
  const missing: number[] = [];
  for (let tick = fromMs; tick <= toMs; tick += 1000) if (!have.has(tick)) missing.push(tick);
  return missing;
}

/** Prints measured figures when HAZARD_FIGURES is set: `HAZARD_FIGURES=1 npx vitest run test/core/hazards.test.ts`. */
function figures(name: string, data: Record<string, unknown>): void {
  if (process.env.HAZARD_FIGURES) console.log(`${name}: ${JSON.stringify(data)}`);
}

function elections(cluster: TestCluster): Extract<RecordedEvent, { type: 'elected' }>[] {
  return cluster.ofType('elected');
}

// ---------------------------------------------------------------------------------------------------------

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
async function pausedLeader(
  hazards: HazardSelection,
  { misfire, cron, pauseMs = 20_000 }: { misfire?: MisfirePolicy; cron?: string; pauseMs?: number } = {},
) {
  const { cluster: c, log } = await cluster((log) => [everySecond(log, misfire, cron)], { hazards });
  await c.addServer('a');
  await c.addServer('b');
  await c.run(10_500);
  c.server('a').clock.pause();
  await c.run(pauseMs);
  const resumedAt = c.time.now();
  c.server('a').clock.resume();
  await c.run(10_000);
  const newTerm = elections(c).find((e) => e.serverId === 'b')!;
  expect(newTerm.vt).toBeLessThan(resumedAt);
  const lateRows = c.rows(
    `SELECT id, tickAt, createdAt, term FROM distributedJobs WHERE enqueuedBy = 'a' AND createdAt > ? ORDER BY id`,
    [newTerm.dbNow],
  );
  const staleTermRows = c.rows('SELECT COUNT(*) AS n FROM distributedJobs WHERE term < ? AND createdAt > ?', [
    newTerm.term,
    newTerm.dbNow,
  ])[0]!.n;
  const runsPerTick = countBy(log.runs, (run) => run.tickAt);
  const ticksRunTwice = [...runsPerTick].filter(([, n]) => n > 1).map(([tick]) => rel(Number(tick)));
  const aFiredAfterNewTerm = c.ofType('cronFired').filter((e) => e.serverId === 'a' && e.vt > newTerm.vt);
  const aSteppedDown = c.ofType('steppedDown').find((e) => e.serverId === 'a');
  return {
    c,
    newTerm,
    resumedAt,
    lateRows,
    staleTermRows,
    ticksRunTwice,
    duplicatedTicks: duplicatedTicks(c),
    aFiredAfterNewTerm,
    aSteppedDown,
    fenced: c.ofType('fenced'),
  };
}

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
    clock.pause();
    const pausedAt = time.now();
    await time.advance(30_000);
    const resumedAt = time.now();
    clock.resume();
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

describe('H8 deleteOnClaim: the server running a long job crashes', () => {
  async function crashWhileRunning(hazards: HazardSelection) {
    const { cluster: c, log } = await cluster(
      (log) => [
        defineJob({
          name: 'long',
          timeoutMs: 120_000,
          run: async (params, context) => {
            log.record(context, params);
            await context.sleep(60_000);
          },
        }),
      ],
      { hazards },
    );
    await c.addServer('a');
    await c.addServer('b');
    await c.run(1_000);
    const jobId = await c.server('a').coordinator.enqueue('long');
    await c.run(1_000);
    expect(log.runs).toHaveLength(1);
    const runner = log.runs[0]!.server;
    c.crash(runner);
    await c.run(150_000);
    const completed = c.ofType('completed');
    const rows = c.rows('SELECT status, attempts FROM distributedJobs');
    figures(`H8 ${JSON.stringify(hazards)}`, {
      crashed: runner,
      runs: log.runs.map((run) => `${run.server}@${rel(run.vt)}#${run.attempt}`),
      completed: completed.length,
      rows,
    });
    return { jobId, runner, runs: log.runs, completed, rows };
  }

  it('on: the job is never run again, and its row is gone', async () => {
    const { runs, completed, rows } = await crashWhileRunning(['deleteOnClaim']);
    expect(runs).toHaveLength(1);
    expect(completed).toEqual([]);
    expect(rows).toEqual([]);
  });

  it('off: another server runs it again once the claim lease lapses, and it completes', async () => {
    const { runner, runs, completed, rows } = await crashWhileRunning([]);
    expect(runs).toHaveLength(2);
    expect(runs[1]!.server).not.toBe(runner);
    expect(runs[1]!.attempt).toBe(2);
    // The claim was made at 1 s with a 30 s lease.
    expect(rel(runs[1]!.vt)).toBeGreaterThanOrEqual(31_000);
    expect(rel(runs[1]!.vt)).toBeLessThanOrEqual(36_000);
    expect(completed).toHaveLength(1);
    expect(rows).toEqual([{ status: 'completed', attempts: 2 }]);
  });
});

/** A job that takes `ms` on the server's clock and records where it ran. */
function work(log: RunLog, ms: number): JobDefinition {
  return defineJob({
    name: 'work',
    run: async (params, context) => {
      log.record(context, params);
      if (ms > 0) await context.sleep(ms);
    },
  });
}

describe('H9 oneClaimPerTick: 100 quick jobs on two servers', () => {
  async function drain(hazards: HazardSelection) {
    const { cluster: c } = await cluster((log) => [work(log, 0)], { hazards });
    await c.addServer('a');
    await c.addServer('b');
    await c.run(500);
    const enqueuedAt = c.time.now();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => c.server('a').coordinator.enqueue('work', { i })),
    );
    await c.run(60_000);
    const completed = c.ofType('completed').filter((e) => e.vt <= enqueuedAt + 60_000);
    const lastMs = completed.length ? Math.max(...completed.map((e) => e.vt)) - enqueuedAt : undefined;
    figures(`H9 ${JSON.stringify(hazards)}`, {
      completedIn60s: completed.length,
      lastCompletedAfterMs: lastMs,
    });
    return { completed, lastMs };
  }

  it('on: the cluster drains at most one job per server per 5 s tick', async () => {
    const { completed } = await drain(['oneClaimPerTick']);
    expect(completed.length).toBeLessThanOrEqual(2 * 13);
    expect(completed.length).toBeGreaterThanOrEqual(20);
  });

  it('off: all 100 are done within a few seconds', async () => {
    const { completed, lastMs } = await drain([]);
    expect(completed).toHaveLength(100);
    expect(lastMs).toBeLessThanOrEqual(3_000);
  });
});

describe('H10 distributeKeepsOne: 60 jobs of 100 ms enqueued on one server of three', () => {
  async function spread(hazards: HazardSelection) {
    const { cluster: c, log } = await cluster((log) => [work(log, 100)], { hazards });
    await c.addServer('a');
    await c.addServer('b');
    await c.addServer('c');
    await c.run(1_000);
    await Promise.all(Array.from({ length: 60 }, (_, i) => c.server('a').coordinator.enqueue('work', { i })));
    await c.run(20_000);
    const perServer = Object.fromEntries(countBy(log.runs, (run) => run.server));
    const lastMs = Math.max(...log.runs.map((run) => run.vt)) + 100 - c.time.now() + 20_000;
    figures(`H10 ${JSON.stringify(hazards)}`, {
      perServer,
      lastFinishedAfterMs: lastMs,
      runs: log.runs.length,
    });
    return { perServer, runs: log.runs };
  }

  it('on: (nearly) every job runs on the server that enqueued it', async () => {
    const { perServer, runs } = await spread(['distributeKeepsOne']);
    expect(runs).toHaveLength(60);
    expect(perServer.a).toBeGreaterThanOrEqual(55);
  });

  it('off: the jobs spread over all three servers', async () => {
    const { perServer, runs } = await spread([]);
    expect(runs).toHaveLength(60);
    for (const id of ['a', 'b', 'c']) expect(perServer[id]).toBeGreaterThanOrEqual(12);
  });
});

describe('H11 droppedFailures: a job that fails once, then would succeed', () => {
  async function flaky(hazards: HazardSelection) {
    const { cluster: c, log } = await cluster(
      (log) => [
        defineJob({
          name: 'flaky',
          run: (params, context) => {
            log.record(context, params);
            if (context.attempt === 1) throw new Error('smtp timeout');
          },
        }),
      ],
      { hazards },
    );
    await c.addServer('a');
    await c.addServer('b');
    await c.run(500);
    await c.server('a').coordinator.enqueue('flaky');
    await c.run(30_000);
    const failed = c.ofType('failed');
    const rows = c.rows('SELECT status, attempts, lastError FROM distributedJobs');
    figures(`H11 ${JSON.stringify(hazards)}`, {
      runs: log.runs.map((run) => `${run.server}@${rel(run.vt)}#${run.attempt}`),
      failed: failed.map((e) => e.outcome),
      rows,
    });
    return { runs: log.runs, failed, completed: c.ofType('completed'), rows };
  }

  it('on: it runs once, is dropped, and its row is gone', async () => {
    const { runs, failed, completed, rows } = await flaky(['droppedFailures']);
    expect(runs).toHaveLength(1);
    expect(failed).toEqual([expect.objectContaining({ outcome: 'dropped', error: 'Error: smtp timeout' })]);
    expect(completed).toEqual([]);
    expect(rows).toEqual([]);
  });

  it('off: it is retried after a backoff and completes', async () => {
    const { runs, failed, completed, rows } = await flaky([]);
    expect(runs.map((run) => run.attempt)).toEqual([1, 2]);
    expect(runs[1]!.vt - runs[0]!.vt).toBeGreaterThanOrEqual(900);
    expect(failed).toEqual([expect.objectContaining({ outcome: 'retry' })]);
    expect(completed).toHaveLength(1);
    expect(rows).toEqual([{ status: 'completed', attempts: 2, lastError: 'Error: smtp timeout' }]);
  });
});

describe('H12 lockWaitersInheritErrors: the lock holder throws with two waiters queued behind it', () => {
  async function holderThrows(inherit: boolean) {
    const time = new VirtualTime(DEFAULT_EPOCH_MS);
    const db = await SharedSqlJsDatabase.open({ clock: databaseClock(time) });
    open.push({ close: () => db.close() });
    const connection = db.connect('server');
    await connection.run('CREATE TABLE notes (text TEXT)');
    const locked = serverLock(connection, () => inherit);
    const ran: string[] = [];
    const holderError = new Error('holder failed');
    const holder = locked(async (tx) => {
      await tx.run("INSERT INTO notes VALUES ('holder')");
      throw holderError;
    });
    const waiters = ['first', 'second'].map((name) =>
      locked(async (tx) => {
        ran.push(name);
        await tx.run('INSERT INTO notes VALUES (?)', [name]);
        return name;
      }),
    );
    const outcomes = await Promise.allSettled([holder, ...waiters]);
    const notes = db.inspect('SELECT text FROM notes').map((row) => row.text);
    return { outcomes, ran, notes, holderError };
  }

  it("on: both waiters fail with the holder's error and never run", async () => {
    const { outcomes, ran, notes, holderError } = await holderThrows(true);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: holderError },
      { status: 'rejected', reason: holderError },
      { status: 'rejected', reason: holderError },
    ]);
    expect(ran).toEqual([]);
    expect(notes).toEqual([]);
  });

  it('off: the holder alone fails; both waiters run in turn and succeed', async () => {
    const { outcomes, ran, notes, holderError } = await holderThrows(false);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: holderError },
      { status: 'fulfilled', value: 'first' },
      { status: 'fulfilled', value: 'second' },
    ]);
    expect(ran).toEqual(['first', 'second']);
    expect(notes).toEqual(['first', 'second']);
  });

  /**
   * Through a coordinator: with H1 the election throws inside the lock on every tick once the leader has
   * stopped. A server that starts then runs its first election and its first claim together, the claim
   * queued behind the election's transaction; a job is waiting in the table.
   */
  async function newServerAfterRelease(hazards: HazardSelection) {
    const { cluster: c, log } = await cluster((log) => [work(log, 0)], { hazards });
    await c.addServer('a');
    await c.run(1_000);
    await settled(c, c.server('a').coordinator.stop());
    const web = await c.addServer('web', { withoutJobs: true });
    await web.coordinator.enqueue('work');
    await c.run(1_000);
    await c.addServer('c');
    await c.run(60_000);
    const claimErrors = c.ofType('error').filter((e) => e.serverId === 'c' && e.where === 'claim');
    const electionErrors = c.ofType('error').filter((e) => e.serverId === 'c' && e.where === 'election');
    figures(`H12 coordinator ${JSON.stringify(hazards)}`, {
      runs: log.runs.map((run) => `${run.server}@${rel(run.vt)}`),
      claimErrors: claimErrors.length,
      electionErrors: electionErrors.length,
    });
    return { runs: log.runs, claimErrors, electionErrors };
  }

  it("on (with H1): the claim fails with the election's error, and the job waits a poll interval", async () => {
    const { runs, claimErrors, electionErrors } = await newServerAfterRelease([
      'lockWaitersInheritErrors',
      'H1',
    ]);
    expect(electionErrors.length).toBeGreaterThanOrEqual(12);
    expect(claimErrors).toEqual([
      expect.objectContaining({ vt: DEFAULT_EPOCH_MS + 2_000, error: electionErrors[0]!.error }),
    ]);
    expect(claimErrors[0]!.error).toMatch(/lastHeartbeatAt is null/);
    expect(runs).toEqual([expect.objectContaining({ server: 'c', vt: DEFAULT_EPOCH_MS + 7_000 })]);
  });

  it('off (H1 alone): the election fails, but the claim does not: the job runs at once', async () => {
    const { runs, claimErrors, electionErrors } = await newServerAfterRelease(['H1']);
    expect(runs).toEqual([expect.objectContaining({ server: 'c', vt: DEFAULT_EPOCH_MS + 2_000 })]);
    expect(electionErrors.length).toBeGreaterThanOrEqual(12);
    expect(claimErrors).toEqual([]);
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
