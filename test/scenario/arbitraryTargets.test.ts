import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { scenarioArbitrary } from '../../src/scenario/arbitraries/scenarioArbitrary';
import { parseScenario } from '../../src/scenario/schema';
import { SERVER_TARGETS, targetOf } from '../../src/scenario/targets';

describe('the arbitraries and relative targets', () => {
  test('some scenarios name a server by a relative target, every kind of them; every one of them parses', () => {
    const scenarios = fc.sample(scenarioArbitrary(), { numRuns: 400, seed: 5 });
    const targeted = scenarios.filter((scenario) => scenario.actions.some((action) => targetOf(action)));
    expect(targeted.length).toBeGreaterThan(40);
    expect(targeted.length).toBeLessThan(200);
    const written = new Set(targeted.flatMap((scenario) => scenario.actions.map(targetOf).filter(Boolean)));
    expect([...written].sort()).toEqual([...SERVER_TARGETS].sort());
    for (const scenario of targeted) expect(parseScenario(scenario)).toEqual(scenario);
  });

  test("switched off, no scenario names a target; a fault's end names the server it fits", () => {
    const off = fc.sample(scenarioArbitrary({ relativeTargets: false }), { numRuns: 300, seed: 9 });
    expect(off.some((scenario) => scenario.actions.some((action) => targetOf(action)))).toBe(false);
    const on = fc.sample(scenarioArbitrary(), { numRuns: 300, seed: 9 });
    for (const scenario of on)
      for (const action of scenario.actions)
        if (['restart', 'resume', 'heal'].includes(action.type) && targetOf(action))
          expect(targetOf(action)).toBe('@any');
  });
});
