/**
 * Real soak (issue 14 §6): rounds of a real cluster of server processes, alternating PostgreSQL and a
 * SQLite file, each under random faults while jobs keep coming, then healed, drained and judged by the
 * property suites' checkers. Not part of `npm test`.
 *
 *   npm run test:real-soak -- [--budget 5m] [--round 60s] [--servers 3] [--fault-every 2.5s]
 *                             [--databases postgres,sqlite] [--seed N] [--shared-postgres URL]
 *
 * Faults: SIGKILL, SIGSTOP for up to twice the claim lease (between transactions on a file), a cut
 * connection, SIGTERM, restart, a clock jump; on PostgreSQL also the server itself restarted (a throwaway
 * server of the script's own, initdb and pg_ctl on a free port; `--shared-postgres URL` uses that server
 * instead, without restarts). Timings are a tenth of the defaults (heartbeat 500 ms, timeout 1.5 s).
 *
 * Prints each round's figures (jobs, runs twice, faults by kind, failovers, handovers, verdicts) and the
 * totals; writes a failing round's history (the playground opens it: "Open a real run…") to
 * test-artifacts/, and exits 1 if any invariant failed or an accepted job was lost.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import prand from 'pure-rand';
import pg from 'pg';
import { RealCluster, TurnNotTakenError, type FaultKind } from '../src/adapters/cluster/realCluster';
import type { ServerDatabaseConfig } from '../src/adapters/cluster/protocol';
import { PostgresDatabase } from '../src/adapters/postgres/index.js';
import { SqliteFileDatabase } from '../src/adapters/sqliteFile/index.js';
import type { Database } from '../src/core';
import { historyToRun } from '../src/realrun';
import { finalTables } from '../src/realrun/scenarioOnRealCluster';
import { buildHistoryFile, historyFileJson } from '../src/realrun/historyFile';
import { checkAll } from '../src/verify/checkers';
import {
  CONCURRENCY,
  FAULT_JOBS as JOBS,
  STOP_GRACE_MS,
  TENTH_TIMINGS as TIMINGS,
} from '../test/adapters/support/faultRun';
import { throwawayPostgres, type ThrowawayPostgres } from '../test/adapters/support/throwawayPostgres';
import { parseDuration } from './duration';

type Kind = 'postgres' | 'sqlite';
interface Options {
  budgetMs: number;
  roundMs: number;
  servers: number;
  faultEveryMs: number;
  databases: Kind[];
  seed: number;
  sharedPostgres: string | undefined;
}

const USAGE = `usage: npm run test:real-soak -- [--budget 5m] [--round 60s] [--servers 3] [--fault-every 2.5s]
       [--databases postgres,sqlite] [--seed N] [--shared-postgres URL]`;

function fail(message: string): never {
  process.stderr.write(`real-soak: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    budgetMs: 5 * 60_000,
    roundMs: 60_000,
    servers: 3,
    faultEveryMs: 2_500,
    databases: ['postgres', 'sqlite'],
    seed: Date.now() % 2 ** 31,
    sharedPostgres: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (value === undefined) fail(`${flag} needs a value`);
    const duration = () => parseDuration(value) ?? fail(`${flag} ${value}: not a duration (90s, 5m, 1500ms)`);
    const count = (min: number, max: number) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max)
        fail(`${flag} ${value}: a whole number from ${min} to ${max}`);
      return n;
    };
    i++;
    switch (flag) {
      case '--budget':
        options.budgetMs = duration();
        break;
      case '--round':
        options.roundMs = duration();
        if (options.roundMs < 10_000) fail(`--round ${value}: at least 10s`);
        break;
      case '--servers':
        options.servers = count(2, 8);
        break;
      case '--fault-every':
        options.faultEveryMs = duration();
        if (options.faultEveryMs < 500) fail(`--fault-every ${value}: at least 500ms`);
        break;
      case '--databases': {
        const kinds = value.split(',');
        for (const kind of kinds)
          if (kind !== 'postgres' && kind !== 'sqlite')
            fail(`--databases: ${kind} is not postgres or sqlite`);
        options.databases = kinds as Kind[];
        break;
      }
      case '--seed':
        options.seed = count(0, 2 ** 31 - 1);
        break;
      case '--shared-postgres':
        options.sharedPostgres = value;
        break;
      default:
        fail(`unknown flag ${flag}`);
    }
  }
  return options;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A seeded source for the choice of faults (their timing is the machine's). */
function randomSource(seed: number) {
  let rng = prand.xoroshiro128plus(seed);
  const int = (min: number, max: number) => {
    const [n, next] = prand.uniformIntDistribution(min, max, rng);
    rng = next;
    return n;
  };
  return { int, pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)]! };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

interface RoundFigures {
  round: number;
  database: Kind;
  wallMs: number;
  faults: Partial<Record<string, number>>;
  accepted: number;
  completed: number;
  ranTwice: number;
  lost: number;
  failoverMs: number[];
  handoverMs: number[];
  failed: string[];
  history?: string;
}

/** Enqueues asked of a server and those it answered (accepted, or refused). */
function answered(cluster: RealCluster, serverId?: string) {
  let asked = 0;
  let done = 0;
  for (const e of cluster.history) {
    if (serverId !== undefined && e.serverId !== serverId) continue;
    if (e.kind === 'command' && e.command.command === 'enqueue') asked += e.command.count;
    if (
      e.kind === 'report' &&
      (e.report.report === 'enqueueFailed' ||
        (e.report.report === 'event' && e.report.event.type === 'enqueued'))
    )
      done++;
  }
  return { asked, done };
}

const eventIds = (cluster: RealCluster, type: string) =>
  cluster.history.flatMap((e) =>
    e.kind === 'report' && e.report.report === 'event' && e.report.event.type === type
      ? [(e.report.event as { jobId: string }).jobId]
      : [],
  );

async function round(
  n: number,
  kind: Kind,
  options: Options,
  random: ReturnType<typeof randomSource>,
  postgres: { url: string; server?: ThrowawayPostgres } | undefined,
): Promise<RoundFigures> {
  const startedAt = Date.now();
  let database: ServerDatabaseConfig;
  let reader: () => Promise<{ db: Database; close(): Promise<void> }>;
  let dispose: () => Promise<void>;
  if (kind === 'postgres') {
    const schema = `soak_${process.pid}_${n}`;
    const url = postgres!.url;
    database = { kind: 'postgres', url, schema };
    reader = async () => {
      const db = await PostgresDatabase.open({ connectionString: url, schema, name: 'checker' });
      return { db, close: () => db.close() };
    };
    dispose = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'real-soak-'));
    const path = join(dir, 'cluster.sqlite');
    database = { kind: 'sqlite', path };
    reader = async () => {
      const db = await SqliteFileDatabase.open({ path, name: 'checker' });
      return { db, close: async () => db.close() };
    };
    dispose = async () => rmSync(dir, { recursive: true, force: true });
  }
  const cluster = new RealCluster({
    servers: options.servers,
    database,
    timings: TIMINGS,
    jobs: JOBS,
    stopGraceMs: STOP_GRACE_MS,
    concurrency: CONCURRENCY,
  });
  const faults: Partial<Record<string, number>> = {};
  const count = (fault: FaultKind | 'databaseRestart') => (faults[fault] = (faults[fault] ?? 0) + 1);
  const state = new Map(cluster.serverIds.map((id) => [id, 'up' as 'up' | 'paused' | 'down']));
  const up = () => cluster.serverIds.filter((id) => state.get(id) === 'up');
  let feeding = new Set(cluster.serverIds);
  let databaseDown = false;
  try {
    await cluster.start();
    let turn = 0;
    const feed = setInterval(() => {
      if (databaseDown) return;
      const targets = up().filter((id) => feeding.has(id));
      if (targets.length === 0) return;
      const target = targets[turn++ % targets.length]!;
      cluster.enqueue(target, 2);
      if (turn % 15 === 0) cluster.enqueue(target, 1, 'slow');
    }, 150);
    /** Out of the feed, every enqueue asked of it answered: a SIGKILL then loses none half done. */
    const drain = async (id: string) => {
      feeding.delete(id);
      await waitFor(
        `${id} to answer its enqueues`,
        () => {
          const { asked, done } = answered(cluster, id);
          return done >= asked;
        },
        10_000,
      );
    };
    const resumes: Promise<void>[] = [];
    const faultsUntil = startedAt + options.roundMs - 8_000;
    while (Date.now() < faultsUntil) {
      await sleep(random.int(options.faultEveryMs / 2, (options.faultEveryMs * 3) / 2));
      const live = up();
      const down = cluster.serverIds.filter((id) => state.get(id) === 'down');
      const choices: string[] = ['cutOff', 'setClock'];
      if (live.length >= 2) choices.push('crash', 'pause', 'stop');
      if (down.length > 0) choices.push('restart', 'restart');
      if (postgres?.server && kind === 'postgres' && !databaseDown) choices.push('databaseRestart');
      const fault = random.pick(choices);
      const target = fault === 'restart' ? random.pick(down) : random.pick(live);
      if (target === undefined) continue;
      count(fault as FaultKind);
      switch (fault) {
        case 'crash':
        case 'stop':
          state.set(target, 'down');
          await drain(target);
          if (fault === 'crash') await cluster.crash(target);
          else await cluster.stop(target);
          break;
        case 'pause': {
          await drain(target);
          try {
            await cluster.pause(target, { betweenTransactions: kind === 'sqlite' });
          } catch (error) {
            // On a file, a server that cannot take its turn in time is not stopped: the fault is skipped,
            // as a scenario run skips it, and the server runs on.
            if (!(error instanceof TurnNotTakenError)) throw error;
            console.log(`  ${target}: pause skipped: ${error.message}`);
            feeding.add(target);
            break;
          }
          state.set(target, 'paused');
          const forMs = random.int(500, 2 * TIMINGS.claimLeaseMs);
          resumes.push(
            sleep(forMs).then(() => {
              cluster.resume(target);
              state.set(target, 'up');
              feeding.add(target);
            }),
          );
          break;
        }
        case 'cutOff':
          await drain(target);
          await cluster.cutOff(target).catch((error: unknown) => {
            // The database may be down this instant: nothing to cut.
            if (!databaseDown) throw error;
          });
          feeding.add(target);
          break;
        case 'setClock':
          cluster.setClock(target, random.pick([-1, 1]) * random.int(1_000, 3_600_000));
          break;
        case 'restart':
          await cluster.restart(target);
          state.set(target, 'up');
          feeding.add(target);
          break;
        case 'databaseRestart': {
          databaseDown = true;
          for (const id of cluster.serverIds) await drain(id);
          cluster.databaseDown('pg_ctl stop');
          await postgres!.server!.stop(random.pick(['fast', 'immediate'] as const));
          await sleep(random.int(200, 2 * TIMINGS.leadershipTimeoutMs));
          await postgres!.server!.start();
          cluster.databaseUp('pg_ctl start');
          databaseDown = false;
          feeding = new Set(cluster.serverIds);
          break;
        }
      }
    }
    // Heal: every paused server resumed, every one that is down restarted; then drain and judge.
    await Promise.all(resumes);
    for (const id of cluster.serverIds) {
      if (state.get(id) !== 'down') continue;
      await cluster.restart(id);
      state.set(id, 'up');
    }
    feeding = new Set(cluster.serverIds);
    await sleep(2_000);
    clearInterval(feed);
    const completed = () => new Set(eventIds(cluster, 'completed'));
    await waitFor(
      'every accepted job to complete',
      () => {
        const { asked, done } = answered(cluster);
        return done >= asked && eventIds(cluster, 'enqueued').every((id) => completed().has(id));
      },
      30_000,
    ).catch(() => undefined);
    await sleep(TIMINGS.leadershipTimeoutMs + TIMINGS.heartbeatIntervalMs + 300);

    const { db, close } = await reader();
    let verdicts;
    let result;
    try {
      result = historyToRun(cluster, {
        timings: TIMINGS,
        jobs: JOBS,
        stopGraceMs: STOP_GRACE_MS,
        concurrency: CONCURRENCY,
        name: `real soak round ${n} (${kind})`,
        final: await finalTables(db),
      });
      verdicts = checkAll(result);
    } finally {
      await close();
    }
    const enqueued = eventIds(cluster, 'enqueued');
    const done = eventIds(cluster, 'completed');
    const doneSet = new Set(done);
    const runs = new Map<string, number>();
    for (const e of cluster.history)
      if (e.kind === 'report' && e.report.report === 'ran')
        runs.set(e.report.jobId, (runs.get(e.report.jobId) ?? 0) + 1);
    const failed = verdicts.filter((r) => !r.ok).map((r) => `${r.id}: ${r.violation?.message ?? '?'}`);
    const lost = enqueued.filter((id) => !doneSet.has(id)).length;
    if (lost > 0) failed.push(`${lost} accepted jobs never completed`);
    if (done.length !== doneSet.size)
      failed.push(`${done.length - doneSet.size} completions of a job already completed`);
    const byId = new Map(verdicts.map((r) => [r.id, r]));
    const figures: RoundFigures = {
      round: n,
      database: kind,
      wallMs: Date.now() - startedAt,
      faults,
      accepted: enqueued.length,
      completed: doneSet.size,
      ranTwice: [...runs.values()].filter((c) => c > 1).length,
      lost,
      failoverMs: (byId.get('I5')?.measurements?.failoverMs as number[] | undefined) ?? [],
      handoverMs: (byId.get('I6')?.measurements?.handoverMs as number[] | undefined) ?? [],
      failed,
    };
    if (failed.length > 0) {
      mkdirSync('test-artifacts', { recursive: true });
      const file = `test-artifacts/real-soak-${options.seed}-round-${n}.history.json`;
      const settings = {
        database: kind,
        servers: [...cluster.serverIds],
        scale: 0.1,
        scenario: `real soak, seed ${options.seed}, round ${n}`,
        wallMs: figures.wallMs,
      };
      writeFileSync(file, historyFileJson(buildHistoryFile(settings, result, verdicts)));
      figures.history = file;
    }
    return figures;
  } finally {
    await cluster.close();
    if (databaseDown) await postgres?.server?.start().catch(() => undefined);
    await dispose().catch(() => undefined);
  }
}

function summary(values: number[]): string {
  if (values.length === 0) return 'none';
  const sorted = [...values].sort((a, b) => a - b);
  return `${values.length}, median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const random = randomSource(options.seed);
  console.log(
    `real soak: seed ${options.seed}, budget ${options.budgetMs / 1000} s, rounds of ${options.roundMs / 1000} s, ` +
      `${options.servers} servers, a fault every ~${options.faultEveryMs} ms, on ${options.databases.join(' and ')}`,
  );
  let postgres: { url: string; server?: ThrowawayPostgres } | undefined;
  if (options.databases.includes('postgres')) {
    if (options.sharedPostgres) postgres = { url: options.sharedPostgres };
    else {
      const server = await throwawayPostgres();
      postgres = { url: server.url, server };
      console.log(`PostgreSQL of its own on port ${server.port} (restarted among the faults)`);
    }
  }
  const started = Date.now();
  const rounds: RoundFigures[] = [];
  try {
    while (Date.now() - started + options.roundMs <= options.budgetMs || rounds.length === 0) {
      const kind = options.databases[rounds.length % options.databases.length]!;
      const figures = await round(rounds.length + 1, kind, options, random, postgres);
      rounds.push(figures);
      const faultText = Object.entries(figures.faults)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.log(
        `round ${figures.round} (${kind}, ${(figures.wallMs / 1000).toFixed(0)} s): ${figures.accepted} jobs, ` +
          `${figures.completed} completed, ${figures.ranTwice} ran twice, ${figures.lost} lost; faults: ${faultText || 'none'}; ` +
          `failovers ${summary(figures.failoverMs)}; handovers ${summary(figures.handoverMs)}; ` +
          (figures.failed.length === 0
            ? 'every invariant held'
            : `FAILED:\n  ${figures.failed.join('\n  ')}\n  history: ${figures.history}`),
      );
    }
  } finally {
    await postgres?.server?.dispose();
  }
  const all = (pick: (r: RoundFigures) => number) => rounds.reduce((sum, r) => sum + pick(r), 0);
  const faults: Record<string, number> = {};
  for (const r of rounds)
    for (const [k, v] of Object.entries(r.faults)) faults[k] = (faults[k] ?? 0) + (v ?? 0);
  const failedRounds = rounds.filter((r) => r.failed.length > 0);
  console.log(
    `\n${rounds.length} rounds in ${((Date.now() - started) / 1000).toFixed(0)} s: ${all((r) => r.accepted)} jobs, ` +
      `${all((r) => r.completed)} completed, ${all((r) => r.ranTwice)} ran twice, ${all((r) => r.lost)} lost; ` +
      `${Object.values(faults).reduce((a, b) => a + b, 0)} faults (${Object.entries(faults)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}); ` +
      `failovers ${summary(rounds.flatMap((r) => r.failoverMs))}; handovers ${summary(rounds.flatMap((r) => r.handoverMs))}; ` +
      `invariants: ${failedRounds.length === 0 ? 'held in every round' : `FAILED in ${failedRounds.length} of ${rounds.length} rounds`}`,
  );
  process.exit(failedRounds.length === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `real-soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
