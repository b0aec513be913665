import type { FromServer, ServerConfig, ToServer, WireError } from './protocol.js';
import { fromWireError } from './protocol.js';
import { MAILBOX_ANSWER, MAILBOX_QUESTION, SharedMailbox } from './sharedMailbox.js';
import type { TransportFactory } from './transport.js';
import { settle } from '../time/settle.js';

/**
 * What crosses the port between the conductor and a server's worker (workers/server.worker.ts). A plain
 * protocol, not comlink: a run sends one message per delivery, tens of thousands a minute, and each
 * answer is awaited before virtual time moves on, so every microsecond of a round trip counts. Answers
 * come back in the order of the questions (a port keeps order), one question at a time.
 */
export type ToServerWorker =
  | {
      type: 'init';
      config: ServerConfig;
      startVt: number;
      /**
       * The shared mailbox's buffer (see sharedMailbox.ts), when the conductor can share memory: the init
       * is answered on the port, every later question comes through the mailbox.
       */
      mailbox?: SharedArrayBuffer;
    }
  | { type: 'handle'; message: ToServer };

export type FromServerWorker =
  { type: 'requests'; requests: FromServer[] } | { type: 'error'; error: WireError };

/**
 * The message that hands a server worker the port it serves the protocol on. Workers are started by the
 * page and reached from the conductor's worker, so the page makes a MessageChannel and gives one end to each.
 */
export interface ConnectMessage {
  type: 'connect';
  /** A browser MessagePort; typed by what the worker uses of it, so the Node entry points need no DOM lib. */
  port: PortEndpoint;
}

/** One end of a port: a browser MessagePort, or a Node one behind a few lines of adapter. */
export interface PortEndpoint {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  start?(): void;
  close?(): void;
}

/** A started worker: the port the conductor talks through, and a way to kill the thread. */
export interface SpawnedWorker {
  endpoint: PortEndpoint;
  terminate(): void;
  /** Tells the transport when the worker dies by itself (an uncaught error, a failed load). */
  onDeath?(listener: (reason: string) => void): void;
}

export interface WorkerTransportOptions {
  /**
   * Ask through a shared mailbox (SharedArrayBuffer and Atomics, see sharedMailbox.ts) instead of the port,
   * once the worker is started. Only where memory can be shared: a cross-origin isolated page's workers,
   * or Node. The run is the same either way, byte for byte; only the wall time differs.
   */
  shared?: boolean;
}

/**
 * How long the conductor sleeps on a mailbox before it lets its own event loop run (a worker's death is
 * heard there) and sleeps again.
 */
const MAILBOX_WAIT_SLICE_MS = 20;

/** Looks at the mailbox this many times before it sleeps: a server's answer often takes only microseconds. */
const MAILBOX_SPINS = 4000;

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
  options: WorkerTransportOptions = {},
): TransportFactory {
  return (config, startVt, onRequest) => {
    const mailbox = options.shared ? new SharedMailbox() : undefined;
    let alive = true;
    let ended = false;
    let worker: SpawnedWorker | undefined;
    let lastVt = startVt;
    const waiting: ((answer: FromServerWorker | 'died') => void)[] = [];
    const listener = (event: MessageEvent) => waiting.shift()?.(event.data as FromServerWorker);
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
        for (const answer of waiting.splice(0)) answer('died');
      };
    });

    /**
     * Asks the worker and waits for its answer (or its death); throws what the worker threw. A question
     * that cannot be sent (`postMessage` throws, say on a value that cannot be cloned) takes its place in
     * line back out before it throws: left there, it would take the next answer, and every later question
     * would get the answer to the one before it.
     */
    const ask = async (question: ToServerWorker): Promise<FromServer[] | 'died'> => {
      const answer = await Promise.race([
        new Promise<FromServerWorker | 'died'>((resolve, reject) => {
          waiting.push(resolve);
          try {
            worker!.endpoint.postMessage(question);
          } catch (error) {
            waiting.splice(waiting.indexOf(resolve), 1);
            reject(
              new Error(
                `server ${config.id}: could not send ${describeQuestion(question)} to its worker: ${messageOf(error)}`,
              ),
            );
          }
        }),
        death,
      ]);
      if (answer === 'died') return answer;
      if (answer.type === 'error') throw fromWireError(answer.error);
      return answer.requests;
    };

    /**
     * The same through the shared mailbox. The question goes in at once; the wait starts a microtask
     * later, so that every question of a batch (Network.deliverBatch asks several servers together) is out
     * before the conductor sleeps on the first answer, and the servers work side by side.
     */
    const askShared = async (
      box: SharedMailbox,
      question: ToServerWorker,
    ): Promise<FromServer[] | 'died'> => {
      try {
        box.put(MAILBOX_QUESTION, question);
      } catch (error) {
        throw new Error(
          `server ${config.id}: could not send ${describeQuestion(question)} to its worker: ${messageOf(error)}`,
          { cause: error },
        );
      }
      await Promise.resolve();
      while (box.waitWhile(MAILBOX_QUESTION, MAILBOX_WAIT_SLICE_MS, MAILBOX_SPINS) !== MAILBOX_ANSWER) {
        if (!alive) return 'died';
        // Still working, or dead: let the event loop run, where a death is heard, and look again.
        await settle();
        if (!alive) return 'died';
      }
      const answer = box.take() as FromServerWorker;
      if (answer.type === 'error') throw fromWireError(answer.error);
      return answer.requests;
    };

    const ready = (async () => {
      try {
        worker = await spawn(config);
      } catch (error) {
        died(`it could not start: ${messageOf(error)}`);
        return;
      }
      if (ended) return worker.terminate();
      worker.onDeath?.(died);
      worker.endpoint.addEventListener('message', listener);
      worker.endpoint.start?.();
      const requests = await ask({
        type: 'init',
        config,
        startVt,
        ...(mailbox ? { mailbox: mailbox.buffer } : {}),
      });
      if (alive && requests !== 'died') for (const request of requests) onRequest(request);
    })();
    return {
      async exchange(message) {
        await ready;
        if (!alive || !worker) return null;
        lastVt = message.vt;
        const question: ToServerWorker = { type: 'handle', message };
        const requests = await (mailbox ? askShared(mailbox, question) : ask(question));
        return alive && requests !== 'died' ? requests : null;
      },
      terminate() {
        // Also after a death: the dead worker's thread and port are released all the same.
        if (ended) return;
        ended = true;
        alive = false;
        for (const answer of waiting.splice(0)) answer('died');
        mailbox?.close();
        worker?.endpoint.removeEventListener('message', listener);
        worker?.endpoint.close?.();
        worker?.terminate();
      },
    };
  };
}

/** What a question is, for an error message: "its init message", "a 'command' message". */
export function describeQuestion(question: ToServerWorker): string {
  return question.type === 'init' ? 'its init message' : `a '${question.message.kind}' message`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
