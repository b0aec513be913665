// Found by the fuzz suite (known failure cron-quoted-whole): the cross-checks quoted a whole invalid cron
// expression and core's CronExpression quoted it again, so a 5 MB cron gave a 10 MB ScenarioError. A cron
// expression is capped in length (MAX_CRON_CHARS), and a long one is quoted cut short wherever it is quoted.

import { describe, expect, test } from 'vitest';
import { CronExpression, quoteCron } from '../../src/core/cron';
import { MAX_CRON_CHARS } from '../../src/scenario/limits';
import { parseScenario, ScenarioError } from '../../src/scenario/schema';

const base = () => ({
  version: 1,
  seed: 1,
  durationMs: 60_000,
  hazards: [] as string[],
  jobs: [{ name: 'work', schedules: [{ cron: '*/5 * * * * *' }] }],
  servers: [{ id: 'a' }],
  actions: [] as unknown[],
});

/** The ScenarioError the input is refused with; fails the test if it is accepted or throws anything else. */
function refusal(input: unknown): ScenarioError {
  try {
    parseScenario(input, 'x.json');
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('the scenario was accepted');
}

const overCap = (path: string, length: number) =>
  `${path}: expected a cron expression of at most ${MAX_CRON_CHARS} characters, got "${'a'.repeat(60)}..." (${length} characters)`;

describe('the length of a cron expression', () => {
  test('a 5 MB cron in a job schedule or an addSchedule is refused by the cap, in a short message', () => {
    const long = 'a'.repeat(5_000_000);
    const inJob = base();
    inJob.jobs[0]!.schedules[0]!.cron = long;
    const jobError = refusal(inJob);
    expect(jobError.problems).toEqual([overCap('jobs[0].schedules[0].cron', 5_000_000)]);
    expect(jobError.message.length).toBeLessThan(500);
    const inAction = base();
    inAction.actions.push({ atMs: 0, type: 'addSchedule', job: 'work', cron: long });
    expect(refusal(inAction).problems).toEqual([overCap('actions[0].cron', 5_000_000)]);
  });

  test('the cap holds with H13 on too: it is about what a scenario costs, not about a valid crontab', () => {
    const scenario = base();
    scenario.hazards = ['crashOnBadCrontab'];
    scenario.jobs[0]!.schedules[0]!.cron = 'a'.repeat(MAX_CRON_CHARS + 1);
    expect(refusal(scenario).problems).toEqual([overCap('jobs[0].schedules[0].cron', MAX_CRON_CHARS + 1)]);
  });

  test('a cron of exactly the cap is judged as a cron: a valid one is accepted', () => {
    const seconds = Array.from({ length: 60 }, (_, second) => second).join(',');
    const cron = `${seconds}${' '.repeat(MAX_CRON_CHARS - seconds.length - 9)}* * * * *`;
    expect(cron).toHaveLength(MAX_CRON_CHARS);
    const scenario = base();
    scenario.jobs[0]!.schedules[0]!.cron = cron;
    expect(() => parseScenario(scenario)).not.toThrow();
  });

  test('an invalid cron under the cap is quoted cut short, by the cross-checks and by core alike', () => {
    const scenario = base();
    const cron = 'x'.repeat(MAX_CRON_CHARS);
    scenario.jobs[0]!.schedules[0]!.cron = cron;
    const [problem] = refusal(scenario).problems;
    const quoted = `"${'x'.repeat(60)}..." (${MAX_CRON_CHARS} characters)`;
    expect(problem).toBe(
      `jobs[0].schedules[0].cron: invalid cron expression ${quoted}: cron expression ${quoted} has 1 fields; it needs 5 (minute first) or 6 (seconds first)`,
    );
  });

  test('core quotes a long expression cut short, and a short one whole', () => {
    expect(() => new CronExpression('a'.repeat(1_000_000), 'UTC')).toThrow(
      /^cron expression "a{60}\.\.\." \(1000000 characters\) has 1 fields;/,
    );
    expect(() => new CronExpression('1 2 3', 'UTC')).toThrow(/^cron expression "1 2 3" has 3 fields;/);
    expect(quoteCron('* * * * *')).toBe('"* * * * *"');
    expect(quoteCron('b'.repeat(61))).toBe(`"${'b'.repeat(60)}..." (61 characters)`);
    // A cut never splits a character written as two UTF-16 units.
    expect(quoteCron(`${'c'.repeat(59)}😀${'d'.repeat(10)}`)).toBe(`"${'c'.repeat(59)}..." (71 characters)`);
  });
});
