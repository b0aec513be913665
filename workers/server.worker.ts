/**
 * One simulated server in its own Web Worker: the real coordinator, behind the simulation's server
 * protocol, reached over comlink. Thin on purpose: ServerHost (src/sim/transport.ts) does the work, the
 * same class the in-thread transport uses, so a run is the same in both. No Vite-only import, so the same
 * file runs in a browser and under Node's worker_threads (through workers/nodeWorker.mjs).
 *
 * The worker serves comlink on the port it is handed in a `connect` message (see ConnectMessage): the page
 * starts it, and the conductor, in a worker of its own, holds the other end of the channel.
 */
import * as Comlink from 'comlink';
import type { FromServer, ServerConfig, ToServer } from '../src/sim/protocol';
import { ServerHost } from '../src/sim/transport';
import type { ConnectMessage, ServerWorkerApi } from '../src/sim/workerTransport';

let host: ServerHost | undefined;

const api: ServerWorkerApi = {
  init(config: ServerConfig, startVt: number): FromServer[] {
    host = new ServerHost(config, startVt);
    return host.drain();
  },
  handle(message: ToServer): Promise<FromServer[]> {
    if (!host) throw new Error('server worker: handle() before init()');
    return host.handle(message);
  },
};

self.addEventListener('message', (event: MessageEvent<ConnectMessage>) => {
  if (event.data?.type === 'connect') Comlink.expose(api, event.data.port);
});
