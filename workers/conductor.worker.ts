/**
 * The playground's conductor: virtual time, the one shared sql.js database and the trace, in a Web Worker
 * of its own so the page stays smooth however fast the simulation runs. It drives the PlaygroundEngine
 * (src/playground/engine.ts) and reaches each server through a port to that server's own Web Worker,
 * which the page starts for it (a worker the page owns can be seen and ended from the page).
 *
 * No Vite-only import: the page hands over the wasm's absolute address.
 */
import * as Comlink from 'comlink';
import initSqlJs from 'sql.js';
import { forwardCalls } from '../src/playground/calls';
import { PlaygroundEngine } from '../src/playground/engine';
import { inThreadTransport } from '../src/sim/server/transport';
import { workerTransport } from '../src/sim/server/workerTransport';
import { sharedMemoryAvailable } from '../src/sim/server/sharedMailbox';
import type { ConductorWorkerApi, ServerSpawner } from '../src/playground/workerApi';

let engine: PlaygroundEngine | undefined;

function current(): PlaygroundEngine {
  if (!engine) throw new Error('conductor worker: init() first');
  return engine;
}

const api: ConductorWorkerApi = {
  async init(options, spawner?: ServerSpawner) {
    const sqlJs = await initSqlJs({ locateFile: () => options.sqlWasmUrl });
    const transport =
      options.servers === 'in-thread' || !spawner
        ? inThreadTransport
        : workerTransport(
            async (config) => {
              const { handle, port } = await spawner.spawn(config.id);
              return {
                endpoint: port,
                terminate: () => void spawner.terminate(handle),
                onDeath: (listener) => void spawner.onDeath(handle, Comlink.proxy(listener)),
              };
            },
            // Shared memory where the page is cross-origin isolated; the port everywhere else (an embed on
            // someone else's site is not).
            {
              shared: options.sharedMemory !== false && self.crossOriginIsolated && sharedMemoryAvailable(),
            },
          );
    engine?.dispose();
    engine = new PlaygroundEngine({ sqlJs, transport });
  },
  ...forwardCalls(current),
  dispose() {
    engine?.dispose();
    engine = undefined;
  },
};

Comlink.expose(api);
