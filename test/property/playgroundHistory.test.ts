// The playground's promise, as a property: whatever a person does in the page (play, step, take actions,
// some refused, rewind, fork the history), the run saved as a scenario file replays headless to the same
// trace, byte for byte. This is what lets a run found in the browser be replayed anywhere, and the other
// way round. Longer sweeps: `npm run test:soak:histories`.

import fc from 'fast-check';
import { expect, test } from 'vitest';
import { HISTORY_CLUSTER, historyArbitrary, replayHistory } from '../../src/playground/histories';
import { propertySeed, reportRate } from './support';

test('any history of clicks, rewinds and forks, saved as a scenario, replays to the same trace', async () => {
  const seed = propertySeed(20261128);
  const started = performance.now();
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(historyArbitrary(HISTORY_CLUSTER), async (moves) => {
      runs += 1;
      const { played, replayed } = await replayHistory(HISTORY_CLUSTER, moves);
      expect(replayed).toBe(played);
    }),
    { numRuns: 120, seed },
  );
  reportRate('playground histories', runs, started, seed);
}, 120_000);
