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
import { databaseClock, DEFAULT_EPOCH_MS, VirtualTime } from '../../src/sim/virtualTime';
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
  let created: TestCluster | undefined;
  const log = new RunLog(() => created!.time);
  created = await TestCluster.create({ jobs: jobs(log), seed: SEED, serverOptions });
  open.push(created);
  return { cluster: created, log };
}

/** A per-second cron job that records its runs. */
function everySecond(log: RunLog, misfire?: MisfirePolicy): JobDefinition {
  return defineJob({
    name: 'tick',
    run: (params, context) => log.record(context, params),
    schedules: [{ cron: EVERY_SECOND, ...(misfire ? { misfire } : {}) }],
  });
}

/** Awaits a promise while virtual time runs, for operations that may wait on timers. */
async function settled<T>(cluster: TestCluster, promise: Promise<T>, maxMs = 60_000): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => (done = true));
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
function countBy<T>(items: readonly T[], key: (item: T) => string | number | undefined): Map<string | number, number> {
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
    const report = await settled(c, c.server('a').coordinator.stop());
    expect(report.releasedLeadership).toBe(true);
    const stoppedAt = c.time.now();
    const samples = await sampleLeaders(c, 60_000, 500);
    const later = elections(c).filter((e) => e.vt >= stoppedAt);
    const electionErrors = c.ofType('error').filter((e) => e.where === 'election' && e.vt >= stoppedAt);
    const ticksRunAfterStop = log.runs.filter((run) => run.vt > stoppedAt + 1_000).length;
    return { samples, later, electionErrors, stoppedAt, ticksRunAfterStop };
  }

  it('on: no server ever leads again, the election fails on every tick and cron jobs stop', async () => {
    const { samples, later, electionErrors, ticksRunAfterStop } = await scenario(['nullHeartbeatAfterRelease']);
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
