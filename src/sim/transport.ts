import type { FromServer, ServerConfig, ToServer } from './protocol';
import { ServerRuntime } from './serverRuntime';
import { settle } from './settle';

/** How the conductor reaches one server process. */
export interface ServerTransport {
  /**
   * Hands a message to the server and resolves once the server has reacted to it and is idle, after
   * handing over the requests it made, in order, through the `onRequest` given at creation.
   *
   * Every transport hands the requests over only once the server is idle, never while it is still
   * reacting: that is what makes a run the same, byte for byte, in this thread and in Web Workers.
   */
  deliver(message: ToServer): void | Promise<void>;
  /** Ends the process for good: no message reaches it and none of its requests is heard again. */
  terminate(): void;
}

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

  constructor(config: ServerConfig, startVt: number) {
    this.runtime = new ServerRuntime(config, startVt, (message) => this.outbox.push(message));
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

/** The server runs in the conductor's own thread: the fastest transport, for tests and the CLI. */
export const inThreadTransport: TransportFactory = (config, startVt, onRequest) => {
  let alive = true;
  const host = new ServerHost(config, startVt);
  for (const request of host.drain()) onRequest(request);
  return {
    deliver: async (message) => {
      if (!alive) return;
      const requests = await host.handle(message);
      if (alive) for (const request of requests) onRequest(request);
    },
    terminate: () => {
      alive = false;
    },
  };
};
