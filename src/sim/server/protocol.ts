import type { CoordinatorEvent } from '../../core/events.js';
import type { JsonObject } from '../../core/json.js';
import type { Row, SqlParams } from '../../core/ports.js';
import type { CoordinatorSettings, HazardList, JobModel } from '../../scenario/types.js';

/**
 * The messages between the conductor and one simulated server.
 *
 * A server is a state machine: it runs only when a message arrives (a timer fired, a statement's answer,
 * a lock granted, a notification, a command), and answers with requests (set a timer, run a statement,
 * take the lock, report an event). The conductor owns time and the database and decides when each
 * request is answered, so the same scenario and seed give the same run whether the server lives in this
 * thread or in a Web Worker: only the transport differs. Every message is plain, structured-cloneable data.
 */

/** What a server needs to start: everything, since a Web Worker shares nothing with the page. */
export interface ServerConfig {
  id: string;
  /** 1 for the first process of this id, then 2 after a restart, and so on. */
  generation: number;
  /** Seeds this process's ids and randomness (job failures, backoff jitter). */
  seed: number;
  mode: 'distributed' | 'single';
  withoutJobs: boolean;
  /** The server's clock at start: virtual time plus offset, running at `rate`. */
  offsetMs: number;
  rate: number;
  coordinator: CoordinatorSettings;
  hazards: HazardList;
  jobs: JobModel[];
}

/** An error crossing the boundary: its name and message survive, its identity cannot. */
export interface WireError {
  name: string;
  message: string;
}

export type Command =
  | { type: 'start' }
  | { type: 'stop'; graceMs?: number | undefined }
  | { type: 'enqueue'; job: string; params: JsonObject; count: number }
  | { type: 'setClock'; offsetMs?: number | undefined; rate?: number | undefined }
  | { type: 'setJob'; job: string; durationMs?: number | undefined; failureRate?: number | undefined }
  | { type: 'addSchedule'; job: string; cron: string; params?: JsonObject | undefined }
  | { type: 'setHazards'; hazards: HazardList };

/** Conductor to server. `vt` is the virtual time at which the message is delivered. */
export type ToServer = { vt: number } & (
  | { kind: 'timer'; id: number }
  | { kind: 'sqlResult'; id: number; rows: Row[]; changes: number }
  | { kind: 'sqlError'; id: number; error: WireError }
  | { kind: 'lockGranted'; id: number }
  /** The database side of a `lock` settled: committed, rolled back, or failed (busy, connection lost). */
  | { kind: 'lockDone'; id: number; error?: WireError }
  | { kind: 'notified'; channel: string }
  | { kind: 'command'; id: number; command: Command }
);

/** Server to conductor. */
export type FromServer =
  | { kind: 'setTimer'; id: number; atVt: number }
  | { kind: 'cancelTimer'; id: number }
  | { kind: 'sql'; id: number; op: 'query' | 'run'; sql: string; params: SqlParams; lock: number | null }
  | { kind: 'notify'; id: number; channel: string; lock: number | null }
  | { kind: 'lock'; id: number }
  /** The server's transaction function settled: commit it, or roll it back. */
  | { kind: 'unlock'; id: number; outcome: 'commit' | 'rollback' }
  | { kind: 'listen'; channel: string }
  | { kind: 'unlisten'; channel: string }
  | { kind: 'event'; event: CoordinatorEvent; term: number | null }
  | { kind: 'commandDone'; id: number; error?: WireError };

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}
