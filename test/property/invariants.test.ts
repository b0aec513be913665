/**
 * With every hazard off, invariants I1-I6 and I8 hold on any scenario the generator draws: crashes (some inside a
 * transaction), pauses longer than the lease, cut-offs, graceful stops, restarts, clock offsets and drift,
 * database skew. Each run has a fault phase and then a liveness phase (the engine heals everything), as in
 * TigerBeetle's VOPR. A failure prints the first violation and the shrunk scenario as a file that replays.
 *
 * The seed is fixed, so `npm test` checks the same scenarios every time; `npm run test:soak` draws new ones.
 * Other seeds: PROPERTY_SEED=<n>|random npx vitest run test/property/invariants.test.ts
 */
import fc from 'fast-check';
import { describe, test } from 'vitest';
import {
  FAULT_PROFILES,
  PROFILE_DESCRIPTIONS,
  scenarioArbitrary,
  type FaultProfile,
} from '../../src/scenario/arbitraries/scenarioArbitrary';
import { invariantProperty } from '../../src/verify/properties';
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

describe('invariants I1-I6 and I8 with every hazard off', () => {
  (Object.keys(FAULT_PROFILES) as FaultProfile[]).forEach((profile, index) => {
    test(
      `hold on ${NUM_RUNS} scenarios: ${PROFILE_DESCRIPTIONS[profile]}`,
      async () => {
        const seed = propertySeed(SEED + index);
        const started = performance.now();
        const property = invariantProperty(scenarioArbitrary(FAULT_PROFILES[profile]), {
          // A failing run ends at its first violation judged at once: shorter runs to shrink.
          stopAtFirstViolation: true,
        });
        await fc.assert(property, { numRuns: NUM_RUNS, seed });
        reportRate(`invariants (${profile})`, NUM_RUNS, started, seed);
      },
      PROPERTY_TIMEOUT_MS,
    );
  });
});
