// Runs a worker file written for browsers under Node's worker_threads: makes the thread look like a
// worker global (self, postMessage, addEventListener) and loads the TypeScript through tsx.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const listeners = new Map();
globalThis.self = globalThis;
globalThis.postMessage = (message, transfer) => parentPort.postMessage(message, transfer);
globalThis.addEventListener = (type, listener) => {
  if (type !== 'message') return;
  const wrapped = (data) => listener({ data });
  listeners.set(listener, wrapped);
  parentPort.on('message', wrapped);
};
globalThis.removeEventListener = (type, listener) => {
  const wrapped = listeners.get(listener);
  if (wrapped) parentPort.off('message', wrapped);
  listeners.delete(listener);
};

await tsImport(workerData.module, import.meta.url);
