/**
 * What a real cluster's parent and its server processes say to each other: one JSON object per line,
 * commands on the child's stdin, reports on its stdout. The child's configuration is one JSON value in
 * the `COORDINATOR_SERVER` environment variable.
 */
import type { CoordinatorEvent } from '../../core/index.js';
import { SQLITE_FILE_BUSY_TIMEOUT_MS } from '../sqliteFile/busyTimeout.js';

export type ServerDatabaseConfig =
  { kind: 'postgres'; url: string; schema: string } | { kind: 'sqlite'; path: string };

export interface ServerTimings {
  heartbeatIntervalMs: number;
  leadershipTimeoutMs: number;
  claimLeaseMs: number;
  pollIntervalMs: number;
}

/** A job the server defines: its body only sleeps for `durationMs` (a scenario's job, with time scaled). */
export interface SleepJob {
  name: string;
  durationMs: number;
  maxAttempts: number;
}

export interface ServerProcessConfig {
  serverId: string;
  database: ServerDatabaseConfig;
  timings: ServerTimings;
  /** How long the demo job takes. */
  jobDurationMs: number;
  /** The jobs it defines instead of the one `demo` job (a scenario's jobs). */
  jobs?: SleepJob[] | undefined;
  /** How long a graceful stop lets running jobs finish. Default 2 s. */
  stopGraceMs?: number | undefined;
  concurrency: number;
  /** This process's clock, set off from the host's (a clock fault). */
  clockOffsetMs: number;
}

export const CONFIG_ENV = 'COORDINATOR_SERVER';

/**
 * How long the parent waits for a `hold` to be done before it gives up (and sends `release`): the SQLite
 * adapter's busy timeout, the longest a transaction waits for the file. A server whose own transaction is
 * waiting for a write lock another process keeps cannot take its turn sooner (nor, blocked in SQLite's
 * wait, even read the command).
 */
export const HOLD_TURN_WITHIN_MS = SQLITE_FILE_BUSY_TIMEOUT_MS;

/** The server id in the history of a fault that hits the database itself, not one server. */
export const DATABASE = '*database';

export type ServerCommand =
  /** `job` defaults to `demo`. */
  | { command: 'enqueue'; count: number; firstN: number; job?: string | undefined }
  | { command: 'setClock'; offsetMs: number }
  | { command: 'stop' }
  /** A SQLite file's cut connection: the server's connection is closed under it (PostgreSQL's is cut from outside). */
  | { command: 'cutOff' }
  /**
   * Take this process's turn on its SQLite file and keep it, so that a SIGSTOP after `done` lands between
   * transactions (`release` gives it back): a file has no server to end a stopped writer's transaction.
   * A `release` before the turn came gives it back as soon as it comes (the parent gave up waiting).
   */
  | { command: 'hold' }
  | { command: 'release' };

export type ServerReport =
  | { report: 'ready'; wallMs: number }
  /** A coordinator event, with the host's time when it happened. */
  | { report: 'event'; wallMs: number; event: CoordinatorEvent }
  /** The demo job's body ran (once per attempt, whatever its completion's fate). */
  | { report: 'ran'; wallMs: number; n: number; jobId: string }
  /** An enqueue the database refused (its connection was cut, say): the job does not exist. */
  | { report: 'enqueueFailed'; wallMs: number; n: number; error: string }
  /** Something failed: a command (named, but for an enqueue, whose failures are `enqueueFailed`), or the process. */
  | { report: 'failed'; wallMs: number; error: string; command?: ServerCommand['command'] | undefined }
  /** A `cutOff`, `hold` or `release` command carried out. */
  | { report: 'done'; wallMs: number; command: 'cutOff' | 'hold' | 'release' };
