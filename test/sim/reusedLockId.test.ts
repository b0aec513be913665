/**
 * Lock ids are a server's own (RemoteDatabase numbers every lock and statement from one counter), so an
 * id that is still open when it comes again is a broken server, never a second lock. The conductor used
 * to overwrite the open lock's entry: the first transaction lost its way to commit and held the database
 * until the transaction timeout rolled it back. Now the run fails at once, naming the server and the id.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { parseScenarioJson } from '../../src/scenario/schema';
import { runScenario } from '../../src/sim/runScenario';
import type { FromServer } from '../../src/sim/server/protocol';
import { inThreadTransport, type TransportFactory } from '../../src/sim/server/transport';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The real server, except that server a asks for its first lock twice under the same id. */
const reusingFirstLockId: TransportFactory = (config, startVt, onRequest) => {
  const transport = inThreadTransport(config, startVt, onRequest);
  let reused = config.id !== 'a';
  return {
    exchange: async (message) => {
      const requests = await transport.exchange(message);
      if (reused || !requests) return requests;
      const lock = requests.find(
        (request): request is Extract<FromServer, { kind: 'lock' }> => request.kind === 'lock',
      );
      if (!lock) return requests;
      reused = true;
      return [...requests, { ...lock }];
    },
    terminate: () => transport.terminate(),
  };
};

test('a lock id a server reuses while it is open fails the run, naming the server and the id', async () => {
  const scenario = parseScenarioJson(readFileSync(join(root, 'scenarios/three-servers.json'), 'utf8'));
  await expect(
    runScenario(scenario, { untilMs: 20_000, heal: false, transport: reusingFirstLockId }),
  ).rejects.toThrow(/^server a asked for lock \d+, which is still open: each lock\(\) has an id of its own$/);
});

test('the same run with fresh ids completes', async () => {
  const scenario = parseScenarioJson(readFileSync(join(root, 'scenarios/three-servers.json'), 'utf8'));
  const result = await runScenario(scenario, { untilMs: 20_000, heal: false, transport: inThreadTransport });
  expect(result.trace.some((entry) => entry.type === 'elected')).toBe(true);
});
