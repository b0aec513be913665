import type { MisfirePolicy } from '../../core/misfire.js';
import type { HazardList } from '../types.js';

/**
 * What a property suite can ask of the scenario generator, the defaults it gets otherwise, and the few fixed
 * names and times the generator and its plan-to-scenario step share.
 */

/** Faults the generator may use. Each can be switched off; all are on by default. */
export type FaultKind =
  | 'crash'
  | 'crashMidTransaction'
  | 'pause'
  | 'cutOff'
  | 'stop'
  | 'restart'
  | 'clock'
  | 'drift'
  | 'databaseSkew';

export const FAULT_KINDS: readonly FaultKind[] = [
  'crash',
  'crashMidTransaction',
  'pause',
  'cutOff',
  'stop',
  'restart',
  'clock',
  'drift',
  'databaseSkew',
];

/** An inclusive range of whole numbers. */
export interface Range {
  min: number;
  max: number;
}

export interface ScenarioArbitraryOptions {
  /** How many servers run (ids 'a', 'b' ... in order). Default 1..6; at most 6. */
  servers?: Range;
  /** The fault phase, in ms, drawn in whole seconds. Default 20-40 s. */
  durationMs?: Range;
  /** Hazards on for every server from the start (the scenario's `hazards`). Default none. */
  hazards?: HazardList;
  /** Which faults may happen. Unlisted kinds are on; `{ pause: false }` switches pauses off. */
  faults?: Partial<Record<FaultKind, boolean>>;
  /** Most jobs enqueued in all (counts are cut down to fit). Default 60. */
  maxJobs?: number;
  /** Whether the cron job `tick` may exist. Default true. */
  schedules?: boolean;
  /** Whether the cron job is always there (when schedules are on). Default false: there five runs in six. */
  alwaysSchedule?: boolean;
  /** The cron expressions `tick` chooses from. Default every second, every 2 s, every 5 s. */
  crons?: readonly string[];
  /** How many enqueue actions of `work`. Default 0..3. */
  enqueues?: Range;
  /** How many jobs each enqueue action adds. Default 1..50. */
  enqueueCount?: Range;
  /** How many fault episodes (each a fault and its end: crash and restart, pause and resume ...). Default 0..6. */
  faultEpisodes?: Range;
  /** The `work` job: how long one run takes and how often it fails. Default 0-500 ms, 0-0.3. */
  workDurationMs?: Range;
  /** Failure rate in hundredths: { min: 0, max: 30 } is 0-0.3. */
  workFailurePercent?: Range;
  /** Whether servers other than 'a' may join later by an `addServer` action. Default true. */
  lateJoins?: boolean;
  /** Whether servers may be `withoutJobs` (never all of them). Default true. */
  withoutJobs?: boolean;
  /**
   * How often a server starts with its clock off (offset within +-60 s, and rate 0.9-1.1 when drift is on):
   * 'sometimes' (a quarter of the servers, the default) or 'always'. Needs the `clock` (`drift`) fault.
   */
  skewedClocks?: 'sometimes' | 'always';
  /** The coordinators' misfire policy (`coordinator.misfire`); default: the coordinator's own default. */
  misfire?: MisfirePolicy;
  /** `single` runs every server as a single-server coordinator (hazard H14 with several). */
  mode?: 'distributed' | 'single';
  /**
   * Whether some fault episodes and enqueues name their server by a relative target (`@leader`,
   * `@follower`, `@any`, resolved when they happen; a fault's end then by `@any`): about one in eight.
   * Default true. Off, each draws nothing more, so a seed draws the scenarios it drew before targets.
   */
  relativeTargets?: boolean;
}

/** The cron expressions the generator chooses from by default. */
export const DEFAULT_CRONS = ['* * * * * *', '*/2 * * * * *', '*/5 * * * * *'] as const;

/** Server ids, by position in the plan: the first server is 'a'. */
export const SERVER_IDS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;

/** How long after a graceful stop the generator lets a server restart: the stop must have finished. */
export const RESTART_AFTER_STOP_MS = 12_000;

/** The options with every default filled in. */
export interface Resolved {
  servers: Range;
  durationMs: Range;
  hazards: HazardList;
  faults: Record<FaultKind, boolean>;
  maxJobs: number;
  schedules: boolean;
  alwaysSchedule: boolean;
  crons: readonly string[];
  enqueues: Range;
  enqueueCount: Range;
  faultEpisodes: Range;
  workDurationMs: Range;
  workFailurePercent: Range;
  lateJoins: boolean;
  withoutJobs: boolean;
  mode: 'distributed' | 'single';
  skewedClocks: 'sometimes' | 'always';
  misfire: MisfirePolicy | undefined;
  relativeTargets: boolean;
}

export function resolve(options: ScenarioArbitraryOptions): Resolved {
  const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, options.faults?.[kind] ?? true]));
  const servers = options.servers ?? { min: 1, max: 6 };
  if (servers.min < 1 || servers.max > SERVER_IDS.length || servers.min > servers.max)
    throw new RangeError(`servers: expected a range within 1..${SERVER_IDS.length}`);
  return {
    servers,
    durationMs: options.durationMs ?? { min: 20_000, max: 40_000 },
    hazards: options.hazards ?? [],
    faults: faults as Record<FaultKind, boolean>,
    maxJobs: options.maxJobs ?? 60,
    schedules: options.schedules ?? true,
    alwaysSchedule: options.alwaysSchedule ?? false,
    crons: options.crons ?? DEFAULT_CRONS,
    enqueues: options.enqueues ?? { min: 0, max: 3 },
    enqueueCount: options.enqueueCount ?? { min: 1, max: 50 },
    faultEpisodes: options.faultEpisodes ?? { min: 0, max: 6 },
    workDurationMs: options.workDurationMs ?? { min: 0, max: 500 },
    workFailurePercent: options.workFailurePercent ?? { min: 0, max: 30 },
    lateJoins: options.lateJoins ?? true,
    withoutJobs: options.withoutJobs ?? true,
    mode: options.mode ?? 'distributed',
    skewedClocks: options.skewedClocks ?? 'sometimes',
    misfire: options.misfire,
    relativeTargets: options.relativeTargets ?? true,
  };
}
