// The consumer's own job code, run by the simulation under a crash of whichever server leads at 20 s.
import { expect, test } from 'vitest';
import { defineJob } from 'coordinator-playground';
import { parseScenario } from 'coordinator-playground/scenario';
import { runScenario } from 'coordinator-playground/sim';
import { checkAll } from 'coordinator-playground/verify';

test('my chargeCard job runs once per enqueue, though the leader crashes', async () => {
  const charged: string[] = [];
  const chargeCard = defineJob({
    name: 'chargeCard',
    timeoutMs: 10_000,
    async run(params, context) {
      await context.sleep(1_000); // the payment provider's latency, on the server's virtual clock
      charged.push(String(params.order));
    },
  });
  const scenario = parseScenario({
    version: 1,
    name: 'charge cards through a leader crash',
    seed: 3,
    durationMs: 60_000,
    jobs: [{ name: 'chargeCard', durationMs: 1_000 }],
    servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
    actions: [
      { atMs: 10_000, type: 'enqueue', server: 'b', job: 'chargeCard', count: 1, params: { order: 'o-1' } },
      { atMs: 10_000, type: 'enqueue', server: 'c', job: 'chargeCard', count: 1, params: { order: 'o-2' } },
      { atMs: 20_000, type: 'crash', server: '@leader' },
      {
        atMs: 25_000,
        type: 'enqueue',
        server: '@follower',
        job: 'chargeCard',
        count: 1,
        params: { order: 'o-3' },
      },
    ],
  });
  const result = await runScenario(scenario, { jobs: { chargeCard } });
  expect(charged.sort()).toEqual(['o-1', 'o-2', 'o-3']);
  const failed = checkAll(result).filter((report) => !report.ok);
  expect(failed).toEqual([]);
  const crashed = result.trace.find((entry) => entry.source === 'action' && entry.action.type === 'crash');
  expect(crashed?.server).toMatch(/^[abc]$/);
});
