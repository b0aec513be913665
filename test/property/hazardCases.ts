/**
 * The hazard searches of the property suite (hazards.test.ts), in a module of their own so that the bench's
 * time-to-find figure (bench/hazardFind.ts) runs the very same searches: each hazard's arbitrary options,
 * the invariant it breaks, and for the hazards that break none on their own (H3, H12) the trace property
 * that shows them.
 */
import type { HazardCode } from '../../src/core/hazards';
import { onlyFaults, type ScenarioArbitraryOptions } from '../../src/scenario/arbitraries/scenarioArbitrary';
import type { InvariantId } from '../../src/verify/checkers';
import type { RunResult } from '../../src/sim/runResult';
import type { Scenario } from '../../src/scenario/types';
import type { TraceEntry } from '../../src/sim/trace/trace';

/** No fault at all; each hazard's arbitrary switches on the faults it needs with `faults(...)`. */
export const NO_FAULTS = onlyFaults();
export const faults = onlyFaults;

/** Small clusters that start together and all run jobs: shrinking has less to remove. */
export const SMALL: ScenarioArbitraryOptions = {
  // The searches below were tuned (seeds, shrunk sizes) on scenarios drawn before relative targets; without
  // them a seed draws those scenarios again. Targets get their own suite (test/sim/relativeTargets.test.ts).
  relativeTargets: false,
  servers: { min: 2, max: 3 },
  lateJoins: false,
  withoutJobs: false,
  enqueues: { min: 0, max: 1 },
  faultEpisodes: { min: 1, max: 3 },
};

/** The scenario with one hazard switched off. */
export function without(code: HazardCode, scenario: Scenario): Scenario {
  const copy = structuredClone(scenario);
  copy.hazards = (copy.hazards ?? []).filter((hazard) => hazard !== code);
  if (copy.hazards.length === 0) delete copy.hazards;
  return copy;
}

export interface HazardCase {
  code: HazardCode | 'H14';
  what: string;
  /** The invariant the hazard breaks; only its failure counts, so that shrinking keeps to it. */
  invariant: InvariantId;
  options: ScenarioArbitraryOptions;
  numRuns: number;
  seed: number;
  /** The shrunk counterexample has at most this many servers and actions. */
  maxServers: number;
  maxActions: number;
  /** The same scenario without the hazard, which must keep the invariant (none for H13: its cron is invalid). */
  off?: (scenario: Scenario) => Scenario;
}

/** Missed ticks more than 1 s late are skipped, not fired. */
const SKIP_LATE = { kind: 'skip', thresholdMs: 1_000 } as const;

export const CASES: HazardCase[] = [
  {
    code: 'H1',
    what: 'a graceful stop of the leader writes a null heartbeat: nobody leads again',
    invariant: 'I6',
    options: {
      ...SMALL,
      hazards: ['H1'],
      faults: faults('stop'),
      faultEpisodes: { min: 1, max: 2 },
      schedules: false,
    },
    numRuns: 100,
    seed: 1,
    maxServers: 2,
    maxActions: 1,
    off: (s) => without('H1', s),
  },
  {
    code: 'H2',
    what: 'the heartbeat is written with a clock that runs ahead: a crashed leader is replaced late',
    invariant: 'I5',
    options: {
      ...SMALL,
      hazards: ['H2'],
      faults: faults('clock', 'crash'),
      skewedClocks: 'always',
      durationMs: { min: 30_000, max: 40_000 },
      schedules: false,
    },
    numRuns: 300,
    seed: 1,
    maxServers: 2,
    maxActions: 2,
    off: (s) => without('H2', s),
  },
  {
    code: 'H4',
    what: "a paused leader wakes up after it was replaced and its unfenced writes land in the new leader's term",
    invariant: 'I3',
    options: { ...SMALL, hazards: ['H4'], faults: faults('pause'), alwaysSchedule: true },
    numRuns: 100,
    seed: 1,
    maxServers: 2,
    maxActions: 2,
    off: (s) => without('H4', s),
  },
  {
    code: 'H6',
    what: 'a paused scheduler fires every tick it missed, though the misfire policy skips late ticks',
    invariant: 'I4',
    options: {
      ...SMALL,
      servers: { min: 1, max: 2 },
      hazards: ['H6'],
      misfire: SKIP_LATE,
      faults: faults('pause', 'crash', 'restart'),
      alwaysSchedule: true,
    },
    numRuns: 100,
    seed: 6,
    maxServers: 2,
    maxActions: 2,
    off: (s) => without('H6', s),
  },
  {
    code: 'H7',
    what: 'without a tick record, the cron ticks of a failover gap are lost',
    invariant: 'I4',
    options: { ...SMALL, hazards: ['H7'], faults: faults('crash'), alwaysSchedule: true },
    numRuns: 100,
    seed: 1,
    maxServers: 2,
    maxActions: 1,
    off: (s) => without('H7', s),
  },
  {
    code: 'H8',
    what: 'a job deleted on claim is lost when its server crashes while running it',
    invariant: 'I2',
    options: {
      ...SMALL,
      hazards: ['H8'],
      faults: faults('crash'),
      workDurationMs: { min: 1_000, max: 10_000 },
      enqueues: { min: 1, max: 3 },
      schedules: false,
    },
    numRuns: 100,
    seed: 1,
    maxServers: 2,
    maxActions: 2,
    off: (s) => without('H8', s),
  },
  {
    code: 'H9',
    what: 'one claim per server per 5 s tick: a load the cluster cannot drain in the liveness phase',
    invariant: 'I2',
    options: {
      ...SMALL,
      servers: { min: 1, max: 3 },
      hazards: ['H9'],
      faults: NO_FAULTS,
      enqueues: { min: 1, max: 4 },
      maxJobs: 200,
      schedules: false,
    },
    numRuns: 100,
    seed: 1,
    maxServers: 1,
    maxActions: 2,
    off: (s) => without('H9', s),
  },
  {
    code: 'H10',
    what: 'jobs kept in the memory of the server that enqueued them are lost when it crashes',
    invariant: 'I2',
    options: {
      ...SMALL,
      hazards: ['H10'],
      faults: faults('crash'),
      enqueues: { min: 1, max: 3 },
      enqueueCount: { min: 5, max: 50 },
      workDurationMs: { min: 1_000, max: 8_000 },
      schedules: false,
    },
    numRuns: 100,
    seed: 1,
    maxServers: 2,
    maxActions: 2,
    off: (s) => without('H10', s),
  },
  {
    code: 'H11',
    what: 'a job that fails once is dropped instead of retried',
    invariant: 'I2',
    options: {
      ...SMALL,
      servers: { min: 1, max: 3 },
      hazards: ['H11'],
      faults: NO_FAULTS,
      enqueues: { min: 1, max: 3 },
      workFailurePercent: { min: 0, max: 50 },
      schedules: false,
    },
    numRuns: 100,
    seed: 1,
    maxServers: 1,
    maxActions: 2,
    off: (s) => without('H11', s),
  },
  {
    code: 'H13',
    what: 'an invalid crontab kills each server as it becomes leader: the jobs never finish',
    invariant: 'I2',
    options: {
      ...SMALL,
      servers: { min: 1, max: 2 },
      hazards: ['H13'],
      faults: NO_FAULTS,
      crons: ['not a cron'],
      alwaysSchedule: true,
      enqueues: { min: 1, max: 3 },
    },
    numRuns: 200,
    seed: 1,
    maxServers: 2,
    maxActions: 3,
  },
  {
    code: 'H14',
    what: 'two single-server coordinators each run the cron schedule: every tick runs twice',
    invariant: 'I4',
    options: {
      ...SMALL,
      servers: { min: 2, max: 2 },
      mode: 'single',
      faults: NO_FAULTS,
      alwaysSchedule: true,
    },
    numRuns: 100,
    seed: 1,
    maxServers: 2,
    maxActions: 0,
    off: (s) => {
      const copy = structuredClone(s);
      delete copy.mode;
      return copy;
    },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Hazards that break no invariant on their own, and H5, shown by what the trace does.

/** A property about the trace of a run: returns what is wrong, or undefined. */
export type TraceCheck = (result: RunResult) => string | undefined;

type Coordinator<T extends string> = Extract<TraceEntry, { source: 'coordinator'; type: T }>;
export const ofType = <T extends string>(result: RunResult, type: T) =>
  result.trace.filter((e): e is Coordinator<T> => e.source === 'coordinator' && e.type === type);

/** H3: leader crashes and restarts, no cron. */
export const H3_OPTIONS: ScenarioArbitraryOptions = {
  ...SMALL,
  hazards: ['H3'],
  faults: faults('crash', 'crashMidTransaction', 'restart'),
  schedules: false,
};

/** H3's measurement: two servers, one crash (no restart until the liveness phase). */
export const H3_ONE_CRASH_OPTIONS: ScenarioArbitraryOptions = {
  ...H3_OPTIONS,
  servers: { min: 2, max: 2 },
  faults: faults('crash', 'crashMidTransaction'),
  faultEpisodes: { min: 1, max: 1 },
};

/** Each takeover of a crashed leader before the heal: ms on the database clock from its last heartbeat. */
export const takeovers = (result: RunResult) =>
  ofType(result, 'elected')
    .filter((e) => e.previousHolder !== null && e.previousHolder !== e.server && e.vt < result.healedAt!)
    .map((e) => e.dbNow - e.previousHeartbeatAt!);

/**
 * H3 as a trace property (the bench's; the suite asserts the same bound over a sample): without the hazard
 * a takeover comes 1 ms past the 15 s timeout (at most 10 ms), with it up to 1 s past.
 */
export const takeoverOnTime: TraceCheck = (result) => {
  const late = takeovers(result).find((ms) => ms > 15_000 + 10);
  return late === undefined
    ? undefined
    : `a crashed leader was replaced ${late} ms after its last heartbeat (timeout 15,000 ms)`;
};

/** H5: pauses and cut-offs of a leader that schedules. */
export const H5_OPTIONS: ScenarioArbitraryOptions = {
  ...SMALL,
  hazards: ['H5'],
  faults: faults('pause', 'cutOff'),
  alwaysSchedule: true,
};

/** A leader whose write was refused (fenced) steps down within a second, or its process ends. */
export const stepsDownWhenFenced: TraceCheck = (result) => {
  for (const fenced of ofType(result, 'fenced')) {
    const resolved = result.trace.find(
      (e) =>
        e.seq > fenced.seq &&
        e.server === fenced.server &&
        ((e.source === 'coordinator' && e.type === 'steppedDown' && e.term === fenced.term) ||
          (e.source === 'process' && e.type === 'processEnded')),
    );
    const delay = (resolved?.vt ?? result.endedAt) - fenced.vt;
    if (delay > 1_000)
      return `${fenced.server} kept leading term ${fenced.term} for ${delay} ms after a write of it was refused (${fenced.what})`;
  }
  return undefined;
};

/** H12 with H1: every election throws inside the lock after the leader stopped. */
export const H12_OPTIONS: ScenarioArbitraryOptions = {
  ...SMALL,
  hazards: ['H1', 'H12'],
  faults: faults('stop', 'restart'),
  lateJoins: true,
  schedules: false,
};

/** No server's claim fails with the error of its own election: operations fail for their own reasons. */
export const ownErrorsOnly: TraceCheck = (result) => {
  const errors = ofType(result, 'error');
  const electionErrors = new Set(
    errors.filter((e) => e.where === 'election').map((e) => `${e.server}|${e.error}`),
  );
  const inherited = errors.find((e) => e.where === 'claim' && electionErrors.has(`${e.server}|${e.error}`));
  return inherited
    ? `${inherited.server}'s claim failed with its election's error: ${inherited.error}`
    : undefined;
};
