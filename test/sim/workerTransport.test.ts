import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { runScenario } from '../../src/sim/runScenario';
import { parseScenarioJson } from '../../src/scenario/schema';
import type { FromServer, ServerConfig, ToServer } from '../../src/sim/server/protocol';
import { workerTransport, type PortEndpoint, type SpawnedWorker } from '../../src/sim/server/workerTransport';
import { MAX_MESSAGE_BYTES } from '../../src/sim/server/sharedMailbox';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const workerModule = pathToFileURL(join(root, 'workers/server.worker.ts')).href;

/** A Node port seen as a browser one (Node hands `data` to `on('message')` listeners). */
function portEndpoint(port: MessagePort): PortEndpoint {
  const wrapped = new Map<(event: MessageEvent) => void, (data: unknown) => void>();
  return {
    postMessage: (message) => port.postMessage(message),
    addEventListener: (_type, listener) => {
      const onData = (data: unknown) => listener({ data } as MessageEvent);
      wrapped.set(listener, onData);
      port.on('message', onData);
    },
    removeEventListener: (_type, listener) => {
      const onData = wrapped.get(listener);
      if (onData) port.off('message', onData);
      wrapped.delete(listener);
    },
    close: () => port.close(),
  };
}

/**
 * Starts `module` (a browser worker file) in a Node worker thread and connects it as the browser does: the
 * server answers on a port of a channel, the conductor holds the other end.
 */
function spawnNodeWorker(module: string, live: Set<Worker>): SpawnedWorker {
  const worker = new Worker(join(root, 'workers/nodeWorker.mjs'), { workerData: { module } });
  live.add(worker);
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ type: 'connect', port: port1 }, [port1]);
  return {
    endpoint: portEndpoint(port2),
    terminate: () => {
      live.delete(worker);
      void worker.terminate();
    },
    onDeath: (listener) => worker.on('error', (error) => listener(error.message)),
  };
}

/**
 * Each server in its own Node worker thread, running the same worker file a browser runs; `shared`: asked
 * through a shared mailbox, as in a cross-origin isolated page, instead of the port.
 */
function nodeWorkers(live: Set<Worker>, shared = false) {
  return workerTransport(() => spawnNodeWorker(workerModule, live), { shared });
}

test.each(['leader-crash-failover', 'paused-leader', 'partitioned-leader', 'eight-servers'])(
  '%s: each server in its own worker thread gives the in-thread trace, byte for byte',
  async (name) => {
    const scenario = parseScenarioJson(readFileSync(join(root, `scenarios/${name}.json`), 'utf8'));
    const options = { untilMs: 60_000, heal: false };
    const inThread = await runScenario(scenario, options);
    const live = new Set<Worker>();
    const inWorkers = await runScenario(scenario, { ...options, transport: nodeWorkers(live) });
    expect(inWorkers.trace.length).toBe(inThread.trace.length);
    expect(JSON.stringify(inWorkers.trace)).toBe(JSON.stringify(inThread.trace));
    expect(inWorkers.final).toEqual(inThread.final);
    // Crashed servers' workers were terminated for real, and disposing the run ended the others.
    expect(live.size).toBe(0);
  },
  60_000,
);

test.each(['leader-crash-failover'])(
  '%s: through shared memory (SharedArrayBuffer, Atomics) too, the in-thread trace, byte for byte',
  async (name) => {
    const scenario = parseScenarioJson(readFileSync(join(root, `scenarios/${name}.json`), 'utf8'));
    const options = { untilMs: 60_000, heal: false };
    const inThread = await runScenario(scenario, options);
    const live = new Set<Worker>();
    const shared = await runScenario(scenario, { ...options, transport: nodeWorkers(live, true) });
    expect(JSON.stringify(shared.trace)).toBe(JSON.stringify(inThread.trace));
    expect(shared.final).toEqual(inThread.final);
    expect(live.size).toBe(0);
  },
  60_000,
);

test('through shared memory, a message too long or not JSON fails with a clear error, and the next gets its own answer', async () => {
  const live = new Set<Worker>();
  const transport = nodeWorkers(live, true)(oneServer, 0, () => undefined);
  try {
    expect(doneIds(await transport.exchange(command(1)))).toEqual([1]);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const notJson = {
      vt: 0,
      kind: 'command',
      id: 2,
      command: { type: 'enqueue', job: 'x', params: cyclic, count: 1 },
    } as unknown as ToServer;
    await expect(transport.exchange(notJson)).rejects.toThrow(
      /^server solo: could not send a 'command' message to its worker: .*circular/,
    );
    const huge = {
      vt: 0,
      kind: 'command',
      id: 3,
      command: { type: 'enqueue', job: 'x', params: { text: 'x'.repeat(MAX_MESSAGE_BYTES + 1) }, count: 1 },
    } as unknown as ToServer;
    await expect(transport.exchange(huge)).rejects.toThrow(
      /^server solo: could not send a 'command' message to its worker: the message is too long/,
    );
    // A long one that fits: the mailbox grows for it.
    const long = {
      vt: 0,
      kind: 'command',
      id: 4,
      command: { type: 'setHazards', hazards: [], padding: 'y'.repeat(1_000_000) },
    } as unknown as ToServer;
    expect(doneIds(await transport.exchange(long))).toEqual([4]);
    expect(doneIds(await transport.exchange(command(5)))).toEqual([5]);
  } finally {
    transport.terminate();
  }
  expect(live.size).toBe(0);
}, 30_000);

test('a worker that dies by itself is a crashed server: the run goes on without it, nothing hangs', async () => {
  const scenario = parseScenarioJson(readFileSync(join(root, 'scenarios/three-servers.json'), 'utf8'));
  const live = new Set<Worker>();
  const broken = pathToFileURL(join(root, 'test/support/noSuchWorker.ts')).href;
  const transport = workerTransport((config) =>
    spawnNodeWorker(config.id === 'a' ? broken : workerModule, live),
  );
  const result = await runScenario(scenario, { untilMs: 20_000, heal: false, transport });
  const crashed = result.trace.find((entry) => entry.type === 'crashed' && entry.server === 'a');
  expect(crashed).toMatchObject({ error: expect.stringMatching(/^its worker died: .*noSuchWorker/) });
  expect(result.trace.find((entry) => entry.type === 'processEnded')).toMatchObject({ server: 'a' });
  const leaders = result.trace.filter((entry) => entry.type === 'elected').map((entry) => entry.server);
  expect(leaders).toHaveLength(1);
  expect(leaders[0]).not.toBe('a');
  expect(live.size).toBe(0);
}, 60_000);

/** A server of its own for the tests that talk to one worker directly. */
const oneServer: ServerConfig = {
  id: 'solo',
  generation: 1,
  seed: 1,
  mode: 'single',
  withoutJobs: false,
  offsetMs: 0,
  rate: 1,
  coordinator: {},
  hazards: [],
  jobs: [],
};

/** A command the server answers with `commandDone` and this id. */
function command(id: number): ToServer {
  return { vt: 0, kind: 'command', id, command: { type: 'setHazards', hazards: [] } };
}

function doneIds(requests: FromServer[] | null): number[] {
  return (requests ?? []).flatMap((request) => (request.kind === 'commandDone' ? [request.id] : []));
}

test('a question that cannot be sent fails with a clear error, and the next question gets its own answer', async () => {
  const live = new Set<Worker>();
  const transport = nodeWorkers(live)(oneServer, 0, () => undefined);
  try {
    expect(doneIds(await transport.exchange(command(1)))).toEqual([1]);
    // A function cannot be cloned: the port's postMessage throws.
    const uncloneable = {
      vt: 0,
      kind: 'command',
      id: 2,
      command: { type: 'enqueue', job: 'x', params: { callback: () => 1 }, count: 1 },
    } as unknown as ToServer;
    await expect(transport.exchange(uncloneable)).rejects.toThrow(
      /^server solo: could not send a 'command' message to its worker: .*could not be cloned/,
    );
    // Before the fix, the failed question kept its place in line: answer 3 went to it and this hung.
    expect(doneIds(await transport.exchange(command(3)))).toEqual([3]);
    expect(doneIds(await transport.exchange(command(4)))).toEqual([4]);
  } finally {
    transport.terminate();
  }
  expect(live.size).toBe(0);
}, 30_000);
