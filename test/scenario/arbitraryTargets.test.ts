import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { scenarioArbitrary } from '../../src/scenario/arbitraries/scenarioArbitrary';
import { parseScenario } from '../../src/scenario/schema';
import { SERVER_TARGETS, targetOf } from '../../src/scenario/targets';

describe('the arbitraries and relative targets', () => {
  test('a quarter or so of the scenarios name a server by a relative target; every one of them parses', () => {
    const scenarios = fc.sample(scenarioArbitrary(), { numRuns: 400, seed: 5 });
    const targeted = scenarios.filter((scenario) => scenario.actions.some((action) => targetOf(action)));
    expect(targeted.length).toBeGreaterThan(40);
    expect(targeted.length).toBeLessThan(160);
    const written = new Set(targeted.flatMap((scenario) => scenario.actions.map(targetOf).filter(Boolean)));
    expect([...written].sort()).toEqual([...SERVER_TARGETS].sort());
    for (const scenario of targeted) expect(parseScenario(scenario)).toEqual(scenario);
    // Never a restart of the leader, which could only be refused.
    for (const scenario of targeted)
      for (const action of scenario.actions)
        if (action.type === 'restart') expect(targetOf(action)).not.toBe('@leader');
  });

  test('switched off, the same seed draws the same scenarios with their ids in place', () => {
    const on = fc.sample(scenarioArbitrary(), { numRuns: 200, seed: 9 });
    const off = fc.sample(scenarioArbitrary({ relativeTargets: false }), { numRuns: 200, seed: 9 });
    expect(off.some((scenario) => scenario.actions.some((action) => targetOf(action)))).toBe(false);
    // Put each target's id back (the one the draw without targets has there): the scenarios are equal.
    const restored = on.map((scenario, index) => ({
      ...scenario,
      actions: scenario.actions.map((action, at) => (targetOf(action) ? off[index]!.actions[at]! : action)),
    }));
    expect(restored).toEqual(off);
    expect(
      on.filter((scenario, index) => JSON.stringify(scenario) !== JSON.stringify(off[index])).length,
    ).toBeGreaterThan(20);
  });
});
