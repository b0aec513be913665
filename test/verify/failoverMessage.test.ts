/**
 * I5's message is read by people: in the page and the CLI. With drifting clocks the measured failover is a
 * fraction of a millisecond off a whole number (database time mapped back to virtual time); the message says
 * it in whole milliseconds. The run is clock-skew.json with H2 on, as its description invites.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { parseScenarioJson } from '../../src/scenario/schema';
import { runScenario } from '../../src/sim/runScenario';
import { checkFailoverBound } from '../../src/verify/checkers';

test('clock-skew with H2 on: I5 fails, and its message gives whole milliseconds', async () => {
  const file = readFileSync(new URL('../../scenarios/clock-skew.json', import.meta.url), 'utf8');
  const report = checkFailoverBound(await runScenario({ ...parseScenarioJson(file), hazards: ['H2'] }));
  expect(report.ok).toBe(false);
  const message = report.violation!.message;
  expect(message).toMatch(/^(failover took \d+ ms|no new leader was elected)/);
  // Every number in it is whole: no "43073.951416015625 ms".
  expect(message.match(/\d+\.\d+/g)).toBeNull();
});
