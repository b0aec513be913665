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

/** A started worker: the endpoint comlink talks through, and a way to kill the thread. */
export interface SpawnedWorker {
  endpoint: Comlink.Endpoint;
  terminate(): void;
}

/**
 * Each server in its own worker (a Web Worker in the browser, a worker thread under Node). The conductor
 * waits for each delivery's answer before virtual time moves on, so the run is the one the in-thread
 * transport gives, byte for byte; crashing a server terminates its worker for real.
 */
export function workerTransport(spawn: (config: ServerConfig) => SpawnedWorker): TransportFactory {
  return (config, startVt, onRequest) => {
    const worker = spawn(config);
    const remote = Comlink.wrap<ServerWorkerApi>(worker.endpoint);
    let alive = true;
    const ready = Promise.resolve(remote.init(config, startVt)).then((requests) => {
      if (alive) for (const request of requests) onRequest(request);
    });
    return {
      async deliver(message) {
        await ready;
        if (!alive) return;
        const requests = await remote.handle(message);
        if (alive) for (const request of requests) onRequest(request);
      },
      terminate() {
        if (!alive) return;
        alive = false;
        remote[Comlink.releaseProxy]();
        worker.terminate();
      },
    };
  };
}
