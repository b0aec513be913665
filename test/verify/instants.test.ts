import { expect, test } from 'vitest';
import { seconds } from '../../src/cli/summaryText';
import { humanizeInstants } from '../../src/verify/instants';
import { DEFAULT_EPOCH_MS } from '../../src/sim/time/virtualTime';

test("a checker's message reads in time since the start; ids, counts and far-off numbers stay as they are", () => {
  const message =
    'a wrote scheduled job 12 (tick 1767225611000) at database time 1767225611016, after its term 1 ended: term 2 began at database time 1767225598000 (c)';
  expect(humanizeInstants(message, DEFAULT_EPOCH_MS, seconds)).toBe(
    'a wrote scheduled job 12 (tick 11.000s) at database time 11.016s, after its term 1 ended: term 2 began at database time \u22122.000s (c)',
  );
  expect(humanizeInstants('job 1000000000000 and 42', DEFAULT_EPOCH_MS, seconds)).toBe(
    'job 1000000000000 and 42',
  );
});
