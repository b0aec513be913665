import { Cron } from 'croner';
import { describe, expect, test, vi } from 'vitest';
import { CronExpression, backoffDelay, planTicks, resolveHazards, HAZARDS } from '../../src/core';
import { REPLAY_CAP, SKIPPED_COUNT_CAP } from '../../src/core/misfire';
import { findNonJson } from '../../src/core/json';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const everySecond = new CronExpression('* * * * * *', 'UTC');

describe('planTicks decides each tick once, by the misfire policy', () => {
  test('ticks found in time all fire, and the cursor moves to now', () => {
    expect(planTicks(everySecond, T0, T0 + 3_000, { kind: 'skip' })).toEqual({
      fire: [T0 + 1_000, T0 + 2_000, T0 + 3_000],
      skipped: 0,
      cursor: T0 + 3_000,
    });
  });

  test('a tick is never decided twice: the same window planned again fires nothing', () => {
    const first = planTicks(everySecond, T0, T0 + 2_500, { kind: 'backfill', limit: 10 });
    expect(planTicks(everySecond, first.cursor, T0 + 2_500, { kind: 'backfill', limit: 10 }).fire).toEqual(
      [],
    );
  });

  test('a clock that went backwards fires nothing and keeps the cursor', () => {
    expect(planTicks(everySecond, T0 + 10_000, T0 + 4_000, { kind: 'backfill', limit: 10 })).toEqual({
      fire: [],
      skipped: 0,
      cursor: T0 + 10_000,
    });
  });

  test('after a 60 s gap: skip fires only the on-time ticks, fireOnce adds the latest late one, backfill the latest N', () => {
    const now = T0 + 60_000;
    const threshold = { thresholdMs: 2_000 };
    const onTime = [now - 2_000, now - 1_000, now];
    expect(planTicks(everySecond, T0, now, { kind: 'skip', ...threshold })).toEqual({
      fire: onTime,
      skipped: 57,
      cursor: now,
    });
    expect(planTicks(everySecond, T0, now, { kind: 'fireOnce', ...threshold }).fire).toEqual([
      now - 3_000,
      ...onTime,
    ]);
    const backfill = planTicks(everySecond, T0, now, { kind: 'backfill', limit: 5, ...threshold });
    expect(backfill.fire).toEqual([
      now - 7_000,
      now - 6_000,
      now - 5_000,
      now - 4_000,
      now - 3_000,
      ...onTime,
    ]);
    expect(backfill.skipped).toBe(52);
  });

  test('replayAll (hazard H6) fires every missed tick whatever the policy', () => {
    const plan = planTicks(everySecond, T0, T0 + 30_000, { kind: 'skip', thresholdMs: 0 }, true);
    expect(plan.fire).toHaveLength(30);
    expect(plan.skipped).toBe(0);
  });

  test('after a day-long gap, backfill lists only what it fires and counts the skipped up to a cap', () => {
    const day = 86_400_000;
    const plan = planTicks(everySecond, T0, T0 + day, { kind: 'backfill', limit: 3, thresholdMs: 0 });
    // Three late ticks and the one at now, which is on time with a zero threshold.
    expect(plan.fire).toEqual([T0 + day - 3_000, T0 + day - 2_000, T0 + day - 1_000, T0 + day]);
    expect(plan.skipped).toBe(SKIPPED_COUNT_CAP);
  });

  test('a look costs what it fires, not what the policy could fire: croner walks only ticks in the window', () => {
    // Found by the hazard suite: asking croner for REPLAY_CAP previous runs walked 10,000 ticks back on
    // every look, ~0.4 s inside the database lock, even when the window held one tick.
    const previousRuns = vi.spyOn(Cron.prototype, 'previousRuns');
    const nextRun = vi.spyOn(Cron.prototype, 'nextRun');
    try {
      const plan = planTicks(everySecond, T0, T0 + 1_500, { kind: 'skip', thresholdMs: 200 }, true);
      expect(plan.fire).toEqual([T0 + 1_000]);
      const walked =
        previousRuns.mock.calls.reduce((sum, [count]) => sum + Number(count), 0) + nextRun.mock.calls.length;
      expect(walked).toBeLessThan(10);
      expect(REPLAY_CAP).toBeGreaterThan(1_000);
    } finally {
      previousRuns.mockRestore();
      nextRun.mockRestore();
    }
  });

  test('a schedule with no tick in the window, or never again, fires nothing', () => {
    const feb31 = new CronExpression('0 0 0 31 2 *', 'UTC');
    expect(planTicks(feb31, T0, T0 + 86_400_000, { kind: 'backfill', limit: 5 })).toEqual({
      fire: [],
      skipped: 0,
      cursor: T0 + 86_400_000,
    });
  });

  test('cron in a time zone: 9:00 in New York is 14:00 UTC in winter', () => {
    const nineInNewYork = new CronExpression('0 0 9 * * *', 'America/New_York');
    expect(nineInNewYork.nextAfter(T0)).toBe(T0 + 14 * 3_600_000);
  });
});

describe('backoff', () => {
  test('grows exponentially, is capped, and jitters within its bounds', () => {
    const policy = { baseMs: 1_000, factor: 2, maxMs: 10_000, jitter: 0.1 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay({ ...policy, jitter: 0 }, attempt, 0.5))).toEqual(
      [1_000, 2_000, 4_000, 8_000, 10_000, 10_000],
    );
    expect(backoffDelay(policy, 1, 0)).toBe(900);
    expect(backoffDelay(policy, 1, 0.999999)).toBe(1_100);
  });
});

describe('plain JSON', () => {
  test('accepts plain JSON and names the path of the first thing that is not', () => {
    expect(findNonJson({ a: [1, 'x', null, true, { b: -0.5 }] })).toBeUndefined();
    expect(findNonJson({ a: [1, { b: Infinity }] })).toEqual({
      path: 'params.a[1].b',
      reason: 'Infinity is not a finite number',
    });
    expect(findNonJson({ m: new Map() })).toEqual({
      path: 'params.m',
      reason: 'a Map is not a plain object',
    });
    // eslint-disable-next-line no-sparse-arrays
    expect(findNonJson({ s: [1, , 3] })).toEqual({ path: 'params.s[1]', reason: 'a hole in the array' });
    const shared = { x: 1 };
    expect(findNonJson({ a: shared, b: shared })).toBeUndefined();
  });
});

describe('hazard names', () => {
  test('accept names, codes and records, and every hazard has a code and an effect', () => {
    expect(resolveHazards(['H4', 'lateStepDown'])).toMatchObject({
      noFencing: true,
      lateStepDown: true,
      noTickRecord: false,
    });
    expect(resolveHazards({ deleteOnClaim: true })).toMatchObject({ deleteOnClaim: true });
    expect(Object.values(HAZARDS).map((h) => h.code)).toEqual(
      Array.from({ length: 13 }, (_, i) => `H${i + 1}`),
    );
    for (const hazard of Object.values(HAZARDS)) expect(hazard.effect.length).toBeGreaterThan(20);
  });
});
