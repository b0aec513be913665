/** What the hazard tests share: clusters closed after each test, recorded runs, and the counts they assert on. */
import { afterEach, expect } from 'vitest';
import { defineJob, type HazardSelection, type JobDefinition, type MisfirePolicy } from '../../../src/core';
import { DEFAULT_EPOCH_MS } from '../../../src/sim/time/virtualTime';
import { RunLog, TestCluster, type RecordedEvent } from '../../support/testCluster';

// ---------------------------------------------------------------------------------------------------------
// Helpers

export const SEED = 42;
export const EVERY_SECOND = '* * * * * *';

/** Virtual time in ms since the start of the run (every cluster starts at DEFAULT_EPOCH_MS). */
export const rel = (vt: number) => vt - DEFAULT_EPOCH_MS;

/** Clusters to close after each test, whatever happened. */
export const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const cluster of open.splice(0)) await cluster.close();
});

/** A cluster whose jobs record every run they make. */
export async function cluster(
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
export function everySecond(log: RunLog, misfire?: MisfirePolicy, cron = EVERY_SECOND): JobDefinition {
  return defineJob({
    name: 'tick',
    run: (params, context) => log.record(context, params),
    schedules: [{ cron, ...(misfire ? { misfire } : {}) }],
  });
}

/** Awaits a promise while virtual time runs, for operations that may wait on timers. */
export async function settled<T>(cluster: TestCluster, promise: Promise<T>, maxMs = 60_000): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => (done = true));
  await cluster.run(0);
  for (let waited = 0; !done && waited < maxMs; waited += 10) await cluster.run(10);
  return tracked;
}

/** Runs the cluster for `ms`, sampling who believes it leads every `stepMs`. */
export async function sampleLeaders(cluster: TestCluster, ms: number, stepMs = 100): Promise<string[][]> {
  const samples: string[][] = [];
  for (let t = 0; t < ms; t += stepMs) {
    await cluster.run(stepMs);
    samples.push(cluster.leaders());
  }
  return samples;
}

/** How many of each value: the runs per tick, the runs per server ... */
export function countBy<T>(
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
export function duplicatedTicks(cluster: TestCluster): number[] {
  return cluster
    .rows('SELECT tickAt FROM distributedJobs WHERE tickAt IS NOT NULL GROUP BY tickAt HAVING COUNT(*) > 1')
    .map((row) => rel(Number(row.tickAt)));
}

/** Whole seconds in [fromMs, toMs] (relative) that have no job row. */
export function missingTicks(cluster: TestCluster, fromMs: number, toMs: number): number[] {
  const have = new Set(
    cluster.rows('SELECT DISTINCT tickAt FROM distributedJobs').map((row) => rel(Number(row.tickAt))),
  );
  const missing: number[] = [];
  for (let tick = fromMs; tick <= toMs; tick += 1000) if (!have.has(tick)) missing.push(tick);
  return missing;
}

/** Prints measured figures when HAZARD_FIGURES is set: `HAZARD_FIGURES=1 npx vitest run test/core/hazards`. */
export function figures(name: string, data: Record<string, unknown>): void {
  if (process.env.HAZARD_FIGURES) console.log(`${name}: ${JSON.stringify(data)}`);
}

export function elections(cluster: TestCluster): Extract<RecordedEvent, { type: 'elected' }>[] {
  return cluster.ofType('elected');
}

export async function pausedLeader(
  hazards: HazardSelection,
  { misfire, cron, pauseMs = 20_000 }: { misfire?: MisfirePolicy; cron?: string; pauseMs?: number } = {},
) {
  const { cluster: c, log } = await cluster((log) => [everySecond(log, misfire, cron)], { hazards });
  await c.addServer('a');
  await c.addServer('b');
  await c.run(10_500);
  c.server('a').clock.holdTimers();
  await c.run(pauseMs);
  const resumedAt = c.time.now();
  c.server('a').clock.releaseTimers();
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

export function work(log: RunLog, ms: number): JobDefinition {
  return defineJob({
    name: 'work',
    run: async (params, context) => {
      log.record(context, params);
      if (ms > 0) await context.sleep(ms);
    },
  });
}
