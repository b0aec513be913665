import fc from 'fast-check';
import { checkAll, type InvariantId, type InvariantReport } from './checkers/index.js';
import { RunChecker } from './runChecker.js';
import { DEFAULT_EPOCH_MS, runScenario, type RunOptions } from '../sim/index.js';
import type { RunResult } from '../sim/runResult.js';
import type { Scenario } from '../scenario/types.js';
import { serializeScenario } from '../scenario/schema.js';

/**
 * Reusable property helpers: run a scenario and check every invariant (I1-I6 and I8 on one run; I7, determinism,
 * needs two runs and has its own helper in the checkers), wrap that as a fast-check property, and search
 * for a shrunk counterexample. No clock or randomness of the host: fast-check's seed and the scenario's seed
 * decide everything.
 */

export type { InvariantId };

export interface CheckOptions {
  /** Invariants whose failure does not count (they are still checked and reported). */
  ignore?: readonly InvariantId[] | undefined;
  /** When given, only the failure of one of these counts. */
  only?: readonly InvariantId[] | undefined;
  /** Passed to runScenario (`heal` defaults to true there: the liveness phase runs). */
  run?: Omit<RunOptions, 'onProgress'> | undefined;
  /**
   * End the run as soon as a checker whose failure counts has judged a violation (those that can judge
   * one at the entry where it happens: I1, I3), and report on the run so far. It saves the rest of a
   * failing run, and of every shrink step. It uses runScenario's `onEntries` hook (EntriesHook). Most
   * violations are judged only at the end of a run (on the database clock, which a later skew can move),
   * and then the run goes to its end and the reports are the same as without.
   */
  stopAtFirstViolation?: boolean | undefined;
}

/** runScenario's `onEntries` hook, which early stop uses (see RunOptions in src/sim/runScenario.ts). */
export type EntriesHook = NonNullable<RunOptions['onEntries']>;

export interface ScenarioCheck {
  result: RunResult;
  reports: InvariantReport[];
  /** Reports that failed and count, in invariant order. */
  failed: InvariantReport[];
}

/** Whether a report's failure counts under `options`. */
function counts(report: InvariantReport, options: CheckOptions): boolean {
  return !report.ok && countsId(report.id, options);
}

function countsId(id: InvariantId, options: CheckOptions): boolean {
  if (options.ignore?.includes(id)) return false;
  if (options.only && !options.only.includes(id)) return false;
  return true;
}

/** Runs the scenario (with its liveness phase) and checks every invariant on the result. */
export async function checkScenario(scenario: Scenario, options: CheckOptions = {}): Promise<ScenarioCheck> {
  if (!options.stopAtFirstViolation) {
    const result = await runScenario(scenario, options.run);
    const reports = checkAll(result);
    return { result, reports, failed: reports.filter((report) => counts(report, options)) };
  }
  let checker: RunChecker | undefined;
  const onEntries: EntriesHook = (entries, timings) => {
    checker ??= new RunChecker(scenario, timings);
    checker.push(entries);
    return checker.violations().some((id) => countsId(id, options));
  };
  const result = await runScenario(scenario, { ...options.run, onEntries });
  checker ??= new RunChecker(result.scenario, result.timings);
  // Whatever the hook was not handed (none, unless the run recorded nothing after its last step).
  checker.push(result.trace.slice(checker.length));
  const reports = checker.finish(result);
  return { result, reports, failed: reports.filter((report) => counts(report, options)) };
}

const EVIDENCE_CHARS = 2_000;

/** One failed report as a few readable lines: id, title, message, when, and its evidence (cut short). */
export function describeFailure(report: InvariantReport): string {
  const lines = [`${report.id} ${report.title}: violated`];
  const violation = report.violation;
  if (violation) {
    lines.push(`  ${violation.message}`);
    const ms = violation.atVt - DEFAULT_EPOCH_MS;
    lines.push(
      `  at ${Number.isFinite(ms) ? ms : violation.atVt} ms into the run (virtual time ${violation.atVt})`,
    );
    let evidence: string;
    try {
      evidence = JSON.stringify(violation.evidence);
    } catch {
      evidence = String(violation.evidence);
    }
    if (evidence !== undefined) {
      if (evidence.length > EVIDENCE_CHARS) evidence = `${evidence.slice(0, EVIDENCE_CHARS)} ...`;
      lines.push(`  evidence: ${evidence}`);
    }
  }
  return lines.join('\n');
}

/** The message a failing property throws: the first violation, the others by name, and the scenario file. */
export function failureMessage(scenario: Scenario, failed: readonly InvariantReport[]): string {
  const [first, ...others] = failed;
  const parts = [first ? describeFailure(first) : 'no invariant failed'];
  if (others.length > 0)
    parts.push(`also violated: ${others.map((report) => `${report.id} ${report.title}`).join('; ')}`);
  parts.push(`scenario:\n${serializeScenario(scenario)}`);
  return parts.join('\n');
}

/** The error a failing property throws; it keeps the scenario and reports for whoever catches it. */
export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
  declare readonly scenario: Scenario;
  declare readonly failed: InvariantReport[];

  constructor(scenario: Scenario, failed: InvariantReport[]) {
    super(failureMessage(scenario, failed));
    // Not enumerable: test runners print an error's own fields, and the message already says it all.
    Object.defineProperty(this, 'scenario', { value: scenario, enumerable: false });
    Object.defineProperty(this, 'failed', { value: failed, enumerable: false });
  }
}

/**
 * A fast-check property: run each drawn scenario and fail, with the first violation and the scenario
 * serialized as a file, when any invariant (not ignored) fails.
 *
 * Budget: a run with its liveness phase takes about 0.1 s, so `fc.assert` with fast-check's default of 100
 * runs takes longer than vitest's default 5 s test timeout. Pass `numRuns` and
 * `interruptAfterTimeLimit` to `fc.assert` and a timeout to the test, or use `assertInvariants`, whose
 * defaults fit.
 */
export function invariantProperty(
  arb: fc.Arbitrary<Scenario>,
  options: CheckOptions = {},
): fc.IAsyncPropertyWithHooks<[Scenario]> {
  return fc.asyncProperty(arb, async (scenario) => {
    const { failed } = await checkScenario(scenario, options);
    if (failed.length > 0) throw new InvariantViolation(scenario, failed);
  });
}

export interface FoundViolation {
  /** The shrunk counterexample. */
  scenario: Scenario;
  /** Its failing reports (those that count), from a fresh run of it. */
  failed: InvariantReport[];
  /** All its reports. */
  reports: InvariantReport[];
  /** Runs fast-check needed to find the first failure (1 = the first scenario drawn failed). */
  runsToFind: number;
  /** Successful shrink steps from the first failure to this counterexample. */
  shrinks: number;
  /** fast-check's seed and path, to replay the search exactly. */
  seed: number;
  path: string | undefined;
}

export interface FindOptions extends CheckOptions {
  numRuns: number;
  seed?: number | undefined;
  /** Report the first failure as found, without shrinking it. */
  endOnFailure?: boolean | undefined;
}

/**
 * Searches for a scenario that breaks an invariant: runs fast-check, and returns its shrunk counterexample
 * with the reports of a fresh run of it, or undefined when every run held. A failure that is not an
 * invariant violation (the engine threw) is rethrown: that is a bug, not a finding.
 */
export async function findViolation(
  arb: fc.Arbitrary<Scenario>,
  options: FindOptions,
): Promise<FoundViolation | undefined> {
  const { numRuns, seed, endOnFailure, ...check } = options;
  const parameters: fc.Parameters<[Scenario]> = { numRuns };
  if (seed !== undefined) parameters.seed = seed;
  if (endOnFailure) parameters.endOnFailure = true;
  const details = await fc.check(invariantProperty(arb, check), parameters);
  if (!details.failed) return undefined;
  const counterexample = details.counterexample?.[0];
  const cause = details.errorInstance;
  if (!counterexample || !(cause instanceof InvariantViolation)) {
    throw new Error(
      `the property failed without an invariant violation (seed ${details.seed}, path ${details.counterexamplePath}): ${String(cause)}`,
      { cause },
    );
  }
  const again = await checkScenario(counterexample, check);
  return {
    scenario: counterexample,
    failed: again.failed,
    reports: again.reports,
    runsToFind: details.numRuns,
    shrinks: details.numShrinks,
    seed: details.seed,
    path: details.counterexamplePath ?? undefined,
  };
}

export interface AssertOptions extends CheckOptions {
  /** Scenarios to draw from an arbitrary. Default 20 (about 1.5 s of runs on a 2-core machine). */
  numRuns?: number | undefined;
  /**
   * Stop drawing after this many ms of wall time (fast-check's `interruptAfterTimeLimit`); the runs done
   * so far count, and the summary says it was interrupted. Default 3,000 ms: with the run in flight it
   * stays under vitest's default test timeout of 5 s on an idle machine; raise both together for a longer
   * search, and give a shared CI machine's tests a longer timeout.
   */
  timeLimitMs?: number | undefined;
  /** fast-check's seed, to replay a search; its path too, as a failure reports them. */
  seed?: number | undefined;
  path?: string | undefined;
}

/** What `assertInvariants` did when every run held. */
export interface AssertSummary {
  /** Scenarios run (1 for a single scenario). */
  runs: number;
  /** Whether the time limit stopped the search before `numRuns`. */
  interrupted: boolean;
  /** fast-check's seed (undefined for a single scenario). */
  seed: number | undefined;
}

const DEFAULT_ASSERT_RUNS = 20;
const DEFAULT_ASSERT_TIME_LIMIT_MS = 3_000;

/**
 * Runs one scenario, or scenarios drawn from an arbitrary, and throws an InvariantViolation (the first
 * violation, the others by name, the shrunk scenario as a file, and fast-check's seed and path to replay
 * it) when an invariant that counts fails. Resolves to what it ran otherwise.
 */
export async function assertInvariants(
  scenarioOrArbitrary: Scenario | fc.Arbitrary<Scenario>,
  options: AssertOptions = {},
): Promise<AssertSummary> {
  const { numRuns, timeLimitMs, seed, path, ...check } = options;
  if (!(scenarioOrArbitrary instanceof fc.Arbitrary)) {
    const { failed } = await checkScenario(scenarioOrArbitrary, check);
    if (failed.length > 0) throw new InvariantViolation(scenarioOrArbitrary, failed);
    return { runs: 1, interrupted: false, seed: undefined };
  }
  const runs = numRuns ?? DEFAULT_ASSERT_RUNS;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(`assertInvariants: numRuns must be a whole number of at least 1, got ${runs}`);
  }
  const parameters: fc.Parameters<[Scenario]> = {
    numRuns: runs,
    interruptAfterTimeLimit: timeLimitMs ?? DEFAULT_ASSERT_TIME_LIMIT_MS,
  };
  if (seed !== undefined) parameters.seed = seed;
  if (path !== undefined) parameters.path = path;
  const details = await fc.check(invariantProperty(scenarioOrArbitrary, check), parameters);
  if (details.interrupted && details.counterexample === null) {
    // fast-check counts a search that ran nothing as failed; a check that checked nothing must not pass either.
    if (details.numRuns === 0) {
      throw new Error(
        `assertInvariants: the time limit of ${parameters.interruptAfterTimeLimit} ms ended the search before one scenario ran; raise timeLimitMs (and the test's timeout with it)`,
      );
    }
    return { runs: details.numRuns, interrupted: true, seed: details.seed };
  }
  if (details.failed) {
    const counterexample = details.counterexample?.[0];
    const cause = details.errorInstance;
    if (!counterexample || !(cause instanceof InvariantViolation)) {
      throw new Error(
        `assertInvariants: the run failed without an invariant violation (seed ${details.seed}, path ${details.counterexamplePath}): ${String(cause)}`,
        { cause },
      );
    }
    const violation = new InvariantViolation(counterexample, cause.failed);
    violation.message += `\nreplay: { seed: ${details.seed}, path: '${details.counterexamplePath}' } (after ${details.numRuns} runs and ${details.numShrinks} shrinks)`;
    throw violation;
  }
  return { runs: details.numRuns, interrupted: details.interrupted, seed: details.seed };
}
