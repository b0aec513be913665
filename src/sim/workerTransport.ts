import * as Comlink from 'comlink';
import type { FromServer, ServerConfig, ToServer } from './protocol';
import type { TransportFactory } from './transport';

/** What a server worker (workers/server.worker.ts) exposes over comlink. */
export interface ServerWorkerApi {
  /** Starts the server process; returns the requests it made while starting. */
  init(config: ServerConfig, startVt: number): FromServer[] | Promise<FromServer[]>;
  /** Handles one message and returns, once idle, the requests it made, in order. */
  handle(message: ToServer): Promise<FromServer[]>;
}

/**
 * The message that hands a server worker the port it serves comlink on. Workers are started by the page
 * and reached from the conductor's worker, so the page makes a MessageChannel and gives one end to each.
 */
export interface ConnectMessage {
  type: 'connect';
  port: MessagePort;
}

/** A started worker: the endpoint comlink talks through, and a way to kill the thread. */
export interface SpawnedWorker {
  endpoint: Comlink.Endpoint;
  terminate(): void;
  /** Tells the transport when the worker dies by itself (an uncaught error, a failed load). */
  onDeath?(listener: (reason: string) => void): void;
}

/**
 * Each server in its own worker (a Web Worker in the browser, a worker thread under Node). The conductor
 * waits for each delivery's answer before virtual time moves on, so the run is the one the in-thread
 * transport gives, byte for byte; crashing a server terminates its worker for real.
 *
 * `spawn` may be asynchronous (the browser asks the page for a worker and a port). A worker that dies by
 * itself is reported as the server crashing, so the run goes on without it instead of waiting forever for
 * an answer that will never come.
 */
export function workerTransport(
  spawn: (config: ServerConfig) => SpawnedWorker | Promise<SpawnedWorker>,
): TransportFactory {
  return (config, startVt, onRequest) => {
    let alive = true;
    let ended = false;
    let worker: SpawnedWorker | undefined;
    let remote: Comlink.Remote<ServerWorkerApi> | undefined;
    let lastVt = startVt;
    let died: (reason: string) => void = () => undefined;
    const death = new Promise<'died'>((resolve) => {
      died = (reason) => {
        if (!alive) return;
        alive = false;
        onRequest({
          kind: 'event',
          event: { type: 'crashed', error: `its worker died: ${reason}`, serverId: config.id, at: lastVt },
          term: null,
        });
        resolve('died');
      };
    });
    const ready = (async () => {
      try {
        worker = await spawn(config);
      } catch (error) {
        died(`it could not start: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      if (ended) return worker.terminate();
      worker.onDeath?.(died);
      remote = Comlink.wrap<ServerWorkerApi>(worker.endpoint);
      const requests = await Promise.race([Promise.resolve(remote.init(config, startVt)), death]);
      if (alive && requests !== 'died') for (const request of requests) onRequest(request);
    })();
    return {
      async exchange(message) {
        await ready;
        if (!alive || !remote) return null;
        lastVt = message.vt;
        const requests = await Promise.race([remote.handle(message), death]);
        return alive && requests !== 'died' ? requests : null;
      },
      terminate() {
        // Also after a death: the dead worker's thread and proxy are released all the same.
        if (ended) return;
        ended = true;
        alive = false;
        remote?.[Comlink.releaseProxy]();
        worker?.terminate();
      },
    };
  };
}
