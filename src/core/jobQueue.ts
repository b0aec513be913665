import type { JsonObject } from './json.js';

export interface QueuedJob {
  id: string;
  name: string;
  params: JsonObject;
  /** Attempts already made: 0 for a fresh job. */
  attempts: number;
  tickAt?: number | undefined;
}

/**
 * The seed's jobQueue: one in-memory FIFO per server, shared by whoever enqueues, the scheduler and the
 * worker. It is lost when the process ends; the distributed mode puts jobs in the database instead.
 */
export class JobQueue {
  private readonly items: QueuedJob[] = [];
  private head = 0;
  private readonly listeners = new Set<() => void>();

  push(job: QueuedJob): void {
    this.items.push(job);
    for (const listener of this.listeners) listener();
  }

  shift(): QueuedJob | undefined {
    if (this.head >= this.items.length) return undefined;
    const job = this.items[this.head];
    this.items[this.head++] = undefined as unknown as QueuedJob;
    // Compact now and then so a long-lived queue does not keep every job it ever held.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return job;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Calls `listener` after every push; returns a function that stops it. */
  onPush(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
