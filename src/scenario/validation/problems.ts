import type * as v from 'valibot';
import { KEY_ORDER } from '../keyOrder.js';

/** More than this many problems in one file are counted, not listed: the first ones are usually the cause. */
const MAX_PROBLEMS_LISTED = 30;

/** One thing wrong with a scenario: where (`actions[3].server`) and what (`expected ..., got ...`). */
export interface ScenarioProblem {
  path: string;
  message: string;
}

/** A scenario that cannot run, with every problem as `path: expected X, got Y`. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
  /** Each problem as one line, `path: message`. */
  readonly problems: string[];

  /**
   * @param omitted problems found but not kept (past MAX_PROBLEMS_KEPT): counted in the message only.
   */
  constructor(
    readonly issues: ScenarioProblem[],
    readonly source?: string,
    readonly omitted = 0,
  ) {
    const problems = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
    const total = problems.length + omitted;
    const listed = problems.slice(0, MAX_PROBLEMS_LISTED);
    if (total > listed.length) listed.push(`... and ${total - listed.length} more`);
    const count = total === 1 ? '1 problem' : `${total} problems`;
    super(`${source ?? 'scenario'}: invalid scenario (${count}):\n  ${listed.join('\n  ')}`);
    this.problems = problems;
  }
}

/** A path as the file's reader writes it: `actions[3].server`. */
function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out;
}

/** A valibot issue as a problem of the file. */
export function problemOf(issue: v.BaseIssue<unknown>): ScenarioProblem {
  const keys = (issue.path ?? []).map((item) => item.key as string | number);
  // An unknown key is a problem of the object that holds it.
  if (issue.expected === 'never') keys.pop();
  return { path: formatPath(keys) || 'scenario', message: issue.message };
}

/** Problems sorted by where they are in the file: top-level key, then item; stable otherwise. */
export function inFileOrder(problems: ScenarioProblem[]): ScenarioProblem[] {
  const rank = (path: string): [number, number] => {
    const top = /^(\w+)(?:\[(\d+)\])?/.exec(path);
    const at = top ? (KEY_ORDER.scenario as readonly string[]).indexOf(top[1]!) : -1;
    return [at < 0 ? -1 : at, top?.[2] === undefined ? -1 : Number(top[2])];
  };
  return problems
    .map((problem, position) => ({ problem, position, rank: rank(problem.path) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.position - b.position)
    .map(({ problem }) => problem);
}
