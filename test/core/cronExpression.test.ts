/**
 * Cron expressions have 5 fields (minute first) or 6 (seconds first), as the README and the playground
 * say. croner also takes a seventh field, a year; accepted silently, "0 0 0 1 1 * 2020" would be a
 * schedule that never fires again. It is refused where the job is defined and where a scenario is read.
 */
import { describe, expect, test } from 'vitest';
import { defineJob, InvalidCronError } from '../../src/core';
import { CronExpression } from '../../src/core/cron';
import { parseScenario } from '../../src/scenario/parse';

const withYear = '0 0 0 1 1 * 2030';

describe('the number of fields of a cron expression', () => {
  test('5 and 6 fields are accepted, and fire where they say', () => {
    const start = Date.UTC(2030, 0, 1, 0, 0, 0);
    expect(new CronExpression('*/5 * * * *', 'UTC').nextAfter(start)).toBe(start + 5 * 60_000);
    expect(new CronExpression('*/5 * * * * *', 'UTC').nextAfter(start)).toBe(start + 5_000);
  });

  test('7 fields (a year) are refused, naming the expression and the count', () => {
    expect(() => new CronExpression(withYear, 'UTC')).toThrow(
      `cron expression "${withYear}" has 7 fields; it needs 5 (minute first) or 6 (seconds first)`,
    );
    expect(() => new CronExpression('*  *\t* *', 'UTC')).toThrow(`"*  *\\t* *" has 4 fields`);
  });

  test('a job defined with a 7-field cron fails at definition time, naming the job', () => {
    const job = { name: 'yearly', run: () => {}, schedules: [{ cron: withYear }] };
    expect(() => defineJob(job)).toThrow(InvalidCronError);
    expect(() => defineJob(job)).toThrow(`job "yearly": invalid cron expression "${withYear}": `);
  });

  test('a scenario with a 7-field cron is refused with the field path', () => {
    const scenario = {
      version: 1,
      name: 'year field',
      durationMs: 10_000,
      jobs: [{ name: 'tick', schedules: [{ cron: withYear }] }],
      servers: [{ id: 'a' }],
    };
    expect(() => parseScenario(scenario)).toThrow(/jobs\[0\]\.schedules\[0\]\.cron.*has 7 fields/s);
  });
});

test('a cron of a megabyte is quoted cut short in the error, which stays a few hundred characters', () => {
  const huge = `${'61,'.repeat(400_000)}1 * * * * *`;
  let message = '';
  try {
    defineJob({ name: 'huge', schedules: [{ cron: huge }], run: () => undefined });
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toMatch(/^job "huge": invalid cron expression "61,61,61,/);
  expect(message).toContain(`(${huge.length} characters)`);
  expect(message.length).toBeLessThan(1_000);
});
