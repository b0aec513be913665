import type { FromServer, ServerConfig, ToServer } from './protocol';
import { ServerRuntime } from './serverRuntime';

/** How the conductor reaches one server process. */
export interface ServerTransport {
  /**
   * Hands a message to the server. Resolves once the server has reacted to it (in this thread, at once:
   * the conductor then waits for microtasks to drain; a Web Worker resolves when the worker says it is
   * idle). Its requests arrive through the `onRequest` given at creation, in the order it made them.
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

/** The server runs in the conductor's own thread: the fastest transport, for tests and the CLI. */
export const inThreadTransport: TransportFactory = (config, startVt, onRequest) => {
  let alive = true;
  const runtime = new ServerRuntime(config, startVt, (message) => {
    if (alive) onRequest(message);
  });
  return {
    deliver: (message) => {
      if (alive) runtime.handle(message);
    },
    terminate: () => {
      alive = false;
    },
  };
};
