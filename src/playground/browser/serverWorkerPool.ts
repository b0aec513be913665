/** What the pool needs of a Web Worker: enough to fake one in a test. */
export interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  addEventListener(type: 'messageerror', listener: () => void): void;
  terminate(): void;
}

interface LiveEntry {
  serverId: string;
  worker: WorkerLike;
  deathListeners: ((reason: string) => void)[];
}

/**
 * The page's server workers, by handle: it starts them, connects each to a new MessageChannel, ends them,
 * and tells the conductor when one dies by itself.
 *
 * A worker's own error event and the conductor's `onDeath` registration race (the registration crosses
 * two workers over comlink after `spawn` has answered, the error comes straight to the page), so a death
 * is remembered with its reason until the conductor asks: the reason reported is the worker's own
 * whichever comes first. "had already ended" is said only of a handle the pool never saw die.
 */
export class ServerWorkerPool {
  private readonly live = new Map<number, LiveEntry>();
  /** Handles whose worker died by itself before anyone listened, with the reason it gave. */
  private readonly unheardDeaths = new Map<number, string>();
  private nextHandle = 1;

  constructor(private readonly createWorker: (serverId: string) => WorkerLike) {}

  spawn(serverId: string): { handle: number; port: MessagePort } {
    const worker = this.createWorker(serverId);
    const handle = this.nextHandle++;
    const entry: LiveEntry = { serverId, worker, deathListeners: [] };
    this.live.set(handle, entry);
    worker.addEventListener('error', (event: ErrorEvent) => {
      // Handled: the server is reported crashed in the run, and the page goes on.
      event.preventDefault();
      this.die(handle, event.message || 'the worker failed to load or threw');
    });
    worker.addEventListener('messageerror', () => this.die(handle, 'a message could not be read'));
    const channel = new MessageChannel();
    worker.postMessage({ type: 'connect', port: channel.port1 }, [channel.port1]);
    return { handle, port: channel.port2 };
  }

  /** Ends a worker the conductor is done with (a crash, a stop, the end of the run). */
  terminate(handle: number): void {
    this.live.get(handle)?.worker.terminate();
    this.live.delete(handle);
    this.unheardDeaths.delete(handle);
  }

  /** Calls `listener` once with the reason the worker died by itself, now if it already has. */
  onDeath(handle: number, listener: (reason: string) => void): void {
    const entry = this.live.get(handle);
    if (entry) return void entry.deathListeners.push(listener);
    const reason = this.unheardDeaths.get(handle);
    this.unheardDeaths.delete(handle);
    listener(reason ?? 'the worker had already ended');
  }

  /** The ids of the servers whose worker is alive, sorted. */
  liveServerIds(): string[] {
    return [...this.live.values()].map((entry) => entry.serverId).sort();
  }

  /** Ends every worker. */
  terminateAll(): void {
    for (const { worker } of this.live.values()) worker.terminate();
    this.live.clear();
    this.unheardDeaths.clear();
  }

  private die(handle: number, reason: string): void {
    const entry = this.live.get(handle);
    if (!entry) return;
    this.live.delete(handle);
    entry.worker.terminate();
    if (entry.deathListeners.length === 0) this.unheardDeaths.set(handle, reason);
    for (const listener of entry.deathListeners) listener(reason);
  }
}
