// assertInvariants: what a suite calls to check one scenario, or scenarios drawn from an arbitrary.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenarioJson, scenarioArbitrary } from '../../src/scenario/index.js';
import { assertInvariants, InvariantViolation } from '../../src/verify/index.js';

const scenarioFile = (name: string) =>
  parseScenarioJson(readFileSync(new URL(`../../scenarios/${name}`, import.meta.url), 'utf8'), name);

describe('assertInvariants', () => {
  it('passes a scenario whose invariants hold, and says it ran one', async () => {
    await expect(assertInvariants(scenarioFile('leader-crash-failover.json'))).resolves.toEqual({
      runs: 1,
      interrupted: false,
      seed: undefined,
    });
  });

  it('throws an InvariantViolation naming the invariant and carrying the scenario', async () => {
    const error = await assertInvariants(scenarioFile('hazard-null-heartbeat.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvariantViolation);
    const violation = error as InvariantViolation;
    expect(violation.failed.map((report) => report.id)).toContain('I8');
    expect(violation.message).toMatch(/^I\d /);
    expect(violation.message).toContain('scenario:\n{');
  });

  it('draws as many scenarios from an arbitrary as asked', async () => {
    const summary = await assertInvariants(scenarioArbitrary(), {
      numRuns: 4,
      seed: 11,
      timeLimitMs: 60_000,
    });
    expect(summary).toEqual({ runs: 4, interrupted: false, seed: 11 });
  });

  it('shrinks a failure from an arbitrary and says how to replay it', async () => {
    const error = await assertInvariants(scenarioArbitrary({ hazards: ['H9'] }), {
      numRuns: 30,
      seed: 5,
      timeLimitMs: 60_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvariantViolation);
    expect((error as Error).message).toMatch(/replay: \{ seed: 5, path: '[\d:]+' \}/);
    expect((error as InvariantViolation).failed.map((report) => report.id)).toContain('I2');
  });

  it('stops drawing at the time limit and says so', async () => {
    const summary = await assertInvariants(scenarioArbitrary(), { numRuns: 1_000, timeLimitMs: 1_500 });
    expect(summary.interrupted).toBe(true);
    expect(summary.runs).toBeGreaterThan(0);
    expect(summary.runs).toBeLessThan(1_000);
  });

  it('fails, rather than passes, when the time limit leaves no room for one run', async () => {
    // Drawing a scenario takes longer than the limit, so the limit has passed before the first run starts.
    const slowToDraw = scenarioArbitrary().map((scenario) => {
      const until = performance.now() + 30;
      while (performance.now() < until);
      return scenario;
    });
    await expect(assertInvariants(slowToDraw, { numRuns: 5, timeLimitMs: 5 })).rejects.toThrow(
      'the time limit of 5 ms ended the search before one scenario ran; raise timeLimitMs',
    );
  });

  it('refuses a number of runs that is not a whole number of at least 1', async () => {
    await expect(assertInvariants(scenarioArbitrary(), { numRuns: 0 })).rejects.toThrow(
      'numRuns must be a whole number of at least 1, got 0',
    );
  });
});
