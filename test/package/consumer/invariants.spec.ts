// A consumer's own property suite, as the README shows it: the package's arbitraries and checkers, with
// fast-check and vitest from the consumer's own node_modules (fast-check is a peer dependency).
import { writeFileSync } from 'node:fs';
import { test as propTest } from '@fast-check/vitest';
import { expect, test } from 'vitest';
import { scenarioArbitrary } from 'coordinator-playground/scenario';
import { assertInvariants, checkScenario } from 'coordinator-playground/verify';

const figures: Record<string, unknown> = {};

// assertInvariants stops drawing after 3 s by default; the run in flight then finishes, so the test gets
// a timeout with room for it on a busy machine.
test('every invariant holds on drawn scenarios', async () => {
  const started = performance.now();
  const summary = await assertInvariants(scenarioArbitrary(), { seed: 42 });
  expect(summary.runs).toBeGreaterThan(0);
  figures.defaults = { ...summary, seconds: (performance.now() - started) / 1000 };
}, 15_000);

test('runs per second, once warm', async () => {
  const started = performance.now();
  const summary = await assertInvariants(scenarioArbitrary(), { seed: 7, numRuns: 30, timeLimitMs: 30_000 });
  expect(summary.runs).toBe(30);
  figures.warm = { runs: summary.runs, seconds: (performance.now() - started) / 1000 };
  writeFileSync('figures.json', JSON.stringify(figures));
}, 60_000);

propTest.prop([scenarioArbitrary({ servers: { min: 2, max: 3 } })], { numRuns: 3, seed: 7 })(
  'test.prop from @fast-check/vitest drives the same check',
  async (scenario) => {
    const { failed } = await checkScenario(scenario);
    expect(failed).toEqual([]);
  },
  20_000,
);
