/**
 * One real server of a real cluster: a process that runs the coordinator on the system clock, crypto
 * entropy and a real database (`protocol.ts` for its configuration, commands and reports). SIGTERM stops
 * it gracefully (the lease released, running jobs finished); SIGKILL, SIGSTOP and a terminated database
 * connection are the faults a parent injects from outside (`realCluster.ts`).
 */
import { createInterface } from 'node:readline';
import { defineJob, DistributedJobCoordinator, type Database } from '../../core/index.js';
import { CryptoEntropy } from '../cryptoEntropy.js';
import { PostgresDatabase } from '../postgres/postgresDatabase.js';
import { SqliteFileDatabase } from '../sqliteFile/sqliteFileDatabase.js';
import { SystemClock } from '../systemClock.js';
import { CONFIG_ENV, type ServerCommand, type ServerProcessConfig, type ServerReport } from './protocol.js';

function report(line: ServerReport): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

interface OpenDatabase {
  database: Database;
  close(): Promise<void>;
  /** A SQLite file's own faults (PostgreSQL's connections are cut from outside). */
  file?: SqliteFileDatabase;
}

async function openDatabase(config: ServerProcessConfig): Promise<OpenDatabase> {
  const { database } = config;
  if (database.kind === 'postgres') {
    const db = await PostgresDatabase.open({
      connectionString: database.url,
      schema: database.schema,
      name: config.serverId,
      // A server paused inside a transaction must not hold the others off for longer than a takeover takes.
      transactionTimeoutMs: Math.max(100, Math.round(config.timings.leadershipTimeoutMs / 2)),
      onBackgroundError: () => undefined,
    });
    return { database: db, close: () => db.close() };
  }
  const db = await SqliteFileDatabase.open({ path: database.path, name: config.serverId });
  return { database: db, close: async () => db.close(), file: db };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env[CONFIG_ENV] ?? 'null') as ServerProcessConfig;
  const clock = new SystemClock({ offsetMs: config.clockOffsetMs });
  const { database, close, file } = await openDatabase(config);
  const sleepJobs = config.jobs ?? [{ name: 'demo', durationMs: config.jobDurationMs, maxAttempts: 3 }];
  const jobs = sleepJobs.map((job) =>
    defineJob({
      name: job.name,
      maxAttempts: job.maxAttempts,
      run: async ({ n }, context) => {
        report({ report: 'ran', wallMs: Date.now(), n: Number(n), jobId: context.jobId });
        await new Promise((done) => setTimeout(done, job.durationMs));
      },
    }),
  );
  const coordinator = new DistributedJobCoordinator({
    serverId: config.serverId,
    clock,
    entropy: new CryptoEntropy(),
    database,
    jobs,
    concurrency: config.concurrency,
    stopGraceMs: config.stopGraceMs ?? 2_000,
    onEvent: (event) => report({ report: 'event', wallMs: Date.now(), event }),
    ...config.timings,
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await coordinator.stop();
      await close();
      process.exit(0);
    })());
  process.on('SIGTERM', () => void stop());

  await coordinator.start();
  report({ report: 'ready', wallMs: Date.now() });

  // Enqueues run one after another; the other commands at once (a `release` must not wait behind an
  // enqueue that waits for the turn the `hold` keeps).
  let enqueues: Promise<void> = Promise.resolve();
  let held: (() => void) | undefined;
  /** The `hold` waiting for its turn; a `release` meanwhile cancels it. */
  let holding: { cancelled: boolean } | undefined;
  const fileOf = (what: string): SqliteFileDatabase => {
    if (!file)
      throw new Error(`${what} is a SQLite file's fault: PostgreSQL's connections are cut from outside`);
    return file;
  };
  const carryOut = async (command: ServerCommand): Promise<void> => {
    switch (command.command) {
      case 'enqueue':
        for (let n = command.firstN; n < command.firstN + command.count; n++) {
          // A statement on a connection just cut fails; the caller hears it and the next one reconnects.
          await coordinator
            .enqueue(command.job ?? 'demo', { n })
            .catch((error: unknown) =>
              report({ report: 'enqueueFailed', wallMs: Date.now(), n, error: String(error) }),
            );
        }
        break;
      case 'setClock':
        clock.setTime(Date.now() + command.offsetMs);
        break;
      case 'stop':
        await stop();
        break;
      case 'cutOff':
        fileOf('cutOff').cutConnection();
        report({ report: 'done', wallMs: Date.now(), command: 'cutOff' });
        break;
      case 'hold': {
        if (held === undefined) {
          const asked = { cancelled: false };
          holding = asked;
          let release: () => void;
          try {
            release = await fileOf('hold').holdTurn();
          } finally {
            // In the same turn of the event loop as the check below: a release comes before, or after.
            if (holding === asked) holding = undefined;
          }
          // A release came while it waited (the parent gave up): the turn goes back at once.
          if (asked.cancelled) {
            release();
            break;
          }
          held = release;
        }
        report({ report: 'done', wallMs: Date.now(), command: 'hold' });
        break;
      }
      case 'release':
        if (holding) holding.cancelled = true;
        holding = undefined;
        held?.();
        held = undefined;
        report({ report: 'done', wallMs: Date.now(), command: 'release' });
        break;
    }
  };
  const failed = (error: unknown, command?: ServerCommand['command']) =>
    report({
      report: 'failed',
      wallMs: Date.now(),
      error: error instanceof Error ? error.message : String(error),
      ...(command !== undefined && { command }),
    });

  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    let command: ServerCommand;
    try {
      command = JSON.parse(line) as ServerCommand;
    } catch (error) {
      failed(new Error(`not a command (one JSON object a line): ${line.slice(0, 100)}`, { cause: error }));
      continue;
    }
    if (command.command === 'enqueue') enqueues = enqueues.then(() => carryOut(command).catch(failed));
    else void carryOut(command).catch((error: unknown) => failed(error, command.command));
  }
}

main().catch((error: unknown) => {
  report({
    report: 'failed',
    wallMs: Date.now(),
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
});
