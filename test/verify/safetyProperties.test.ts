/**
 * With every hazard off, the safety checks that judge to the end of the run hold on random scenarios of
 * every fault profile: I3's lease overlap stays within its slack, I2 excuses no backlog beyond one attempt,
 * I4 finds no tick missing after the last fired one. The property also asserts that the runs exercised
 * those checks (some lease overlap was measured, some schedule was judged to the end), so it cannot pass
 * by judging nothing. The seed is fixed; PROPERTY_SEED=<n>|random draws others (test/property/support.ts).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FAULT_PROFILES, scenarioArbitrary } from '../../src/scenario/arbitraries/scenarioArbitrary';
import { runScenario } from '../../src/sim';
import { checkAll } from '../../src/verify/checkers';
import { describeFailure } from '../../src/verify/properties';
import { propertySeed, reportRate } from '../property/support';

const NUM_RUNS = 100;
const SEED = 20_261_202;
/** A hang detector, not a speed target: 100 runs take about 30 s idle, several times that on a busy machine. */
const TIMEOUT_MS = 400_000;

describe('I2, I3 and I4 to the end of the run, every hazard off', () => {
  test(
    `hold on ${NUM_RUNS} random scenarios, and the runs exercise them`,
    async () => {
      const seed = propertySeed(SEED);
      const started = performance.now();
      let overlapRuns = 0;
      let longestOverlapMs = 0;
      let cronRuns = 0;
      const arbitrary = fc.oneof(
        ...Object.values(FAULT_PROFILES).map((profile) => scenarioArbitrary(profile)),
      );
      await fc.assert(
        fc.asyncProperty(arbitrary, async (scenario) => {
          const reports = checkAll(await runScenario(scenario));
          const failed = reports.filter((report) => ['I2', 'I3', 'I4'].includes(report.id) && !report.ok);
          if (failed.length > 0) throw new Error(failed.map(describeFailure).join('\n'));
          const i3 = reports.find((report) => report.id === 'I3')!.measurements ?? {};
          if (Number(i3.leaseOverlaps ?? 0) > 0) overlapRuns++;
          longestOverlapMs = Math.max(longestOverlapMs, Number(i3.longestLeaseOverlapMs ?? 0));
          if (Number(reports.find((report) => report.id === 'I4')!.measurements?.schedules ?? 0) > 0)
            cronRuns++;
        }),
        { numRuns: NUM_RUNS, seed },
      );
      reportRate('safety to the end', NUM_RUNS, started, seed);
      console.log(
        `lease overlaps in ${overlapRuns} runs, longest ${longestOverlapMs} ms; cron judged in ${cronRuns}`,
      );
      expect(overlapRuns).toBeGreaterThan(0);
      expect(cronRuns).toBeGreaterThan(NUM_RUNS / 2);
    },
    TIMEOUT_MS,
  );
});
