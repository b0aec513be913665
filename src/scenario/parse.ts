import * as v from 'valibot';
import { MAX_PROBLEMS_KEPT } from './limits.js';
import { jsonErrorOffset, lineAndColumn } from './jsonSyntax.js';
import type { Scenario } from './types.js';
import { listCapProblems } from './validation/caps.js';
import { CrossCheck, type CrossCheckOptions } from './validation/crossChecks.js';
import { isPlainObject } from './validation/messages.js';
import { inFileOrder, problemOf, ScenarioError, type ScenarioProblem } from './validation/problems.js';
import { scenarioSchema } from './validation/scenarioSchema.js';

/**
 * Reading a scenario written by a person or printed by a shrinker, and saying what is wrong with it in terms
 * of the file: every problem as `path: expected X, got Y`. Three passes: the caps on the lists' lengths
 * (a list past its cap is refused before it is walked), valibot checks the shape (types, ranges, unknown
 * keys), then the cross-checks check what refers to what and what the scenario costs. A problem inside a
 * part the shape check refused is not reported again by the cross-checks.
 */

export type ParseOptions = CrossCheckOptions;

/** Checks a scenario and returns it as written (no defaults filled in), or throws a ScenarioError. */
export function parseScenario(input: unknown, source?: string, options: ParseOptions = {}): Scenario {
  const oversized = listCapProblems(input);
  if (oversized.length > 0) throw new ScenarioError(oversized, source);
  const result = v.safeParse(scenarioSchema, input);
  const problems: ScenarioProblem[] = [];
  let omitted = 0;
  const issues = result.issues ?? [];
  for (const issue of issues) {
    if (problems.length < MAX_PROBLEMS_KEPT) problems.push(problemOf(issue));
    else omitted++;
  }
  if (isPlainObject(input)) {
    const refused = new Set(problems.map((problem) => problem.path));
    const check = new CrossCheck(input, options);
    for (const problem of check.run()) {
      if (isCovered(problem.path, refused)) continue;
      if (problems.length < MAX_PROBLEMS_KEPT) problems.push(problem);
      else omitted++;
    }
    omitted += check.omitted;
  }
  if (problems.length > 0 || !result.success) throw new ScenarioError(inFileOrder(problems), source, omitted);
  return result.output;
}

/** Whether `path` is inside (or is) one of the refused paths: `actions[3].server` is inside `actions[3]`. */
function isCovered(path: string, refused: ReadonlySet<string>): boolean {
  if (refused.has(path)) return true;
  for (let at = path.length - 1; at > 0; at--) {
    const c = path[at];
    if ((c === '.' || c === '[') && refused.has(path.slice(0, at))) return true;
  }
  return false;
}

/** Parses scenario JSON text; syntax errors name the source and the line and column. */
export function parseScenarioJson(text: string, source?: string, options: ParseOptions = {}): Scenario {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const stated = /at position (\d+)/.exec(reason);
    const offset = jsonErrorOffset(body) ?? (stated ? Number(stated[1]) : 0);
    const { line, column } = lineAndColumn(body, offset);
    throw new ScenarioError(
      [{ path: `line ${line}, column ${column}`, message: `invalid JSON: ${cleanJsonReason(reason)}` }],
      source,
    );
  }
  return parseScenario(value, source, options);
}

function cleanJsonReason(reason: string): string {
  return (
    reason
      .replace(/ at position \d+.*$/s, '')
      .replace(/ in JSON$/, '')
      // V8 quotes the text, or a part of it between "...", after an unexpected token.
      .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '')
      .trim()
  );
}
