import fc from 'fast-check';
import { SERVER_TARGETS } from '../targets.js';
import {
  resolve,
  RESTART_AFTER_STOP_MS,
  SERVER_IDS,
  type Range,
  type Resolved,
  type ScenarioArbitraryOptions,
} from './options.js';

/**
 * The plan: what fast-check actually draws and shrinks. Every part is an independent record whose numbers
 * stay meaningful whatever the others shrink to (times as permille of the run, servers as positions), so
 * that `planToScenario` can turn any shrunk plan into a valid scenario. The order in which the records are
 * built here is the order fast-check draws in: changing it changes every scenario drawn for a seed.
 */

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
export type Episode = EpisodeBody &
  (
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
    | { kind: 'skew'; at: number; skewMs: number }
  );

/**
 * What every episode on a server may carry: `target`, an index into SERVER_TARGETS, names its server by a
 * relative target instead of `server` (its end then finds it by `@any`); null or absent, by `server`.
 */
export interface EpisodeBody {
  target?: number | null | undefined;
}

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

const int = (range: Range) => fc.integer({ min: range.min, max: range.max });
const permille = fc.integer({ min: 0, max: 1000 });
const serverIndex = fc.nat({ max: SERVER_IDS.length - 1 });
/**
 * A relative target one episode in eight (`relativeTargets`), else none; shrinks to none. Off, it is a
 * constant, which draws nothing: every other value is drawn as before targets existed.
 */
const target = (o: Resolved): fc.Arbitrary<number | null> =>
  o.relativeTargets
    ? fc.oneof(
        { withCrossShrink: true },
        { arbitrary: fc.constant(null), weight: 7 },
        { arbitrary: fc.nat({ max: SERVER_TARGETS.length - 1 }), weight: 1 },
      )
    : fc.constant(null);
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
        target: target(o),
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
        target: target(o),
        restartAfterMs: restartAfter(f.restart, 500, 30_000),
      }),
    );
  if (f.pause)
    kinds.push(
      fc.record({
        kind: fc.constant('pause' as const),
        at: permille,
        server: serverIndex,
        target: target(o),
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
        target: target(o),
        forMs: fc.integer({ min: 100, max: 40_000 }),
      }),
    );
  if (f.stop)
    kinds.push(
      fc.record({
        kind: fc.constant('stop' as const),
        at: permille,
        server: serverIndex,
        target: target(o),
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
        target: target(o),
        offsetMs: fc.integer({ min: -60_000, max: 60_000 }),
      }),
    );
  if (f.drift)
    kinds.push(
      fc.record({
        kind: fc.constant('drift' as const),
        at: permille,
        server: serverIndex,
        target: target(o),
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
    target: target(o),
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
