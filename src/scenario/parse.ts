import * as v from 'valibot';
import type { Scenario } from './types';
import { CrossCheck } from './validation/crossChecks';
import { isPlainObject } from './validation/messages';
import { inFileOrder, problemOf, ScenarioError } from './validation/problems';
import { scenarioSchema } from './validation/scenarioSchema';

/**
 * Reading a scenario written by a person or printed by a shrinker, and saying what is wrong with it in terms
 * of the file: every problem as `path: expected X, got Y`. Two passes: valibot checks the shape (types,
 * ranges, unknown keys), then the cross-checks check what refers to what. A problem inside a part the shape
 * check refused is not reported again by the cross-checks.
 */

/** Checks a scenario and returns it as written (no defaults filled in), or throws a ScenarioError. */
export function parseScenario(input: unknown, source?: string): Scenario {
  const result = v.safeParse(scenarioSchema, input);
  const problems = (result.issues ?? []).map(problemOf);
  if (isPlainObject(input)) {
    const refused = problems.map((problem) => problem.path);
    const covered = (path: string) =>
      refused.some((bad) => path === bad || path.startsWith(`${bad}.`) || path.startsWith(`${bad}[`));
    problems.push(...new CrossCheck(input).run().filter((problem) => !covered(problem.path)));
  }
  if (problems.length > 0 || !result.success) throw new ScenarioError(inFileOrder(problems), source);
  return result.output;
}

/** Parses scenario JSON text; syntax errors name the source and the line and column. */
export function parseScenarioJson(text: string, source?: string): Scenario {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const { line, column } = lineAndColumn(body, syntaxErrorPosition(body, reason));
    throw new ScenarioError(
      [{ path: `line ${line}, column ${column}`, message: `invalid JSON: ${cleanJsonReason(reason)}` }],
      source,
    );
  }
  return parseScenario(value, source);
}

/**
 * Where JSON.parse gave up. V8 says so for most errors ("at position 12") but not for an unexpected token,
 * so for those the shortest prefix that fails for another reason than its end is found by bisection.
 */
function syntaxErrorPosition(text: string, reason: string): number {
  const stated = /at position (\d+)/.exec(reason);
  if (stated) return Number(stated[1]);
  const failsInside = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      return !(error instanceof Error && /end of JSON input/.test(error.message));
    }
  };
  if (!failsInside(text.length)) return text.length;
  let low = 0;
  let high = text.length;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (failsInside(middle)) high = middle;
    else low = middle;
  }
  return high - 1;
}

function cleanJsonReason(reason: string): string {
  return reason
    .replace(/ at position \d+.*$/s, '')
    .replace(/ in JSON$/, '')
    .replace(/, ".*" is not valid JSON$/s, '')
    .trim();
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, position));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}
