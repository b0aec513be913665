/**
 * A real cluster: three server processes on the system clock and one database, under real faults
 * (SIGKILL, SIGSTOP past the lease, a connection cut by PostgreSQL, a restart, SIGTERM). Every job is
 * completed exactly once, a lost leader is replaced within the timeout plus one interval after its last
 * heartbeat, a paused leader steps down when it wakes, and a graceful stop hands over within a second.
 * Then the invariant checkers of the property suites judge the whole history (`support/historyToRun.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { RealCluster, type HistoryEntry } from '../../src/adapters/cluster/realCluster';
import type { ServerDatabaseConfig } from '../../src/adapters/cluster/protocol';
import { DATABASE_URL, freshSchemaName, requirePostgres } from './support/postgres';
import { waitFor } from './support/realCluster';
import { historyToRun } from '../../src/realrun/historyToRun';
import { checkAll } from '../../src/verify/checkers';
import { PostgresDatabase } from '../../src/adapters/postgres/index.js';
import { SqliteFileDatabase } from '../../src/adapters/sqliteFile/index.js';
import type { Database } from '../../src/core';
import pg from 'pg';

const TIMINGS = {
  heartbeatIntervalMs: 200,
  leadershipTimeoutMs: 600,
  claimLeaseMs: 1_500,
  pollIntervalMs: 200,
};
const JOB_DURATION_MS = 20;
/** What a busy 2-core machine adds to a takeover: process scheduling, a statement or two. */
const SLACK_MS = 600;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

type Reported = Extract<HistoryEntry, { kind: 'report' }>;
const reports = (cluster: RealCluster) => cluster.history.filter((e): e is Reported => e.kind === 'report');
const eventsOf = (cluster: RealCluster, type: string) =>
  reports(cluster).filter((e) => e.report.report === 'event' && e.report.event.type === type);

/** The server elected last, and when. */
function lastElected(cluster: RealCluster) {
  const elected = eventsOf(cluster, 'elected').at(-1);
  return elected && { serverId: elected.serverId, wallMs: elected.report.wallMs };
}

/**
 * Waits for an election, after the `electionsBefore`-th, of a server other than `previous`. Count the
 * elections before the fault: a handover can be over before the fault's call returns.
 */
async function newLeader(cluster: RealCluster, electionsBefore: number, previous: string, what: string) {
  const elected = () => eventsOf(cluster, 'elected').slice(electionsBefore);
  await waitFor(what, () => elected().some((e) => e.serverId !== previous), 5_000);
  const e = elected().find((e) => e.serverId !== previous)!;
  return { serverId: e.serverId, wallMs: e.report.wallMs };
}

const elections = (cluster: RealCluster) => eventsOf(cluster, 'elected').length;

/** When `serverId` last wrote its lease as leader: its last heartbeat, or its election. */
function lastLeaseWrite(cluster: RealCluster, serverId: string): number {
  const writes = reports(cluster).filter(
    (e) =>
      e.serverId === serverId &&
      e.report.report === 'event' &&
      ['elected', 'heartbeat'].includes(e.report.event.type),
  );
  return writes.at(-1)!.report.wallMs;
}

function completedCount(cluster: RealCluster): number {
  return eventsOf(cluster, 'completed').length;
}

/** Enqueues the database accepted, and those it refused (on a connection just cut). */
const accepted = (cluster: RealCluster) => eventsOf(cluster, 'enqueued').length;
const refused = (cluster: RealCluster) =>
  reports(cluster).filter((e) => e.report.report === 'enqueueFailed').length;

/** Waits until every enqueue asked for was answered and every accepted job completed. */
async function allDone(cluster: RealCluster, asked: number, what: string) {
  const from = cluster.history.length;
  await waitFor(
    what,
    () => accepted(cluster) + refused(cluster) >= asked && completedCount(cluster) >= accepted(cluster),
    10_000,
  ).catch((error: unknown) => {
    // What the servers said meanwhile, heartbeats aside: the evidence a timeout needs.
    const said = cluster.history
      .slice(from)
      .filter(
        (e) => !(e.kind === 'report' && e.report.report === 'event' && e.report.event.type === 'heartbeat'),
      )
      .slice(-60)
      .map((e) => JSON.stringify(e).slice(0, 300));
    throw new Error(
      `${(error as Error).message}; asked ${asked}, accepted ${accepted(cluster)}, refused ${refused(cluster)}, completed ${completedCount(cluster)}\n${said.join('\n')}`,
    );
  });
}

const jobIds = (entries: Reported[]) =>
  entries.map((e) => (e.report as { event: { jobId: string } }).event.jobId);

/** Every accepted job completed exactly once (by id), and ran. */
function expectEachJobCompletedOnce(cluster: RealCluster) {
  const enqueued = jobIds(eventsOf(cluster, 'enqueued'));
  const completed = jobIds(eventsOf(cluster, 'completed'));
  expect(completed.length).toBe(enqueued.length);
  expect(new Set(completed)).toEqual(new Set(enqueued));
  const ran = new Set(reports(cluster).flatMap((e) => (e.report.report === 'ran' ? [e.report.jobId] : [])));
  expect(ran).toEqual(new Set(enqueued));
  expect(reports(cluster).filter((e) => e.report.report === 'failed')).toEqual([]);
}

/** The invariant checkers of the property suites, on the real run's history and the tables at its end. */
async function judge(cluster: RealCluster, database: Database) {
  const rows = async (table: string) => database.query(`SELECT * FROM ${table}`);
  const result = historyToRun(cluster, {
    timings: TIMINGS,
    stopGraceMs: 2_000,
    jobDurationMs: JOB_DURATION_MS,
    final: {
      distributedJobs: await rows('distributedJobs'),
      jobCronTicks: await rows('jobCronTicks'),
      jobSchedules: await rows('jobSchedules'),
      leadJobCoordinators: await rows('leadJobCoordinators'),
    },
  });
  return checkAll(result);
}

/**
 * Every invariant holds, and the leadership ones were really judged: the failovers measured (one per
 * crash or pause of a leader), one graceful handover, and liveness after the faults.
 */
function expectInvariantsHold(reports: ReturnType<typeof checkAll>, failovers: number) {
  expect(reports.filter((r) => !r.ok).map((r) => `${r.id}: ${r.violation?.message ?? '?'}`)).toEqual([]);
  const byId = new Map(reports.map((r) => [r.id, r]));
  expect(byId.get('I5')!.measurements!.failoverMs).toHaveLength(failovers);
  expect(byId.get('I6')!.measurements!.handoverMs).toHaveLength(1);
  expect(byId.get('I8')!.skipped).toBeUndefined();
}

/** Long enough after the last fault for I8 to judge that leadership came back and stayed. */
const settle = () =>
  new Promise((done) => setTimeout(done, TIMINGS.leadershipTimeoutMs + TIMINGS.heartbeatIntervalMs + 300));

async function startCluster(database: ServerDatabaseConfig): Promise<RealCluster> {
  const cluster = new RealCluster({ servers: 3, database, timings: TIMINGS, jobDurationMs: JOB_DURATION_MS });
  const previous = cleanup;
  cleanup = async () => {
    await cluster.close();
    await previous?.();
  };
  await cluster.start();
  await waitFor('a first leader', () => lastElected(cluster) !== undefined);
  return cluster;
}

describe('a real cluster of three processes', () => {
  test('on PostgreSQL, under SIGKILL, SIGSTOP, a cut connection, a restart and SIGTERM', async () => {
    await requirePostgres();
    const schema = freshSchemaName('cluster');
    cleanup = async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    };
    const cluster = await startCluster({ kind: 'postgres', url: DATABASE_URL, schema });
    let enqueued = 0;
    const enqueue = (serverId: string, count: number) => {
      cluster.enqueue(serverId, count);
      enqueued += count;
    };
    const done = (what: string) => allDone(cluster, enqueued, what);

    enqueue('s1', 30);
    await done('the first 30 jobs');

    // SIGKILL the leader: another takes over within the timeout plus one interval of its last heartbeat.
    const first = lastElected(cluster)!;
    let before = elections(cluster);
    await cluster.crash(first.serverId);
    const second = await newLeader(cluster, before, first.serverId, 'a leader after the crash');
    expect(second.wallMs - lastLeaseWrite(cluster, first.serverId)).toBeLessThan(
      TIMINGS.leadershipTimeoutMs + TIMINGS.heartbeatIntervalMs + SLACK_MS,
    );

    // SIGSTOP the new leader past its lease: a third server takes over; woken, the paused one steps down.
    before = elections(cluster);
    cluster.pause(second.serverId);
    const third = await newLeader(cluster, before, second.serverId, 'a leader while the leader is paused');
    expect(third.serverId).not.toBe(first.serverId);
    cluster.resume(second.serverId);
    await waitFor('the paused leader to step down', () =>
      eventsOf(cluster, 'steppedDown').some((e) => e.serverId === second.serverId),
    );

    // PostgreSQL cuts every connection of a server: it reconnects and goes on enqueueing and claiming.
    expect(await cluster.cutOff(second.serverId)).toBeGreaterThan(0);
    enqueue(second.serverId, 20);
    await done('the 20 jobs enqueued after the cut');
    // At most the statements already on their way fail; the server's next ones reconnect.
    expect(refused(cluster)).toBeLessThan(5);

    // The crashed server comes back; then the leader stops gracefully and hands over within a second.
    await cluster.restart(first.serverId);
    const current = lastElected(cluster)!;
    before = elections(cluster);
    const stoppedAt = Date.now();
    await cluster.stop(current.serverId);
    const next = await newLeader(cluster, before, current.serverId, 'a leader after the graceful stop');
    expect(next.wallMs - stoppedAt).toBeLessThan(1_000);
    enqueue(next.serverId, 10);
    await done('the last 10 jobs');

    expectEachJobCompletedOnce(cluster);
    const terms = eventsOf(cluster, 'elected').map(
      (e) => (e.report as { event: { term: number } }).event.term,
    );
    expect(terms).toEqual([...terms].sort((a, b) => a - b));
    expect(new Set(terms).size).toBe(terms.length);

    await settle();
    const reader = await PostgresDatabase.open({ connectionString: DATABASE_URL, schema, name: 'checker' });
    try {
      expectInvariantsHold(await judge(cluster, reader), 2);
    } finally {
      await reader.close();
    }
  }, 60_000);

  test('on a SQLite file, under a clock an hour ahead, SIGKILL and SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adapters-cluster-'));
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
    const cluster = await startCluster({ kind: 'sqlite', path: join(dir, 'cluster.sqlite') });
    // One server's clock an hour ahead: leases and claims are on the database's clock, so nothing changes.
    cluster.setClock('s3', 3_600_000);
    let enqueued = 0;
    const enqueue = (serverId: string, count: number) => {
      cluster.enqueue(serverId, count);
      enqueued += count;
    };
    const done = (what: string) => allDone(cluster, enqueued, what);

    enqueue('s2', 30);
    await done('the first 30 jobs');
    const first = lastElected(cluster)!;
    let before = elections(cluster);
    await cluster.crash(first.serverId);
    const second = await newLeader(cluster, before, first.serverId, 'a leader after the crash');
    expect(second.wallMs - lastLeaseWrite(cluster, first.serverId)).toBeLessThan(
      TIMINGS.leadershipTimeoutMs + TIMINGS.heartbeatIntervalMs + SLACK_MS,
    );
    // No SIGSTOP on a SQLite file: a process stopped inside its transaction keeps the file's write lock
    // (no server can time it out, as PostgreSQL's idle_in_transaction_session_timeout does), and the
    // others wait until it resumes.
    const current = lastElected(cluster)!;
    before = elections(cluster);
    const stoppedAt = Date.now();
    await cluster.stop(current.serverId);
    const next = await newLeader(cluster, before, current.serverId, 'a leader after the graceful stop');
    expect(next.wallMs - stoppedAt).toBeLessThan(1_000);
    enqueue(next.serverId, 10);
    await done('the last 10 jobs');
    expectEachJobCompletedOnce(cluster);
    // The skewed server's events carry its own clock.
    const skewed = reports(cluster)
      .filter((e) => e.serverId === 's3' && e.report.report === 'event')
      .at(-1);
    expect(skewed?.report.report).toBe('event');
    const { event, wallMs } = skewed!.report as Extract<Reported['report'], { report: 'event' }>;
    expect(event.at - wallMs).toBeGreaterThan(3_500_000);

    await settle();
    const reader = await SqliteFileDatabase.open({ path: join(dir, 'cluster.sqlite'), name: 'checker' });
    try {
      expectInvariantsHold(await judge(cluster, reader), 1);
    } finally {
      reader.close();
    }
  }, 60_000);
});
