import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseScenarioJson, scenarioArbitrary } from '../../../src/scenario';
import { runScenario } from '../../../src/sim/runScenario';
import { traceToJson } from '../../../src/sim/trace/trace';
import type { RunResult } from '../../../src/sim/runResult';
import type { InvariantReport } from '../../../src/verify';

/**
 * Verdict digests: what the checkers said about a run, reduced to what must not change when the checkers
 * are rewritten (ok, skipped text, message, atVt, evidence seqs, measurements), hashed short. The trace's
 * own hash sits beside it, so that a difference can be told apart: the simulator changed, or the checkers.
 */

export const SCENARIOS_DIR = join(import.meta.dirname, '../../../scenarios');
export const FIXTURES_DIR = join(import.meta.dirname, '../fixtures');
/** The fast-check seed the generated runs are sampled with. */
export const SAMPLE_SEED = 42;

export interface VerdictFixture {
  /** Per example scenario: its reports in full (few and small; readable in a diff). */
  examples: Record<string, { trace: string; verdicts: unknown[] }>;
  /** Per generated run, in sample order: `traceDigest verdictDigest`. */
  runs: string[];
}

const short = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** The parts of each report that must stay the same. */
export function verdicts(reports: readonly InvariantReport[]): unknown[] {
  return reports.map((report) => [
    report.id,
    report.ok,
    report.skipped ?? null,
    report.violation?.message ?? null,
    report.violation?.atVt ?? null,
    (report.violation?.evidence ?? []).map((entry) => entry.seq),
    report.measurements ?? null,
  ]);
}

export function runDigest(result: RunResult, reports: readonly InvariantReport[]): string {
  return `${short(traceToJson(result.trace))} ${short(JSON.stringify(verdicts(reports)))}`;
}

export function exampleFiles(): string[] {
  return readdirSync(SCENARIOS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort();
}

export async function exampleVerdicts(
  file: string,
  check: (result: RunResult) => InvariantReport[],
): Promise<{ trace: string; verdicts: unknown[] }> {
  const scenario = parseScenarioJson(readFileSync(join(SCENARIOS_DIR, file), 'utf8'), file);
  const result = await runScenario(scenario);
  return { trace: short(traceToJson(result.trace)), verdicts: verdicts(check(result)) };
}

/** The first `count` generated runs' digests, in order. */
export async function runDigests(
  count: number,
  check: (result: RunResult) => InvariantReport[],
  onRun?: (index: number) => void,
): Promise<string[]> {
  // The fixture was drawn before relative targets: without them, the same seed draws the same scenarios.
  const generated = scenarioArbitrary({ relativeTargets: false });
  const scenarios = fc.sample(generated, { numRuns: count, seed: SAMPLE_SEED });
  const digests: string[] = [];
  for (const scenario of scenarios) {
    const result = await runScenario(scenario);
    digests.push(runDigest(result, check(result)));
    onRun?.(digests.length);
  }
  return digests;
}

/** Compares digests; a line per difference, saying whether the trace changed too. */
export function compareRuns(expected: readonly string[], actual: readonly string[]): string[] {
  const problems: string[] = [];
  actual.forEach((digest, index) => {
    const want = expected[index];
    if (want === undefined || want === digest) return;
    const traceChanged = want.split(' ')[0] !== digest.split(' ')[0];
    problems.push(
      `run ${index}: verdicts differ${traceChanged ? ' (and so does the trace: the simulator changed)' : ''}`,
    );
  });
  return problems;
}
