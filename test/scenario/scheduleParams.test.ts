// Found by the fuzz suite (known failure schedule-key-recursion): a schedule's params nested about 5,000
// deep threw RangeError (Maximum call stack size exceeded) from the parser, because the duplicate-schedule
// check keyed the raw params with JSON.stringify before the depth cap had been reported. Schedule params
// get the caps enqueue params get, reported at their path, and the duplicate check skips params that fail.

import { describe, expect, test } from 'vitest';
import {
  MAX_PARAMS_CHARS,
  MAX_PARAMS_DEPTH,
  MAX_TOTAL_PARAMS_CHARS,
  parseScenarioJson,
  ScenarioError,
} from '../../src/scenario/schema';

const base = () => ({
  version: 1,
  seed: 1,
  durationMs: 60_000,
  jobs: [{ name: 'work', schedules: [{ cron: '*/5 * * * * *' }] as Record<string, unknown>[] }],
  servers: [{ id: 'a' }],
  actions: [] as unknown[],
});

/** `{"a":{"a":...1...}}`, `depth` objects deep, as text (JSON.parse reads it; JSON.stringify could not write it). */
const nestedText = (depth: number, open = '{"a":', close = '}') =>
  `${open.repeat(depth)}1${close.repeat(depth)}`;

/** The scenario's text with `"params":<paramsText>` put in the object that holds `"marker":true`. */
const withParams = (scenario: object, paramsText: string) =>
  JSON.stringify(scenario).replace('"marker":true', `"params":${paramsText}`);

/** The problems the text is refused with; fails the test if it is accepted or throws anything else. */
function problemsOf(text: string): string[] {
  try {
    parseScenarioJson(text, 'x.json');
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  throw new Error('the scenario was accepted');
}

const tooDeep = (path: string) =>
  `${path}${'.a'.repeat(MAX_PARAMS_DEPTH)}: expected plain JSON, got objects and arrays nested more than ${MAX_PARAMS_DEPTH} deep`;

describe("a schedule's params get the caps an enqueue's do", () => {
  test('params nested 5,000 deep in jobs[].schedules[] are refused by the depth cap, with their path', () => {
    const scenario = base();
    scenario.jobs[0]!.schedules.push({ cron: '0 * * * *', marker: true });
    expect(problemsOf(withParams(scenario, nestedText(5_000)))).toEqual([
      tooDeep('jobs[0].schedules[1].params'),
    ]);
  });

  test('params nested 5,000 deep in an addSchedule are refused by the depth cap, with their path', () => {
    const scenario = base();
    scenario.actions.push({ atMs: 0, type: 'addSchedule', job: 'work', cron: '0 * * * *', marker: true });
    expect(problemsOf(withParams(scenario, nestedText(5_000)))).toEqual([tooDeep('actions[0].params')]);
  });

  test('params that are an array nested 5,000 deep are refused as not an object, not by the call stack', () => {
    const inJob = base();
    inJob.jobs[0]!.schedules.push({ cron: '0 * * * *', marker: true });
    const [jobProblem] = problemsOf(withParams(inJob, nestedText(5_000, '[', ']')));
    expect(jobProblem).toMatch(/^jobs\[0\]\.schedules\[1\]\.params: expected /);
    const inAction = base();
    inAction.actions.push({ atMs: 0, type: 'addSchedule', job: 'work', cron: '0 * * * *', marker: true });
    const [actionProblem] = problemsOf(withParams(inAction, nestedText(5_000, '[', ']')));
    expect(actionProblem).toMatch(/^actions\[0\]\.params: expected /);
  });

  test("a schedule's params over the size cap are refused at their path, and count towards the total", () => {
    const scenario = base();
    scenario.jobs[0]!.schedules[0]!.params = { blob: 'x'.repeat(MAX_PARAMS_CHARS) };
    expect(problemsOf(JSON.stringify(scenario))).toEqual([
      `jobs[0].schedules[0].params: expected params of at most ${MAX_PARAMS_CHARS} characters as JSON, got ${MAX_PARAMS_CHARS + 11}`,
    ]);
    const many = base();
    const blob = 'x'.repeat(60_000);
    many.jobs[0]!.schedules = Array.from({ length: 70 }, (_, at) => ({
      cron: `${at % 60} * * * *`,
      params: { blob, at },
    }));
    const [total] = problemsOf(JSON.stringify(many));
    expect(total).toMatch(
      new RegExp(
        `^jobs\\[0\\]\\.schedules\\[\\d+\\]\\.params: expected every job's params together to hold at most ${MAX_TOTAL_PARAMS_CHARS} characters`,
      ),
    );
  });

  test('the duplicate-schedule check still tells schedules apart by their params', () => {
    const scenario = base();
    scenario.jobs[0]!.schedules[0]!.params = { region: 'eu' };
    scenario.actions.push(
      { atMs: 0, type: 'addSchedule', job: 'work', cron: '*/5 * * * * *', params: { region: 'us' } },
      { atMs: 0, type: 'addSchedule', job: 'work', cron: '*/5 * * * * *', params: { region: 'eu' } },
    );
    expect(problemsOf(JSON.stringify(scenario))).toEqual([
      'actions[1]: expected a schedule that job "work" does not have yet, got the one jobs[0].schedules[0] has',
    ]);
  });
});
