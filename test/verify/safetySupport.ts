import { readFileSync } from 'node:fs';
import { parseScenarioJson } from '../../src/scenario/schema';
import type { Scenario } from '../../src/scenario/types';
import { runScenario } from '../../src/sim';
import type { RunResult } from '../../src/sim/runResult';
import type { TraceEntry } from '../../src/sim/trace/trace';
import { checkAll, type InvariantId, type InvariantReport } from '../../src/verify/checkers';

/** A scenario file of test/verify/fixtures/safety (or, with a path, of the repository). */
export function safetyScenario(
  name: string,
  change: (scenario: Scenario) => void = () => undefined,
): Scenario {
  const path = name.includes('/') ? name : `test/verify/fixtures/safety/${name}.json`;
  const scenario = parseScenarioJson(readFileSync(path, 'utf8'), path);
  change(scenario);
  return scenario;
}

/** Runs a scenario with its liveness phase and checks it: the run, and the report of each invariant. */
export async function runAndCheck(
  scenario: Scenario,
): Promise<{ result: RunResult; report: (id: InvariantId) => InvariantReport }> {
  const result = await runScenario(scenario);
  const reports = checkAll(result);
  return {
    result,
    report: (id) => {
      const found = reports.find((report) => report.id === id);
      if (!found) throw new Error(`no report for ${id}`);
      return found;
    },
  };
}

/** The coordinator events of one type in a trace (of one server, if given). */
export function events(result: RunResult, type: string, server?: string): TraceEntry[] {
  return result.trace.filter(
    (entry) =>
      entry.source === 'coordinator' &&
      entry.type === type &&
      (server === undefined || entry.server === server),
  );
}

/** A report's measurement as a number. */
export function measured(report: InvariantReport, name: string): number {
  const value = report.measurements?.[name];
  if (typeof value !== 'number') throw new Error(`${report.id} has no measurement ${name}`);
  return value;
}
