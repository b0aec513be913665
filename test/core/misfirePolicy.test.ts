/**
 * A misfire policy is checked where it is given (the coordinator's options, a schedule), so a typo fails
 * at start with the option's path instead of firing the wrong ticks after an outage.
 */
import { describe, expect, test } from 'vitest';
import { InvalidOptionError, JobRegistry, type JobDefinition, type MisfirePolicy } from '../../src/core';

/** A job with one schedule; `misfire` is whatever a caller wrote there, checked or not. */
const job = (misfire?: unknown): JobDefinition => ({
  name: 'report',
  run: () => {},
  schedules: [
    { cron: '* * * * * *', ...(misfire === undefined ? {} : { misfire: misfire as MisfirePolicy }) },
  ],
});

/** The coordinator-wide policy, as `misfire` in the options. */
const withDefault = (misfire: unknown) => () =>
  new JobRegistry([job()], { misfire: misfire as MisfirePolicy });
/** One schedule's own policy. */
const withSchedule = (misfire: unknown) => () => new JobRegistry([job(misfire)]);

describe('misfire policies are checked where they are written', () => {
  test('every documented policy is accepted, with and without a threshold, at the smallest allowed values', () => {
    for (const policy of [
      { kind: 'skip' },
      { kind: 'fireOnce', thresholdMs: 0 },
      { kind: 'backfill', limit: 1 },
      { kind: 'backfill', limit: 100, thresholdMs: 5_000 },
    ]) {
      expect(withDefault(policy)).not.toThrow();
      expect(withSchedule(policy)).not.toThrow();
    }
  });

  test('an unknown kind names the kinds there are', () => {
    expect(withDefault({ kind: 'replay' })).toThrow(InvalidOptionError);
    expect(withDefault({ kind: 'replay' })).toThrow('misfire.kind: expected one of skip, fireOnce, backfill');
    expect(withSchedule({ kind: '' })).toThrow(
      'job "report": schedules[0].misfire.kind: expected one of skip, fireOnce, backfill',
    );
  });

  test('backfill needs a whole limit of at least 1', () => {
    for (const limit of [0, -1, 1.5, undefined, Number.NaN]) {
      expect(withDefault({ kind: 'backfill', limit })).toThrow(
        `misfire.limit: expected a whole number >= 1, got ${String(limit)}`,
      );
    }
  });

  test('a threshold must be a finite number of ms, 0 or more', () => {
    for (const thresholdMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(withDefault({ kind: 'skip', thresholdMs })).toThrow(
        `misfire.thresholdMs: expected a number >= 0, got ${thresholdMs}`,
      );
      expect(withSchedule({ kind: 'fireOnce', thresholdMs })).toThrow(
        `job "report": schedules[0].misfire.thresholdMs: expected a number >= 0, got ${thresholdMs}`,
      );
    }
  });
});
