import type { JobDefinition } from '../../core/job.js';
import type { FromServer, ServerConfig, ToServer } from './protocol.js';
import { ServerRuntime } from './serverRuntime.js';
import { settle } from '../time/settle.js';

/** How the conductor reaches one server process. */
export interface ServerTransport {
  /**
   * Hands a message to the server and resolves, once the server has reacted to it and is idle, with the
   * requests it made, in order; or with null when the process has ended (terminated, or its worker died)
   * and its requests must not be heard. The conductor, not the transport, then acts on the requests: it
   * may exchange messages with several servers at once and still act on their answers in a fixed order.
   *
   * Every transport answers only once the server is idle, never while it is still reacting: that is what
   * makes a run the same, byte for byte, in this thread and in Web Workers.
   */
  exchange(message: ToServer): Promise<FromServer[] | null>;
  /** Ends the process for good: no message reaches it and none of its requests is heard again. */
  terminate(): void;
}

/**
 * Starts a server process. `onRequest` hears what the process asks for outside any exchange: the requests
 * of its start, and a `crashed` event if its worker dies by itself.
 */
export type TransportFactory = (
  config: ServerConfig,
  startVt: number,
  onRequest: (message: FromServer) => void,
) => ServerTransport;

/**
 * Runs one server and collects what it asks for while it reacts to a message. Used by the in-thread
 * transport here and by the Web Worker entry point (workers/server.worker.ts), so both behave alike.
 */
export class ServerHost {
  private readonly runtime: ServerRuntime;
  private outbox: FromServer[] = [];
  private closed = false;

  /** `ownJobs`: the user's own job definitions (functions: in this thread only, see RunOptions.jobs). */
  constructor(config: ServerConfig, startVt: number, ownJobs?: ReadonlyMap<string, JobDefinition>) {
    const send = (message: FromServer) => {
      if (!this.closed) this.outbox.push(message);
    };
    this.runtime = new ServerRuntime(config, startVt, send, ownJobs);
  }

  /**
   * The process is gone (crashed, or its stop is over): whatever its code still does (a job's run() that
   * had a microtask left, say) is asked of no one and heard by no one.
   */
  close(): void {
    this.closed = true;
    this.outbox = [];
  }

  /** Handles one message, waits until the server is idle, and returns its requests in order. */
  async handle(message: ToServer): Promise<FromServer[]> {
    this.runtime.handle(message);
    await settle();
    const requests = this.outbox;
    this.outbox = [];
    return requests;
  }

  /** Requests made outside any message (the constructor's), handed over once at the start. */
  drain(): FromServer[] {
    const requests = this.outbox;
    this.outbox = [];
    return requests;
  }
}

/**
 * The in-thread transport whose servers also run the user's own jobs: the only transport a function can
 * reach (runScenario picks it when given RunOptions.jobs).
 */
export function inThreadTransportWith(ownJobs: ReadonlyMap<string, JobDefinition>): TransportFactory {
  return (config, startVt, onRequest) => inThread(new ServerHost(config, startVt, ownJobs), onRequest);
}

/** The server runs in the conductor's own thread: the fastest transport, for tests and the CLI. */
export const inThreadTransport: TransportFactory = (config, startVt, onRequest) =>
  inThread(new ServerHost(config, startVt), onRequest);

function inThread(host: ServerHost, onRequest: (message: FromServer) => void): ServerTransport {
  let alive = true;
  for (const request of host.drain()) onRequest(request);
  return {
    exchange: async (message) => {
      if (!alive) return null;
      const requests = await host.handle(message);
      return alive ? requests : null;
    },
    terminate: () => {
      alive = false;
      host.close();
    },
  };
}
