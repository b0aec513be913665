import fc from 'fast-check';
import { expect, it } from 'vitest';
import { fuzzScenarioCase } from './harness';
import { scenarioCaseArbitrary } from './mutations';
import { QUICK_RUN, QUICK_RUN_ONE_IN } from './settings';
import { FuzzTally } from './tally';

/**
 * Issue 9 section 6: the parser, on mutated example scenarios (dropped, duplicated and retyped fields,
 * extreme numbers, deep nesting, long strings, prototype keys, ids nothing defines, broken JSON text),
 * rejects each with problems that name a field path, or accepts it, and what it accepts prints and reads
 * back and (a sampled one in QUICK_RUN_ONE_IN) runs. Any other outcome fails with the shrunk case.
 * The long run is `npm run test:fuzz`.
 */

const CASES = 1_600;

it(`${CASES} mutated example scenarios are each rejected with field paths or accepted, and run when sampled`, async () => {
  const tally = new FuzzTally();
  await fc.assert(
    fc.asyncProperty(
      scenarioCaseArbitrary({ scale: 'quick', runOneIn: QUICK_RUN_ONE_IN }),
      async (scenarioCase) => {
        tally.record(await fuzzScenarioCase(scenarioCase, QUICK_RUN));
      },
    ),
    // A fixed seed: `npm test` checks the same cases each time; the long run draws new ones.
    { numRuns: CASES, seed: 9_06 },
  );
  // The mix is what makes the suite worth running: both ways out are taken, and some runs happen.
  expect(tally.cases).toBe(CASES);
  expect(tally.rejected).toBeGreaterThan(CASES * 0.3);
  expect(tally.accepted).toBeGreaterThan(CASES * 0.1);
  expect(tally.ran + tally.budget).toBeGreaterThan(0);
  expect(tally.rejectedAt.size).toBeGreaterThan(20);
}, 600_000);
