// Issue 9 section 3: every run has a budget and says how far it got when it goes over it; the liveness
// phase is sized by how long an attempt can really take.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseScenarioJson } from '../../src/scenario/schema';
import type { Scenario } from '../../src/scenario/types';
import { Conductor, defaultMaxEvents, RunBudgetError, runScenario } from '../../src/sim';

const example = (stem: string): Scenario =>
  parseScenarioJson(
    readFileSync(join(import.meta.dirname, '../../scenarios', `${stem}.json`), 'utf8'),
    `${stem}.json`,
  );

async function budgetErrorOf(run: Promise<unknown>): Promise<RunBudgetError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof RunBudgetError) return error;
    throw error;
  }
  throw new Error('the run ended within its budget');
}

describe('the run budget', () => {
  test('a run over maxEvents stops with how far it got and how to raise it, at the same entry every time', async () => {
    const scenario = example('three-servers');
    const first = await budgetErrorOf(runScenario(scenario, { maxEvents: 50 }));
    expect(first.budget).toBe('events');
    expect(first.progress.events).toBeGreaterThan(50);
    expect(first.progress.reachedMs).toBeGreaterThan(0);
    expect(first.progress.reachedMs).toBeLessThan(first.progress.endMs);
    expect(first.message).toMatch(
      /^the run went over its budget of 50 trace entries at \d+\.\d{3}s of \d+\.\d{3}s virtual time \(\d+%\), \d+ trace entries; raise it with --max-events N \(RunOptions\.maxEvents\)$/,
    );
    const again = await budgetErrorOf(runScenario(scenario, { maxEvents: 50 }));
    expect(again.progress).toEqual(first.progress);
  });

  test('the default budget leaves an ordinary run alone, with room to spare', async () => {
    const scenario = example('three-servers');
    const result = await runScenario(scenario);
    const endMs = result.endedAt - result.trace[0]!.vt;
    expect(defaultMaxEvents(scenario, endMs)).toBeGreaterThan(10 * result.trace.length);
  });

  test('a wall-time budget reads only the clock it is given', async () => {
    let wall = 0;
    const error = await budgetErrorOf(
      runScenario(example('three-servers'), { maxWallMs: 5_000, wallClock: () => (wall += 1_000) }),
    );
    expect(error.budget).toBe('wall');
    expect(error.message).toMatch(/wall-time budget of 5\.000s at .*; raise it with --max-wall T/);
    await expect(runScenario(example('three-servers'), { maxWallMs: 5 })).rejects.toThrow(
      'maxWallMs and wallClock go together',
    );
  });
});

describe('the liveness phase', () => {
  const oneJob = (job: Record<string, unknown>): Scenario => ({
    version: 1,
    seed: 1,
    durationMs: 10_000,
    jobs: [{ name: 'long', ...job }],
    servers: [{ id: 'a' }],
    actions: [{ atMs: 0, type: 'enqueue', server: 'a', job: 'long' }],
  });
  const livenessOf = async (scenario: Scenario) => {
    const conductor = await Conductor.create(scenario);
    try {
      return conductor.livenessMs();
    } finally {
      conductor.dispose();
    }
  };

  // Defaults: leadership timeout 15 s, two heartbeats of 5 s, a claim lease of 30 s.
  const BASE_MS = 15_000 + 2 * 5_000 + 30_000;

  test('a job of a day with a 2 s timeout gets minutes of recovery, not six days', async () => {
    const timedOut = await livenessOf(oneJob({ durationMs: 86_400_000, timeoutMs: 2_000 }));
    // Its attempts all time out: six of them at most 2 s each, and the backoffs between them.
    expect(timedOut).toBe(BASE_MS + 70_000 + 6 * 2_000);
    expect(timedOut).toBeLessThan(5 * 60_000);
  });

  test('with no attempt that can fail there are no retries to wait for: one attempt is left', async () => {
    expect(await livenessOf(oneJob({ durationMs: 2_000 }))).toBe(BASE_MS + 2_000);
    // A failure rate, now or after a setJob, or an attempt as long as its timeout, brings the retries back.
    expect(await livenessOf(oneJob({ durationMs: 2_000, failureRate: 0.1 }))).toBe(BASE_MS + 70_000 + 12_000);
    const failingLater = oneJob({ durationMs: 2_000 });
    failingLater.actions.push({ atMs: 5_000, type: 'setJob', job: 'long', failureRate: 0.5 });
    expect(await livenessOf(failingLater)).toBe(BASE_MS + 70_000 + 12_000);
    expect(await livenessOf(oneJob({ durationMs: 2_000, timeoutMs: 2_000 }))).toBe(BASE_MS + 70_000 + 12_000);
  });

  test('without a timeout, the default one (60 s) cuts the attempt short; a setJob that lengthens a job counts', async () => {
    const day = await livenessOf(oneJob({ durationMs: 86_400_000 }));
    expect(day).toBe(await livenessOf(oneJob({ durationMs: 60_000, failureRate: 0.5 })));
    const lengthened = oneJob({ durationMs: 10, timeoutMs: 600_000 });
    lengthened.actions.push({ atMs: 5_000, type: 'setJob', job: 'long', durationMs: 300_000 });
    expect(await livenessOf(lengthened)).toBe(
      await livenessOf(oneJob({ durationMs: 300_000, timeoutMs: 600_000 })),
    );
  });
});
