import type fc from 'fast-check';
import type { Scenario } from '../types.js';
import type { ScenarioArbitraryOptions } from './options.js';
import { planArbitrary } from './plan.js';
import { planToScenario } from './planToScenario.js';

/**
 * fast-check arbitraries that draw whole scenarios (the format of ../types.ts) for the property suites.
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
 * server that dies on its own (hazard H13) refuses what comes after; both end as `actionFailed` entries. So
 * may an action written with a relative target (`relativeTargets`, on by default), which finds out only at
 * its time who leads, or whether any server fits it.
 *
 * Shrinking goes towards: fewer servers, all from the start and with jobs; fewer and smaller enqueues;
 * fewer fault episodes, earlier; seed 0; the shortest duration; exact clocks.
 */

/**
 * Valid scenarios for property tests. Every scenario has:
 * - 1-6 servers 'a'.. (server 'a' from the start, others from the start or joining later), some maybe
 *   `withoutJobs` but always one with jobs from the start;
 * - a `work` job (0-500 ms, failing 0-30% of attempts) and, half the time, a cron job `tick`;
 * - enqueues of `work` (1-50 jobs each, `maxJobs` in all) on servers running at that time;
 * - fault episodes: crashes (some right inside the transaction after a heartbeat or cron tick), pauses
 *   (mostly longer than the lease) and their resume, cut-offs and their heal, graceful stops, restarts of
 *   crashed and stopped servers, clock offsets (+-60 s) and drift (0.9-1.1), database clock skew changes;
 * - about one episode (or enqueue) in eight naming its server as `@leader`, `@follower` or `@any`, and its
 *   end (restart, resume, heal) as `@any`, resolved by the conductor when they happen.
 * Faults still open at `durationMs` are ended by the engine's liveness phase (`heal`).
 */
export function scenarioArbitrary(options: ScenarioArbitraryOptions = {}): fc.Arbitrary<Scenario> {
  return planArbitrary(options).map((plan) => planToScenario(plan, options));
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

// The parts, under the path the arbitraries had before they were split (the property suites and the soak
// import them from here).
export {
  DEFAULT_CRONS,
  FAULT_KINDS,
  RESTART_AFTER_STOP_MS,
  SERVER_IDS,
  type FaultKind,
  type Range,
  type ScenarioArbitraryOptions,
} from './options.js';
export { planArbitrary, type Episode, type PlannedServer, type ScenarioPlan } from './plan.js';
export { planToScenario } from './planToScenario.js';
export { FAULT_PROFILES, onlyFaults, PROFILE_DESCRIPTIONS, type FaultProfile } from './profiles.js';
