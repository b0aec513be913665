/**
 * What a real cluster's parent and its server processes say to each other: one JSON object per line,
 * commands on the child's stdin, reports on its stdout. The child's configuration is one JSON value in
 * the `COORDINATOR_SERVER` environment variable.
 */
import type { CoordinatorEvent } from '../../core/index.js';

export type ServerDatabaseConfig =
  { kind: 'postgres'; url: string; schema: string } | { kind: 'sqlite'; path: string };

export interface ServerTimings {
  heartbeatIntervalMs: number;
  leadershipTimeoutMs: number;
  claimLeaseMs: number;
  pollIntervalMs: number;
}

export interface ServerProcessConfig {
  serverId: string;
  database: ServerDatabaseConfig;
  timings: ServerTimings;
  /** How long the demo job takes. */
  jobDurationMs: number;
  concurrency: number;
  /** This process's clock, set off from the host's (a clock fault). */
  clockOffsetMs: number;
}

export const CONFIG_ENV = 'COORDINATOR_SERVER';

export type ServerCommand =
  | { command: 'enqueue'; count: number; firstN: number }
  | { command: 'setClock'; offsetMs: number }
  | { command: 'stop' };

export type ServerReport =
  | { report: 'ready'; wallMs: number }
  /** A coordinator event, with the host's time when it happened. */
  | { report: 'event'; wallMs: number; event: CoordinatorEvent }
  /** The demo job's body ran (once per attempt, whatever its completion's fate). */
  | { report: 'ran'; wallMs: number; n: number; jobId: string }
  /** An enqueue the database refused (its connection was cut, say): the job does not exist. */
  | { report: 'enqueueFailed'; wallMs: number; n: number; error: string }
  | { report: 'failed'; wallMs: number; error: string };
