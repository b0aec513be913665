import type { HazardCode, HazardName } from '../core/hazards';
import type { JsonObject } from '../core/json';
import type { MisfirePolicy } from '../core/misfire';

/**
 * A scenario: a cluster, its jobs, and what happens to it at which virtual time. Plain JSON, versioned, so
 * that a failing property run can be printed as a file and replayed, in the CLI or in the browser.
 * Times (`atMs`, `durationMs`) are milliseconds of virtual time since the start of the run.
 */
export const SCENARIO_VERSION = 1;

export interface Scenario {
  version: typeof SCENARIO_VERSION;
  name?: string;
  description?: string;
  /** Orders everything random in the run: database latencies, job failures, ids. */
  seed: number;
  /** How long the run lasts. */
  durationMs: number;
  /** `single` runs each server as a single-server coordinator (hazard H14 when there are several). */
  mode?: 'distributed' | 'single';
  coordinator?: CoordinatorSettings;
  /** Hazards on for every server from the start. */
  hazards?: HazardList;
  database?: DatabaseSettings;
  jobs: JobModel[];
  /** Servers running from time 0. */
  servers: ServerSpec[];
  /** In time order; equal times keep their order in the file. */
  actions: Action[];
}

export type HazardList = (HazardName | HazardCode)[];

export interface CoordinatorSettings {
  heartbeatIntervalMs?: number;
  leadershipTimeoutMs?: number;
  claimLeaseMs?: number;
  pollIntervalMs?: number;
  concurrency?: number;
  stopGraceMs?: number;
  maxAttempts?: number;
  misfire?: MisfirePolicy;
  timezone?: string;
}

export interface DatabaseSettings {
  /** The database clock minus virtual time. */
  skewMs?: number;
  busyTimeoutMs?: number;
  /** Each statement's answer arrives this long after it was asked, drawn from the seed. Default 0-2 ms. */
  latencyMs?: { min: number; max: number };
}

/** A job as the simulation runs it: it takes `durationMs` and fails with probability `failureRate`. */
export interface JobModel {
  name: string;
  durationMs?: number;
  failureRate?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  schedules?: { cron: string; params?: JsonObject; misfire?: MisfirePolicy }[];
}

export interface ServerSpec {
  id: string;
  withoutJobs?: boolean;
  /** This server's clock minus virtual time, at its start. */
  offsetMs?: number;
  /** How fast its clock runs: 1 exact, 1.001 one ms fast per second. */
  rate?: number;
}

export type Action = { atMs: number } & ActionBody;

export type ActionBody =
  | { type: 'addServer'; server: ServerSpec }
  /** Dies at once: no cleanup, its open transaction rolled back, its lock freed. */
  | { type: 'crash'; server: string }
  /** Graceful stop: releases leadership, lets running jobs finish within `graceMs`. */
  | { type: 'stop'; server: string; graceMs?: number }
  /** Starts a crashed or stopped server again: a new process with the same id and nothing in memory. */
  | { type: 'restart'; server: string }
  /** A stall: no code of it runs; its timers and answers wait and arrive late on resume. */
  | { type: 'pause'; server: string }
  | { type: 'resume'; server: string }
  /** Cut off from the database: its statements fail, its open transaction is rolled back. */
  | { type: 'cutOff'; server: string }
  | { type: 'heal'; server: string }
  | { type: 'setClock'; server: string; offsetMs?: number; rate?: number }
  | { type: 'setDatabaseSkew'; skewMs: number }
  | { type: 'enqueue'; server: string; job: string; count?: number; params?: JsonObject }
  | { type: 'setJob'; job: string; durationMs?: number; failureRate?: number }
  | { type: 'addSchedule'; job: string; cron: string; params?: JsonObject }
  /** Exactly these hazards on, on the named servers (default: all). */
  | { type: 'setHazards'; hazards: HazardList; servers?: string[] };

export type ActionType = ActionBody['type'];

export const DEFAULT_LATENCY_MS = { min: 0, max: 2 } as const;
