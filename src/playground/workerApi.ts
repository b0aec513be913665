import type { EngineCalls } from './calls';

/**
 * What the conductor's worker (workers/conductor.worker.ts) exposes to the page over comlink: the
 * PlaygroundEngine's calls, plus `init`, which loads sql.js and says where the servers run.
 */
export type ConductorWorkerApi = EngineCalls & {
  init(options: ConductorWorkerOptions, spawner?: ServerSpawner): Promise<void>;
  dispose(): void;
};

export interface ConductorWorkerOptions {
  /** Absolute address of sql.js's wasm file. */
  sqlWasmUrl: string;
  /** `workers` (default): each server in its own Web Worker; `in-thread`: all in the conductor's worker. */
  servers?: 'workers' | 'in-thread';
  /**
   * Whether the conductor may reach the server workers through shared memory where the page is
   * cross-origin isolated (default true); false keeps the ports, for comparison.
   */
  sharedMemory?: boolean;
}

/**
 * The page's side of starting server workers for the conductor: it starts a Web Worker, connects it to a
 * new MessageChannel and hands back the other port. A proxy of it crosses to the conductor's worker.
 */
export interface ServerSpawner {
  spawn(serverId: string): Promise<{ handle: number; port: MessagePort }>;
  terminate(handle: number): void;
  /** Calls `listener` with a reason if the worker dies by itself (an uncaught error, a failed load). */
  onDeath(handle: number, listener: (reason: string) => void): void;
}
