import fc from 'fast-check';
import type { MisfirePolicy } from '../../core/misfire';
import type { Action, HazardList, JobModel, Scenario, ServerSpec } from '../types';
import { SCENARIO_VERSION } from '../types';

/**
 * fast-check arbitraries that draw whole scenarios (src/sim/scenario.ts) for the property suites.
 *
 * A scenario is drawn as a *plan*: a list of servers, a list of enqueues and a list of fault episodes, each
 * an independent record. The plan is then turned into a Scenario by `planToScenario`, a pure function that
 * expands each episode into its actions (a pause and its resume, a crash and its restart ...), sorts them by
 * time and walks them through a small model of every server's state, dropping any action the engine would
 * refuse at that moment (a crash of a server that is not running, a restart of one that is, anything on a
 * server that has not joined yet). So fast-check can shrink the plan freely (drop an episode, drop a server,
 * lower a count, move a time towards 0) and every shrunk plan still gives a valid scenario, in the sense of
 * `parseScenario` and of the engine. Two refusals are left in on purpose or cannot be foreseen: an enqueue
 * on a cut-off server fails in the run (the write cannot reach the database: that is the fault), and a
 * server that dies on its own (hazard H13) refuses what comes after; both end as `actionFailed` entries.
 *
 * Shrinking goes towards: fewer servers, all from the start and with jobs; fewer and smaller enqueues;
 * fewer fault episodes, earlier; seed 0; the shortest duration; exact clocks.
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
}

/** The cron expressions the generator chooses from by default. */
export const DEFAULT_CRONS = ['* * * * * *', '*/2 * * * * *', '*/5 * * * * *'] as const;

/** Server ids, by position in the plan: the first server is 'a'. */
export const SERVER_IDS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;

/** How long after a graceful stop the generator lets a server restart: the stop must have finished. */
export const RESTART_AFTER_STOP_MS = 12_000;

// ---------------------------------------------------------------------------------------------------------
// The plan.

/** One server of the plan; its id is its position. */
export interface PlannedServer {
  withoutJobs: boolean;
  /** Joins by `addServer` at this fraction (permille) of the run, or at the start when null. */
  joinPermille: number | null;
  offsetMs: number;
  /** Clock rate in thousandths (1000 exact). */
  ratePermille: number;
}

/**
 * One thing that happens to the cluster, before it is checked against the servers' states. `at` is permille
 * of the run's duration, so that it stays inside the run whatever the duration shrinks to; `server` is a
 * position, taken modulo the number of servers, so that it stays valid when servers are shrunk away.
 * Crashes and stops may carry a restart, pauses their resume and cut-offs their heal, after `forMs`; an end
 * that would fall after the run is left to the liveness phase.
 */
export type Episode =
  | { kind: 'enqueue'; at: number; server: number; count: number }
  | { kind: 'crash'; at: number; server: number; restartAfterMs: number | null }
  /**
   * A crash at `second` s + `deltaMs` (0-6 ms): just after a cron tick or an election tick (every 5 s from
   * the start), while its transaction is open (statements take 0-2 ms each).
   */
  | { kind: 'crashMid'; second: number; deltaMs: number; server: number; restartAfterMs: number | null }
  | { kind: 'pause'; at: number; server: number; forMs: number }
  | { kind: 'cutOff'; at: number; server: number; forMs: number }
  | { kind: 'stop'; at: number; server: number; graceMs: number | null; restartAfterMs: number | null }
  | { kind: 'clock'; at: number; server: number; offsetMs: number }
  | { kind: 'drift'; at: number; server: number; ratePermille: number }
  | { kind: 'skew'; at: number; skewMs: number };

/** What `planArbitrary` draws and `planToScenario` turns into a Scenario. */
export interface ScenarioPlan {
  seed: number;
  durationS: number;
  servers: PlannedServer[];
  work: { durationMs: number; failurePercent: number };
  /** Index into the cron list, or null for no cron job. */
  cron: number | null;
  initialSkewMs: number;
  enqueues: Episode[];
  faults: Episode[];
}

interface Resolved {
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
}

function resolve(options: ScenarioArbitraryOptions): Resolved {
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
  };
}

const int = (range: Range) => fc.integer({ min: range.min, max: range.max });
const permille = fc.integer({ min: 0, max: 1000 });
const serverIndex = fc.nat({ max: SERVER_IDS.length - 1 });
/** A restart some time after the fault, or none (the liveness phase restarts it). */
const restartAfter = (on: boolean, min: number, max: number) =>
  on ? fc.option(fc.integer({ min, max }), { nil: null, freq: 3 }) : fc.constant<number | null>(null);

function episodeArbitrary(o: Resolved): fc.Arbitrary<Episode> | undefined {
  const f = o.faults;
  const kinds: fc.Arbitrary<Episode>[] = [];
  if (f.crash)
    kinds.push(
      fc.record({
        kind: fc.constant('crash' as const),
        at: permille,
        server: serverIndex,
        restartAfterMs: restartAfter(f.restart, 500, 30_000),
      }),
    );
  if (f.crashMidTransaction)
    kinds.push(
      fc.record({
        kind: fc.constant('crashMid' as const),
        second: fc.nat({ max: Math.floor(o.durationMs.max / 1000) }),
        deltaMs: fc.integer({ min: 0, max: 6 }),
        server: serverIndex,
        restartAfterMs: restartAfter(f.restart, 500, 30_000),
      }),
    );
  if (f.pause)
    kinds.push(
      fc.record({
        kind: fc.constant('pause' as const),
        at: permille,
        server: serverIndex,
        // Mostly longer than the lease (15 s): the paused leader is replaced and wakes up deposed.
        forMs: fc.oneof(
          { arbitrary: fc.integer({ min: 16_000, max: 40_000 }), weight: 3 },
          { arbitrary: fc.integer({ min: 100, max: 10_000 }), weight: 1 },
        ),
      }),
    );
  if (f.cutOff)
    kinds.push(
      fc.record({
        kind: fc.constant('cutOff' as const),
        at: permille,
        server: serverIndex,
        forMs: fc.integer({ min: 100, max: 40_000 }),
      }),
    );
  if (f.stop)
    kinds.push(
      fc.record({
        kind: fc.constant('stop' as const),
        at: permille,
        server: serverIndex,
        graceMs: fc.option(fc.integer({ min: 0, max: 2_000 }), { nil: null, freq: 3 }),
        restartAfterMs: restartAfter(f.restart, RESTART_AFTER_STOP_MS, 30_000),
      }),
    );
  if (f.clock)
    kinds.push(
      fc.record({
        kind: fc.constant('clock' as const),
        at: permille,
        server: serverIndex,
        offsetMs: fc.integer({ min: -60_000, max: 60_000 }),
      }),
    );
  if (f.drift)
    kinds.push(
      fc.record({
        kind: fc.constant('drift' as const),
        at: permille,
        server: serverIndex,
        ratePermille: fc.integer({ min: 900, max: 1_100 }),
      }),
    );
  if (f.databaseSkew)
    kinds.push(
      fc.record({
        kind: fc.constant('skew' as const),
        at: permille,
        skewMs: fc.integer({ min: -60_000, max: 60_000 }),
      }),
    );
  return kinds.length > 0 ? fc.oneof(...kinds) : undefined;
}

/** The exact value three times in four (or never, when clocks are always skewed), else a drawn one. */
function sometimes(o: Resolved, exact: number, drawn: fc.Arbitrary<number>): fc.Arbitrary<number> {
  if (o.skewedClocks === 'always') return drawn;
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(exact), weight: 3 },
    { arbitrary: drawn, weight: 1 },
  );
}

/** Draws a plan: what `scenarioArbitrary` maps to a Scenario. Exposed for suites that edit plans. */
export function planArbitrary(options: ScenarioArbitraryOptions = {}): fc.Arbitrary<ScenarioPlan> {
  const o = resolve(options);
  const server = fc.record({
    withoutJobs: o.withoutJobs ? fc.boolean() : fc.constant(false),
    // A quarter of the servers join later; shrinking brings them back to the start.
    joinPermille: o.lateJoins
      ? fc.oneof(
          { withCrossShrink: true },
          { arbitrary: fc.constant<number | null>(null), weight: 3 },
          { arbitrary: fc.integer({ min: 0, max: 1000 }), weight: 1 },
        )
      : fc.constant<number | null>(null),
    offsetMs: o.faults.clock ? sometimes(o, 0, fc.integer({ min: -60_000, max: 60_000 })) : fc.constant(0),
    ratePermille: o.faults.drift
      ? sometimes(o, 1000, fc.integer({ min: 900, max: 1_100 }))
      : fc.constant(1000),
  });
  const episode = episodeArbitrary(o);
  const enqueue = fc.record({
    kind: fc.constant('enqueue' as const),
    at: permille,
    server: serverIndex,
    count: int(o.enqueueCount),
  });
  const cron =
    o.schedules && o.crons.length > 0
      ? o.alwaysSchedule
        ? fc.nat({ max: o.crons.length - 1 })
        : fc.option(fc.nat({ max: o.crons.length - 1 }), { nil: null })
      : fc.constant<number | null>(null);
  return fc.record({
    seed: fc.nat({ max: 0x7fffffff }),
    durationS: fc.integer({
      min: Math.max(1, Math.ceil(o.durationMs.min / 1000)),
      max: Math.max(1, Math.floor(o.durationMs.max / 1000)),
    }),
    servers: fc.array(server, { minLength: o.servers.min, maxLength: o.servers.max }),
    work: fc.record({ durationMs: int(o.workDurationMs), failurePercent: int(o.workFailurePercent) }),
    cron,
    initialSkewMs: o.faults.databaseSkew
      ? fc.oneof(
          { withCrossShrink: true },
          { arbitrary: fc.constant(0), weight: 3 },
          { arbitrary: fc.integer({ min: -60_000, max: 60_000 }), weight: 1 },
        )
      : fc.constant(0),
    enqueues: fc.array(enqueue, { minLength: o.enqueues.min, maxLength: o.enqueues.max }),
    faults: episode
      ? fc.array(episode, { minLength: o.faultEpisodes.min, maxLength: o.faultEpisodes.max })
      : fc.constant([]),
  });
}

/**
 * Valid scenarios for property tests. Every scenario has:
 * - 1-6 servers 'a'.. (server 'a' from the start, others from the start or joining later), some maybe
 *   `withoutJobs` but always one with jobs from the start;
 * - a `work` job (0-500 ms, failing 0-30% of attempts) and, half the time, a cron job `tick`;
 * - enqueues of `work` (1-50 jobs each, `maxJobs` in all) on servers running at that time;
 * - fault episodes: crashes (some right inside the transaction after a heartbeat or cron tick), pauses
 *   (mostly longer than the lease) and their resume, cut-offs and their heal, graceful stops, restarts of
 *   crashed and stopped servers, clock offsets (+-60 s) and drift (0.9-1.1), database clock skew changes.
 * Faults still open at `durationMs` are ended by the engine's liveness phase (`heal`).
 */
export function scenarioArbitrary(options: ScenarioArbitraryOptions = {}): fc.Arbitrary<Scenario> {
  return planArbitrary(options).map((plan) => planToScenario(plan, options));
}

// ---------------------------------------------------------------------------------------------------------
// From plan to scenario.

type ProcessModel = 'absent' | 'running' | 'stopped' | 'crashed';

interface ServerModel {
  process: ProcessModel;
  paused: boolean;
  cutOff: boolean;
  /** A stopped server may restart from this time on. */
  restartableAt: number;
}

/** Turns a plan into a scenario; pure, so any shrunk plan maps to a valid scenario. */
export function planToScenario(plan: ScenarioPlan, options: ScenarioArbitraryOptions = {}): Scenario {
  const o = resolve(options);
  const durationMs = plan.durationS * 1000;
  const at = (permilleOfRun: number) => Math.round((durationMs * permilleOfRun) / 1000);
  const count = plan.servers.length;
  const ids = SERVER_IDS.slice(0, count);
  const pick = (index: number) => ids[index % count]!;

  const specs: { spec: ServerSpec; joinAt: number | null }[] = plan.servers.map((server, index) => {
    const spec: ServerSpec = { id: ids[index]! };
    if (server.withoutJobs) spec.withoutJobs = true;
    if (server.offsetMs !== 0) spec.offsetMs = server.offsetMs;
    if (server.ratePermille !== 1000) spec.rate = server.ratePermille / 1000;
    const joinAt = index === 0 || server.joinPermille === null ? null : at(server.joinPermille);
    return { spec, joinAt };
  });
  // At least one server with jobs from the start: the first one.
  if (specs.every(({ spec, joinAt }) => spec.withoutJobs || joinAt !== null))
    delete specs[0]!.spec.withoutJobs;

  const jobs: JobModel[] = [{ name: 'work' }];
  if (plan.work.durationMs > 0) jobs[0]!.durationMs = plan.work.durationMs;
  if (plan.work.failurePercent > 0) jobs[0]!.failureRate = plan.work.failurePercent / 100;
  if (plan.cron !== null && o.crons.length > 0)
    jobs.push({ name: 'tick', schedules: [{ cron: o.crons[plan.cron % o.crons.length]! }] });

  // Every action the plan asks for, in plan order; sorted by time below (stably).
  const wanted: Action[] = [];
  for (const { spec, joinAt } of specs)
    if (joinAt !== null) wanted.push({ atMs: joinAt, type: 'addServer', server: spec });
  let jobsLeft = o.maxJobs;
  for (const episode of plan.enqueues) {
    if (episode.kind !== 'enqueue' || jobsLeft <= 0) continue;
    const n = Math.min(episode.count, jobsLeft);
    jobsLeft -= n;
    wanted.push({
      atMs: at(episode.at),
      type: 'enqueue',
      server: pick(episode.server),
      job: 'work',
      count: n,
    });
  }
  const within = (ms: number) => ms <= durationMs;
  for (const episode of plan.faults) {
    switch (episode.kind) {
      case 'crash':
      case 'crashMid': {
        const start =
          episode.kind === 'crash'
            ? at(episode.at)
            : (episode.second % Math.max(1, plan.durationS)) * 1000 + episode.deltaMs;
        if (!within(start)) break;
        const server = pick(episode.server);
        wanted.push({ atMs: start, type: 'crash', server });
        if (episode.restartAfterMs !== null && within(start + episode.restartAfterMs))
          wanted.push({ atMs: start + episode.restartAfterMs, type: 'restart', server });
        break;
      }
      case 'pause':
      case 'cutOff': {
        const start = at(episode.at);
        const server = pick(episode.server);
        const end = episode.kind === 'pause' ? 'resume' : 'heal';
        wanted.push({ atMs: start, type: episode.kind, server });
        if (within(start + episode.forMs)) wanted.push({ atMs: start + episode.forMs, type: end, server });
        break;
      }
      case 'stop': {
        const start = at(episode.at);
        const server = pick(episode.server);
        wanted.push({
          atMs: start,
          type: 'stop',
          server,
          ...(episode.graceMs !== null && { graceMs: episode.graceMs }),
        });
        if (episode.restartAfterMs !== null && within(start + episode.restartAfterMs))
          wanted.push({ atMs: start + episode.restartAfterMs, type: 'restart', server });
        break;
      }
      case 'clock':
        wanted.push({
          atMs: at(episode.at),
          type: 'setClock',
          server: pick(episode.server),
          offsetMs: episode.offsetMs,
        });
        break;
      case 'drift':
        wanted.push({
          atMs: at(episode.at),
          type: 'setClock',
          server: pick(episode.server),
          rate: episode.ratePermille / 1000,
        });
        break;
      case 'skew':
        wanted.push({ atMs: at(episode.at), type: 'setDatabaseSkew', skewMs: episode.skewMs });
        break;
      case 'enqueue':
        break;
    }
  }

  const sorted = wanted
    .map((action, position) => ({ action, position }))
    .sort((x, y) => x.action.atMs - y.action.atMs || x.position - y.position)
    .map(({ action }) => action);
  const actions = admissible(sorted, specs);

  const scenario: Scenario = {
    version: SCENARIO_VERSION,
    seed: plan.seed,
    durationMs,
    jobs,
    servers: specs.filter(({ joinAt }) => joinAt === null).map(({ spec }) => spec),
    actions,
  };
  if (o.mode === 'single') scenario.mode = 'single';
  if (o.misfire) scenario.coordinator = { misfire: { ...o.misfire } };
  if (o.hazards.length > 0) scenario.hazards = [...o.hazards];
  if (plan.initialSkewMs !== 0) scenario.database = { skewMs: plan.initialSkewMs };
  return scenario;
}

/**
 * Walks the actions in time order through a model of each server and keeps those the engine would carry
 * out: faults on running servers, their ends on servers that have them, restarts of dead servers only.
 */
function admissible(
  actions: readonly Action[],
  specs: readonly { spec: ServerSpec; joinAt: number | null }[],
): Action[] {
  const model = new Map<string, ServerModel>();
  for (const { spec, joinAt } of specs)
    model.set(spec.id, {
      process: joinAt === null ? 'running' : 'absent',
      paused: false,
      cutOff: false,
      restartableAt: 0,
    });
  const kept: Action[] = [];
  for (const action of actions) {
    const server =
      'server' in action && typeof action.server === 'string' ? model.get(action.server) : undefined;
    const running = server?.process === 'running';
    let keep: boolean;
    switch (action.type) {
      case 'addServer': {
        const joining = model.get(action.server.id);
        keep = joining?.process === 'absent';
        if (keep) joining!.process = 'running';
        break;
      }
      case 'crash':
        keep = running;
        if (keep) Object.assign(server!, { process: 'crashed', paused: false, cutOff: false });
        break;
      case 'stop':
        // A stop of a paused or cut-off server might not finish by the time of its restart: not generated.
        keep = running && !server!.paused && !server!.cutOff;
        if (keep)
          Object.assign(server!, { process: 'stopped', restartableAt: action.atMs + RESTART_AFTER_STOP_MS });
        break;
      case 'restart':
        keep =
          server?.process === 'crashed' ||
          (server?.process === 'stopped' && action.atMs >= server.restartableAt);
        if (keep) Object.assign(server!, { process: 'running', paused: false, cutOff: false });
        break;
      case 'pause':
        keep = running && !server!.paused;
        if (keep) server!.paused = true;
        break;
      case 'resume':
        keep = running && server!.paused;
        if (keep) server!.paused = false;
        break;
      case 'cutOff':
        keep = running && !server!.cutOff;
        if (keep) server!.cutOff = true;
        break;
      case 'heal':
        keep = running && server!.cutOff;
        if (keep) server!.cutOff = false;
        break;
      case 'enqueue':
        keep = running;
        break;
      case 'setClock':
        keep = server !== undefined && server.process !== 'absent';
        break;
      default:
        keep = true;
    }
    if (keep) kept.push(action);
  }
  return kept;
}

/** How many actions and servers a scenario has: the size a shrunk counterexample is judged by. */
export function scenarioSize(scenario: Scenario): { servers: number; actions: number; jobs: number } {
  const added = scenario.actions.filter((action) => action.type === 'addServer').length;
  const enqueued = scenario.actions.reduce(
    (sum, action) => sum + (action.type === 'enqueue' ? (action.count ?? 1) : 0),
    0,
  );
  return { servers: scenario.servers.length + added, actions: scenario.actions.length, jobs: enqueued };
}

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
