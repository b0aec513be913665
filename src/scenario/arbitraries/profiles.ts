import { FAULT_KINDS, type FaultKind, type ScenarioArbitraryOptions } from './options.js';

/** Named mixes of faults, for the invariant suites and the soak. */

/** Fault switches with only `kinds` on: `onlyFaults('crash', 'restart')`. */
export function onlyFaults(...kinds: FaultKind[]): Record<FaultKind, boolean> {
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, kinds.includes(kind)])) as Record<
    FaultKind,
    boolean
  >;
}

/**
 * The mixes of faults the invariant suites draw from, each with a hazard-free cluster. `all` is the
 * arbitrary's default; the others concentrate on one family of faults so that its rarer interleavings come
 * up within a few hundred runs.
 */
export const FAULT_PROFILES = {
  all: {},
  crashes: {
    servers: { min: 2, max: 4 },
    faults: onlyFaults('crash', 'crashMidTransaction', 'restart'),
    faultEpisodes: { min: 1, max: 6 },
    alwaysSchedule: true,
    crons: ['* * * * * *'],
  },
  partitions: {
    servers: { min: 2, max: 4 },
    faults: onlyFaults('pause', 'cutOff', 'clock', 'drift', 'databaseSkew'),
    faultEpisodes: { min: 1, max: 6 },
    alwaysSchedule: true,
  },
  stops: {
    servers: { min: 1, max: 4 },
    faults: onlyFaults('stop', 'crash', 'restart'),
    faultEpisodes: { min: 1, max: 6 },
    enqueues: { min: 1, max: 4 },
    maxJobs: 120,
    workFailurePercent: { min: 0, max: 30 },
  },
} as const satisfies Record<string, ScenarioArbitraryOptions>;

export type FaultProfile = keyof typeof FAULT_PROFILES;

export const PROFILE_DESCRIPTIONS: Record<FaultProfile, string> = {
  all: 'every kind of fault',
  crashes: 'leader crashes, many inside a transaction, with a cron job every second',
  partitions: 'pauses, cut-offs, clock offsets, drift and database skew',
  stops: 'graceful stops, crashes and restarts under a load of failing jobs',
};
