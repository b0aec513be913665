/**
 * The worker's side of the server port: one answer per question, in order, even when an answer cannot
 * be sent. Real Node message ports, so "cannot be sent" is the structured-clone algorithm's own refusal.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, expect, test } from 'vitest';
import { serveQuestions } from '../../src/sim/server/serveQuestions';
import type { FromServerWorker, PortEndpoint, ToServerWorker } from '../../src/sim/server/workerTransport';

const open: MessagePort[] = [];
afterEach(() => {
  for (const port of open.splice(0)) port.close();
});

/** A Node port seen as a browser one; `breakSends` makes its next postMessage calls throw. */
function endpoint(port: MessagePort): PortEndpoint & { breakSends(count: number): void } {
  let broken = 0;
  return {
    postMessage: (message) => {
      if (broken > 0) {
        broken--;
        throw new Error('the port is gone');
      }
      port.postMessage(message);
    },
    addEventListener: (_type, listener) => port.on('message', (data) => listener({ data } as MessageEvent)),
    removeEventListener: () => undefined,
    breakSends: (count) => {
      broken = count;
    },
  };
}

function handle(id: number): ToServerWorker {
  return { type: 'handle', message: { vt: 0, kind: 'command', id, command: { type: 'start' } } };
}

/** The conductor's end: sends questions and collects the answers as they come. */
function conductor() {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  const answers: FromServerWorker[] = [];
  let heard: () => void = () => undefined;
  port2.on('message', (data: FromServerWorker) => {
    answers.push(data);
    heard();
  });
  const next = (count: number) =>
    new Promise<FromServerWorker[]>((resolve) => {
      const check = () => {
        if (answers.length >= count) resolve(answers.slice(0, count));
      };
      heard = check;
      check();
    });
  return { workerEnd: port1, ask: (question: ToServerWorker) => port2.postMessage(question), next };
}

/** Answers each question with its command id; question 1's answer holds a function, which cannot be cloned. */
async function answerById(question: ToServerWorker): Promise<FromServerWorker> {
  const id = question.type === 'handle' && question.message.kind === 'command' ? question.message.id : 0;
  const answer: FromServerWorker = { type: 'requests', requests: [{ kind: 'commandDone', id }] };
  if (id === 1) (answer.requests[0] as unknown as { extra: unknown }).extra = () => 'not cloneable';
  return answer;
}

test('an answer that cannot be cloned becomes an error answer naming the question, and the next question is answered', async () => {
  const { workerEnd, ask, next } = conductor();
  const failures: Error[] = [];
  serveQuestions(endpoint(workerEnd), answerById, (error) => failures.push(error));
  ask(handle(1));
  ask(handle(2));
  const [first, second] = await next(2);
  expect(first).toEqual({
    type: 'error',
    error: {
      name: expect.any(String),
      message: expect.stringMatching(
        /^server worker: could not send its answer to a 'command' message: .*could not be cloned/,
      ),
    },
  });
  expect(second).toEqual({ type: 'requests', requests: [{ kind: 'commandDone', id: 2 }] });
  expect(failures).toEqual([]);
});

test('when not even the error answer can be sent, the failure is raised and later questions are still answered', async () => {
  const { workerEnd, ask, next } = conductor();
  const failures: Error[] = [];
  const port = endpoint(workerEnd);
  serveQuestions(port, answerById, (error) => failures.push(error));
  port.breakSends(2); // the answer to question 3, then the error answer in its place
  ask(handle(3));
  ask(handle(4));
  const [only] = await next(1);
  expect(only).toEqual({ type: 'requests', requests: [{ kind: 'commandDone', id: 4 }] });
  expect(failures.map((error) => error.message)).toEqual(['the port is gone']);
});
