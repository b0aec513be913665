import { describe, expect, it, vi } from 'vitest';
import type { RunOptions } from '../../src/sim';
import type { RunResult } from '../../src/sim/runResult';
import { checkAll } from '../../src/verify';
import { checkScenario } from '../../src/verify/properties';
import { RunBuilder } from './checkers/build';

/**
 * Early stop, on the verify side. This stands in for runScenario's `onEntries` hook as its contract says
 * (entries as they come, in steps; true ends the run, whose result is the run so far; the real hook is
 * tested in test/sim/runScenarioEntries.test.ts), over a hand-built run in which a violation is judged at once: a second claim while the first is live, proven by the first holder's
 * completion at seq 8, then a long quiet tail of heartbeats.
 */
function overlappingClaims(): RunResult {
  const run = new RunBuilder();
  run.elected(0, 'a', 1);
  run.enqueued(10, 'a', '1');
  run.claimed(100, 'a', '1', 1);
  run.claimed(200, 'b', '1', 2);
  // a renews its lease all along (its 3 s lease must not lapse: that would be an I3 overlap of its own).
  for (let vt = 1_000; vt < 5_000; vt += 1_000) run.heartbeat(vt, 'a', 1);
  run.completed(5_000, 'a', '1', 1);
  for (let vt = 6_000; vt < 60_000; vt += 1_000) run.heartbeat(vt, 'a', 1);
  run.endedAt = 59_500; // within the last heartbeat's lease
  return run.build();
}

const STEP = 10;
let calls = 0;

vi.mock('../../src/sim', async (importOriginal) => {
  const sim = await importOriginal<typeof import('../../src/sim')>();
  return {
    ...sim,
    runScenario: (_scenario: unknown, options: RunOptions = {}) => {
      calls++;
      const whole = overlappingClaims();
      const hook = options.onEntries;
      if (!hook) return Promise.resolve(whole);
      for (let length = 0; length < whole.trace.length; length += STEP) {
        if (hook(whole.trace.slice(length, length + STEP), whole.timings) === true) {
          const trace = whole.trace.slice(0, length + STEP);
          return Promise.resolve({ ...whole, trace, endedAt: trace[trace.length - 1]!.vt, healedAt: null });
        }
      }
      return Promise.resolve(whole);
    },
  };
});

const scenario = overlappingClaims().scenario;

describe('checkScenario with stopAtFirstViolation', () => {
  it('ends the run at the step where a counted checker judged a violation, and reports that prefix', async () => {
    const stopped = await checkScenario(scenario, { stopAtFirstViolation: true });
    expect(calls).toBe(1);
    expect(stopped.result.trace.length).toBe(STEP);
    expect(stopped.failed.map((report) => report.id)).toEqual(['I1']);
    expect(stopped.failed[0]?.violation?.atVt).toBe(200);
    expect(stopped.reports).toEqual(checkAll(stopped.result));
  });

  it('goes on to the end when the violations found at once do not count, or without the option', async () => {
    const whole = await checkScenario(scenario);
    const ignored = await checkScenario(scenario, { ignore: ['I1'], stopAtFirstViolation: true });
    expect(ignored.result.trace.length).toBe(whole.result.trace.length);
    expect(ignored.reports).toEqual(whole.reports);
    expect(whole.failed.map((report) => report.id)).toEqual(['I1']);
  });
});
