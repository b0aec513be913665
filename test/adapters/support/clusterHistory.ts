/**
 * Reading a real cluster's history in a test (`RealCluster` of `src/adapters/cluster`): who leads, when a
 * lease was last written, which enqueues were answered; a feeder that enqueues jobs through the servers
 * that are up while faults hit the others; three processes at a tenth of the default timings started and
 * fed; and the verdict of the property suites' checkers on the run.
 */
import { expect } from 'vitest';
import { RealCluster, type HistoryEntry } from '../../../src/adapters/cluster/realCluster';
import type { ServerDatabaseConfig, ServerTimings, SleepJob } from '../../../src/adapters/cluster/protocol';
import type { Database } from '../../../src/core';
import { historyToRun } from '../../../src/realrun/historyToRun';
import { currentLeader, finalTables } from '../../../src/realrun/scenarioOnRealCluster';
import { checkAll } from '../../../src/verify/checkers';
import { CONCURRENCY, STOP_GRACE_MS, TENTH_TIMINGS } from './faultRun';
import { waitFor } from './realCluster';

export type Reported = Extract<HistoryEntry, { kind: 'report' }>;
type EventReport = Extract<Reported['report'], { report: 'event' }>;
export type ReportedEvent = Reported & { report: EventReport };

export const reports = (cluster: RealCluster, from = 0) =>
  cluster.history.slice(from).filter((e): e is Reported => e.kind === 'report');

export const eventsOf = (cluster: RealCluster, type: string, from = 0) =>
  reports(cluster, from).filter(
    (e): e is ReportedEvent => e.report.report === 'event' && e.report.event.type === type,
  );

/** The field `key` of an event (its job id, term...). */
export const field = <T = string>(e: ReportedEvent, key: string): T =>
  (e.report.event as unknown as Record<string, T>)[key]!;

export const elections = (cluster: RealCluster) => eventsOf(cluster, 'elected').length;

/** The server that leads now, as the history says (the scenario runner's own reading of it). */
export { currentLeader };

export async function awaitLeader(cluster: RealCluster, what: string, timeoutMs = 5_000): Promise<string> {
  await waitFor(what, () => currentLeader(cluster) !== undefined, timeoutMs);
  return currentLeader(cluster)!;
}

/**
 * Waits for an election, after the `electionsBefore`-th, of a server other than `previous`. Count the
 * elections before the fault: a handover can be over before the fault's call returns.
 */
export async function newLeader(
  cluster: RealCluster,
  electionsBefore: number,
  previous: string,
  what: string,
  timeoutMs = 8_000,
) {
  const elected = () => eventsOf(cluster, 'elected').slice(electionsBefore);
  await waitFor(what, () => elected().some((e) => e.serverId !== previous), timeoutMs);
  const e = elected().find((e) => e.serverId !== previous)!;
  return { serverId: e.serverId, wallMs: e.report.wallMs, term: field<number>(e, 'term') };
}

/** When `serverId` last wrote its lease as leader: its last heartbeat, or its election. */
export function lastLeaseWrite(cluster: RealCluster, serverId: string): number {
  const writes = reports(cluster).filter(
    (e) =>
      e.serverId === serverId &&
      e.report.report === 'event' &&
      ['elected', 'heartbeat'].includes(e.report.event.type),
  );
  return writes.at(-1)!.report.wallMs;
}

/** Enqueues asked of a server, and those it answered (accepted, or refused on a connection just cut). */
function enqueueCounts(cluster: RealCluster, serverId?: string) {
  let asked = 0;
  let answered = 0;
  for (const e of cluster.history) {
    if (serverId !== undefined && e.serverId !== serverId) continue;
    if (e.kind === 'command' && e.command.command === 'enqueue') asked += e.command.count;
    if (e.kind !== 'report') continue;
    if (e.report.report === 'enqueueFailed') answered++;
    if (e.report.report === 'event' && e.report.event.type === 'enqueued') answered++;
  }
  return { asked, answered };
}

export const accepted = (cluster: RealCluster) => eventsOf(cluster, 'enqueued').length;
export const refused = (cluster: RealCluster) =>
  reports(cluster).filter((e) => e.report.report === 'enqueueFailed').length;
const completedCount = (cluster: RealCluster) => eventsOf(cluster, 'completed').length;

/** What the servers said lately, heartbeats aside: the evidence a timeout needs. */
export function recentHistory(cluster: RealCluster, from = 0, last = 60): string {
  return cluster.history
    .slice(from)
    .filter(
      (e) => !(e.kind === 'report' && e.report.report === 'event' && e.report.event.type === 'heartbeat'),
    )
    .slice(-last)
    .map((e) => JSON.stringify(e).slice(0, 300))
    .join('\n');
}

/** Waits until every enqueue asked for was answered and every accepted job completed. */
export async function allDone(cluster: RealCluster, what: string, timeoutMs = 15_000): Promise<void> {
  const from = cluster.history.length;
  await waitFor(
    what,
    () => {
      const { asked, answered } = enqueueCounts(cluster);
      return answered >= asked && completedCount(cluster) >= accepted(cluster);
    },
    timeoutMs,
  ).catch((error: unknown) => {
    const { asked, answered } = enqueueCounts(cluster);
    throw new Error(
      `${(error as Error).message}; asked ${asked}, answered ${answered}, accepted ${accepted(cluster)}, refused ${refused(cluster)}, completed ${completedCount(cluster)}\n${recentHistory(cluster, from)}`,
    );
  });
}

/**
 * Enqueues `count` jobs every `everyMs` through the servers it is told are up, in turn, so that jobs are
 * enqueued, claimed and completed while faults hit the others. `down` takes a server out and waits until
 * it answered every enqueue asked of it: a SIGKILL then loses no enqueue half done.
 */
export function feeder(cluster: RealCluster, options: { everyMs: number; count: number; up: string[] }) {
  const up = new Set(options.up);
  let turn = 0;
  const timer = setInterval(() => {
    const servers = [...up];
    if (servers.length === 0) return;
    cluster.enqueue(servers[turn++ % servers.length]!, options.count);
  }, options.everyMs);
  return {
    async down(serverId: string): Promise<void> {
      up.delete(serverId);
      await waitFor(`${serverId} to answer its enqueues`, () => {
        const { asked, answered } = enqueueCounts(cluster, serverId);
        return answered >= asked;
      });
    },
    up(serverId: string): void {
      up.add(serverId);
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

/**
 * Three server processes at a tenth of the default timings (`faultRun.ts`) started, fed `feed.count` jobs
 * every `feed.everyMs` through every server, and a first leader elected. The cluster and the feeder end
 * with the test's `cleanup` steps; `created` hears the cluster before it starts (to keep its history if the
 * test fails). Returns what the checkers need to know of the run (`judge`'s facts) with it.
 */
export async function startedCluster(options: {
  database: ServerDatabaseConfig;
  jobs: SleepJob[];
  clockOffsetsMs?: Readonly<Record<string, number>>;
  feed: { everyMs: number; count: number };
  cleanup: (() => Promise<void>)[];
  created?: (cluster: RealCluster) => void;
}) {
  const facts: JudgeFacts = {
    timings: TENTH_TIMINGS,
    jobs: options.jobs,
    stopGraceMs: STOP_GRACE_MS,
    concurrency: CONCURRENCY,
  };
  const cluster = new RealCluster({
    servers: 3,
    database: options.database,
    ...facts,
    clockOffsetsMs: options.clockOffsetsMs,
  });
  options.cleanup.push(() => cluster.close());
  options.created?.(cluster);
  await cluster.start();
  const feed = feeder(cluster, { ...options.feed, up: [...cluster.serverIds] });
  options.cleanup.push(async () => feed.stop());
  const first = await awaitLeader(cluster, 'a first leader', 10_000);
  return { cluster, feed, first, facts };
}

const jobIds = (entries: ReportedEvent[]) => entries.map((e) => field(e, 'jobId'));

/**
 * Every accepted job completed exactly once (by id) and ran, none failed; a job may have run twice (its
 * claim lapsed while its server was paused), and then its second run is the one that completed.
 */
export function expectEachJobCompletedOnce(cluster: RealCluster) {
  const enqueued = jobIds(eventsOf(cluster, 'enqueued'));
  const completed = jobIds(eventsOf(cluster, 'completed'));
  expect(new Set(enqueued).size).toBe(enqueued.length);
  expect(completed.length).toBe(enqueued.length);
  expect(new Set(completed)).toEqual(new Set(enqueued));
  const ran = new Set(reports(cluster).flatMap((e) => (e.report.report === 'ran' ? [e.report.jobId] : [])));
  expect(ran).toEqual(new Set(enqueued));
  expect(reports(cluster).filter((e) => e.report.report === 'failed')).toEqual([]);
}

/** Terms grow with every election and none is elected twice. */
export function expectTermsGrow(cluster: RealCluster) {
  const terms = eventsOf(cluster, 'elected').map((e) => field<number>(e, 'term'));
  expect(terms).toEqual([...terms].sort((a, b) => a - b));
  expect(new Set(terms).size).toBe(terms.length);
}

export interface JudgeFacts {
  timings: ServerTimings;
  jobs: SleepJob[];
  stopGraceMs: number;
  concurrency: number;
}

/** The invariant checkers of the property suites, on the real run's history and the tables at its end. */
export async function judge(
  cluster: RealCluster,
  database: Database,
  facts: JudgeFacts,
  extra: { durationMs?: number; healedAtMs?: number } = {},
) {
  const result = historyToRun(cluster, { ...facts, ...extra, final: await finalTables(database) });
  return { result, reports: checkAll(result) };
}

/** Every invariant holds; the reports by id, for what each measured. */
export function expectInvariantsHold(verdicts: ReturnType<typeof checkAll>) {
  expect(verdicts.filter((r) => !r.ok).map((r) => `${r.id}: ${r.violation?.message ?? '?'}`)).toEqual([]);
  return new Map(verdicts.map((r) => [r.id, r]));
}
