import { toWireError } from './protocol.js';
import { MAILBOX_ANSWER, MAILBOX_CLOSED, MAILBOX_QUESTION, SharedMailbox } from './sharedMailbox.js';
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
 *
 * An init that brings a shared mailbox (see sharedMailbox.ts) is answered on the port like any other;
 * every later question comes through the mailbox, and is answered there, with the same rules.
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
      .then(async () => {
        reply(port, question, await answer(question));
        if (question.type === 'init' && question.mailbox)
          serveMailbox(new SharedMailbox(question.mailbox), answer, fail);
      })
      .catch((error: unknown) => fail(error instanceof Error ? error : new Error(String(error))));
  });
  port.start?.();
}

/**
 * Answers the questions that come through `mailbox`, one at a time, until the conductor closes it. The
 * worker's thread sleeps in `Atomics.wait` between questions (a worker may block; nothing else reaches
 * it once it serves a mailbox), and runs its event loop while it answers one (the server settles there).
 */
function serveMailbox(
  mailbox: SharedMailbox,
  answer: (question: ToServerWorker) => Promise<FromServerWorker>,
  fail: (error: Error) => void,
): void {
  const next = (): void => {
    for (let state = mailbox.state; state !== MAILBOX_QUESTION; state = mailbox.state) {
      if (state === MAILBOX_CLOSED) return;
      mailbox.waitWhile(state, Number.POSITIVE_INFINITY);
    }
    let question: ToServerWorker;
    try {
      question = mailbox.take() as ToServerWorker;
    } catch (error) {
      return fail(error instanceof Error ? error : new Error(String(error)));
    }
    answer(question)
      .then((answered) => {
        putAnswer(mailbox, question, answered);
        next();
      })
      .catch((error: unknown) => fail(error instanceof Error ? error : new Error(String(error))));
  };
  next();
}

function putAnswer(mailbox: SharedMailbox, question: ToServerWorker, answer: FromServerWorker): void {
  try {
    mailbox.put(MAILBOX_ANSWER, answer);
  } catch (error) {
    const { name, message } = toWireError(error);
    mailbox.put(MAILBOX_ANSWER, {
      type: 'error',
      error: {
        name,
        message: `server worker: could not send its answer to ${describeQuestion(question)}: ${message}`,
      },
    } satisfies FromServerWorker);
  }
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
