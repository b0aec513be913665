import { toWireError } from './protocol.js';
import {
  describeQuestion,
  type FromServerWorker,
  type PortEndpoint,
  type ToServerWorker,
} from './workerTransport.js';

/**
 * The worker's side of the port (workers/server.worker.ts): answers the conductor's questions one at a
 * time, in the order they came, as `workerTransport` expects.
 *
 * The conductor waits for exactly one answer per question, so an answer that cannot be sent (`postMessage`
 * throws, say on a value that cannot be cloned) is replaced by an error answer naming the question and
 * why: the run then fails with that message instead of stalling on an answer that never comes. Should even
 * that fail, `fail` hears the error (the worker rethrows it in a task of its own, which raises the
 * worker's error event: the transport reports the server crashed). The queue goes on either way, so one
 * failure does not silence every later answer.
 */
export function serveQuestions(
  port: PortEndpoint,
  answer: (question: ToServerWorker) => Promise<FromServerWorker>,
  fail: (error: Error) => void,
): void {
  let queue = Promise.resolve();
  port.addEventListener('message', (event: MessageEvent) => {
    const question = event.data as ToServerWorker;
    queue = queue
      .then(async () => reply(port, question, await answer(question)))
      .catch((error: unknown) => fail(error instanceof Error ? error : new Error(String(error))));
  });
  port.start?.();
}

function reply(port: PortEndpoint, question: ToServerWorker, answer: FromServerWorker): void {
  try {
    port.postMessage(answer);
  } catch (error) {
    const { name, message } = toWireError(error);
    port.postMessage({
      type: 'error',
      error: {
        name,
        message: `server worker: could not send its answer to ${describeQuestion(question)}: ${message}`,
      },
    } satisfies FromServerWorker);
  }
}
