import * as Comlink from 'comlink';
import type { ConductorWorkerApi, ServerSpawner } from '../workerApi';
import { forwardCalls } from '../calls';
import type { Engine } from './engine';
import { sqlWasmUrl } from './sqlWasmUrl';
import { ServerWorkerPool } from './serverWorkerPool';

export interface WorkerEngineOptions {
  /** `workers` (default): a Web Worker per server; `in-thread`: the servers inside the conductor's worker. */
  servers?: 'workers' | 'in-thread';
  /**
   * `true` (default): where the page is cross-origin isolated, the conductor asks each server's worker
   * through shared memory (src/sim/server/sharedMailbox.ts); `false`: through its port, as elsewhere.
   */
  sharedMemory?: boolean;
}

/**
 * The playground's engine: the conductor and the shared database in one Web Worker, each server in a Web
 * Worker of its own. The page starts the server workers (so that a crash ends a real worker the page can
 * see) and links each to the conductor by a MessageChannel.
 */
export async function createWorkerEngine(options: WorkerEngineOptions = {}): Promise<Engine> {
  const conductorWorker = new Worker(new URL('../../../workers/conductor.worker.ts', import.meta.url), {
    type: 'module',
    name: 'conductor',
  });
  const remote = Comlink.wrap<ConductorWorkerApi>(conductorWorker);
  // If the conductor's worker dies (it failed to load, or threw where nothing catches), no answer will
  // ever come: every call waiting, and every call after, fails with the reason instead of hanging the page.
  let dead: Error | undefined;
  const death = new Promise<never>((_, reject) => {
    const die = (reason: string) => {
      dead ??= new Error(`the simulation's worker stopped: ${reason}`);
      reject(dead);
    };
    conductorWorker.addEventListener('error', (event) => {
      event.preventDefault();
      die(event.message || 'it failed to load or threw');
    });
    conductorWorker.addEventListener('messageerror', () => die('a message could not be read'));
  });
  death.catch(() => undefined);
  const guarded = <T>(call: () => Promise<T>): Promise<T> =>
    dead ? Promise.reject(dead) : Promise.race([call(), death]);
  const pool = new ServerWorkerPool(
    (serverId) =>
      new Worker(new URL('../../../workers/server.worker.ts', import.meta.url), {
        type: 'module',
        name: `server ${serverId}`,
      }),
  );
  const spawner: ServerSpawner = {
    spawn: (serverId) => {
      const { handle, port } = pool.spawn(serverId);
      return Promise.resolve(Comlink.transfer({ handle, port }, [port]));
    },
    terminate: (handle) => pool.terminate(handle),
    onDeath: (handle, listener) => pool.onDeath(handle, listener),
  };

  try {
    await guarded(() =>
      remote.init(
        {
          sqlWasmUrl: sqlWasmUrl(),
          servers: options.servers ?? 'workers',
          sharedMemory: options.sharedMemory ?? true,
        },
        Comlink.proxy(spawner),
      ),
    );
  } catch (error) {
    conductorWorker.terminate();
    throw error;
  }
  return {
    kind: options.servers === 'in-thread' ? 'in-thread' : 'workers',
    ...forwardCalls(() => remote, guarded),
    liveWorkers: () => pool.liveServerIds(),
    dispose() {
      void remote.dispose();
      remote[Comlink.releaseProxy]();
      conductorWorker.terminate();
      pool.terminateAll();
    },
  };
}
