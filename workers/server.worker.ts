/**
 * One simulated server in its own Web Worker: the real coordinator, behind the simulation's server
 * protocol. Thin on purpose: ServerHost (src/sim/server/transport.ts) does the work, the same class the
 * in-thread transport uses, so a run is the same in both. No Vite-only import, so the same file runs in a
 * browser and under Node's worker_threads (through workers/nodeWorker.mjs).
 *
 * The worker answers on the port it is handed in a `connect` message (see ConnectMessage): the page
 * starts it, and the conductor, in a worker of its own, holds the other end of the channel. One question
 * at a time, answered in order (see serveQuestions in src/sim/server/serveQuestions.ts).
 */
import { toWireError } from '../src/sim/server/protocol';
import { serveQuestions } from '../src/sim/server/serveQuestions';
import { ServerHost } from '../src/sim/server/transport';
import type { ConnectMessage, FromServerWorker, ToServerWorker } from '../src/sim/server/workerTransport';

let host: ServerHost | undefined;

async function answer(question: ToServerWorker): Promise<FromServerWorker> {
  try {
    if (question.type === 'init') {
      host = new ServerHost(question.config, question.startVt);
      return { type: 'requests', requests: host.drain() };
    }
    if (!host) throw new Error('server worker: a message before init');
    return { type: 'requests', requests: await host.handle(question.message) };
  } catch (error) {
    return { type: 'error', error: toWireError(error) };
  }
}

/** Rethrown in a task of its own, so the worker's error event fires and the transport sees it die. */
function raise(error: Error): void {
  setTimeout(() => {
    throw error;
  });
}

self.addEventListener('message', (event: MessageEvent<ConnectMessage>) => {
  if (event.data?.type !== 'connect') return;
  serveQuestions(event.data.port, answer, raise);
});
