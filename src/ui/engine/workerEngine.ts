import * as Comlink from 'comlink';
import type { ConductorWorkerApi, ServerSpawner } from '../../sim/conductorWorkerApi';
import { forwardCalls } from '../../sim/engineCalls';
import type { Engine } from './engine';
import { sqlWasmUrl } from './loadBrowserSqlJs';

export interface WorkerEngineOptions {
  /** `workers` (default): a Web Worker per server; `in-thread`: the servers inside the conductor's worker. */
  servers?: 'workers' | 'in-thread';
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
  const servers = new Map<
    number,
    { id: string; worker: Worker; deathListeners: ((reason: string) => void)[] }
  >();
  let nextHandle = 1;

  const spawner: ServerSpawner = {
    async spawn(serverId) {
      const worker = new Worker(new URL('../../../workers/server.worker.ts', import.meta.url), {
        type: 'module',
        name: `server ${serverId}`,
      });
      const handle = nextHandle++;
      const entry = { id: serverId, worker, deathListeners: [] as ((reason: string) => void)[] };
      servers.set(handle, entry);
      const die = (reason: string) => {
        if (!servers.delete(handle)) return;
        worker.terminate();
        for (const listener of entry.deathListeners) listener(reason);
      };
      worker.addEventListener('error', (event) => {
        // Handled: the server is reported crashed in the run, the page goes on.
        event.preventDefault();
        die(event.message || 'the worker failed to load or threw');
      });
      worker.addEventListener('messageerror', () => die('a message could not be read'));
      const channel = new MessageChannel();
      worker.postMessage({ type: 'connect', port: channel.port1 }, [channel.port1]);
      return Comlink.transfer({ handle, port: channel.port2 }, [channel.port2]);
    },
    terminate(handle) {
      servers.get(handle)?.worker.terminate();
      servers.delete(handle);
    },
    onDeath(handle, listener) {
      const entry = servers.get(handle);
      if (entry) entry.deathListeners.push(listener);
      else listener('the worker had already ended');
    },
  };

  try {
    await guarded(() =>
      remote.init(
        { sqlWasmUrl: sqlWasmUrl(), servers: options.servers ?? 'workers' },
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
    liveWorkers: () => [...servers.values()].map((entry) => entry.id).sort(),
    dispose() {
      void remote.dispose();
      remote[Comlink.releaseProxy]();
      conductorWorker.terminate();
      for (const { worker } of servers.values()) worker.terminate();
      servers.clear();
    },
  };
}
