/**
 * I7 determinism as a property: the same scenario and seed give the same trace, byte for byte, and the
 * same final tables. Each scenario is run twice from scratch (a fresh conductor, database and servers),
 * once with every hazard off and once with a random set of hazards on, whose code paths differ.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { HazardCode } from '../../src/core/hazards';
import { scenarioArbitrary } from '../../src/scenario/arbitraries/scenarioArbitrary';
import { checkDeterminism } from '../../src/verify/checkers';
import { runScenario } from '../../src/sim/runScenario';
import type { Scenario } from '../../src/scenario/types';
import { serializeScenario } from '../../src/scenario/schema';
import { propertySeed, reportRate } from './support';

/**
 * A hang detector, not a speed target: 500 runs take about 50 s on an idle 2-core machine and over 150 s
 * when other work shares it (seen with a load average of 10), so the limit leaves room for a busy machine.
 */
const PROPERTY_TIMEOUT_MS = 400_000;

/**
 * 200 runs each keep `npm test` within its 15-minute budget on a 2-core machine (500 each took four of those
 * minutes); `npm run test:soak` draws thousands more, from new seeds.
 */
const NUM_RUNS = 200;
const SEED = 20_261_128;

/** H13 is left out: it needs an invalid cron expression, which only it accepts. */
const HAZARD_CODES: HazardCode[] = [
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'H7',
  'H8',
  'H9',
  'H10',
  'H11',
  'H12',
];

const withHazards = fc
  .tuple(scenarioArbitrary(), fc.subarray(HAZARD_CODES, { minLength: 1 }))
  .map(([scenario, hazards]): Scenario => ({ ...scenario, hazards }));

const sameTwice = (arb: fc.Arbitrary<Scenario>) =>
  fc.asyncProperty(arb, async (scenario) => {
    const one = await runScenario(scenario);
    const two = await runScenario(scenario);
    const report = checkDeterminism(one, two);
    if (!report.ok) {
      throw new Error(
        `I7 determinism: ${report.violation?.message}\nscenario:\n${serializeScenario(scenario)}`,
      );
    }
    // The checker and a plain comparison agree.
    expect(JSON.stringify(two.trace)).toBe(JSON.stringify(one.trace));
    expect(JSON.stringify(two.final)).toBe(JSON.stringify(one.final));
  });

describe('I7 determinism', () => {
  test(
    `the same scenario twice gives identical traces and tables (${NUM_RUNS} runs, hazards off)`,
    async () => {
      const seed = propertySeed(SEED);
      const started = performance.now();
      await fc.assert(sameTwice(scenarioArbitrary()), { numRuns: NUM_RUNS, seed });
      reportRate('determinism (hazards off)', NUM_RUNS, started, seed, 2);
    },
    PROPERTY_TIMEOUT_MS,
  );

  test(
    `the same scenario twice gives identical traces and tables (${NUM_RUNS} runs, random hazards on)`,
    async () => {
      const seed = propertySeed(SEED + 1);
      const started = performance.now();
      await fc.assert(sameTwice(withHazards), { numRuns: NUM_RUNS, seed });
      reportRate('determinism (random hazards)', NUM_RUNS, started, seed, 2);
    },
    PROPERTY_TIMEOUT_MS,
  );
});
