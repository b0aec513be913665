import { JobQueue, type QueuedJob } from './jobQueue.js';
import type { ClaimedJob, JobSource, TakeResult } from './jobSource.js';
import type { Clock } from './ports.js';
import type { Emitter } from './events.js';
import { describeError } from './errors.js';

interface WaitingRetry {
  job: QueuedJob;
  dueAt: number;
}

/**
 * Single-server jobs: the in-memory jobQueue, plus retries that wait out their backoff on this server's
 * clock before they go back into the queue.
 */
export class LocalJobSource implements JobSource {
  private readonly retries: WaitingRetry[] = [];

  constructor(
    readonly queue: JobQueue,
    private readonly clock: Clock,
    private readonly events: Emitter,
    /** Hazard H11, read at each failure. */
    private readonly dropFailures: () => boolean,
  ) {}

  async take(max: number): Promise<TakeResult> {
    this.promoteDueRetries();
    const jobs: ClaimedJob[] = [];
    while (jobs.length < max) {
      const next = this.queue.shift();
      if (!next) break;
      jobs.push({
        id: next.id,
        name: next.name,
        params: next.params,
        attempt: next.attempts + 1,
        tickAt: next.tickAt,
        token: null,
        lost: false,
      });
    }
    const firstRetry = this.retries[0];
    return { jobs, nextDueInMs: firstRetry ? Math.max(0, firstRetry.dueAt - this.clock.now()) : undefined };
  }

  async complete(): Promise<boolean> {
    return true;
  }

  async fail(job: ClaimedJob, error: unknown, maxAttempts: number, retryInMs: number): Promise<void> {
    const base = { jobId: job.id, jobName: job.name, attempt: job.attempt, error: describeError(error) };
    if (this.dropFailures()) {
      this.events.emit({ type: 'failed', ...base, outcome: 'dropped' });
      return;
    }
    if (job.attempt >= maxAttempts) {
      this.events.emit({ type: 'failed', ...base, outcome: 'dead' });
      return;
    }
    this.events.emit({ type: 'failed', ...base, outcome: 'retry', retryInMs });
    const waiting: WaitingRetry = {
      job: { id: job.id, name: job.name, params: job.params, attempts: job.attempt, tickAt: job.tickAt },
      dueAt: this.clock.now() + retryInMs,
    };
    const at = this.retries.findIndex((other) => other.dueAt > waiting.dueAt);
    this.retries.splice(at === -1 ? this.retries.length : at, 0, waiting);
    // The worker may be asleep until its next poll: tell it a retry is now waiting, so it sleeps until it is due.
    for (const listener of [...this.retryListeners]) listener();
  }

  async release(job: ClaimedJob, started: boolean): Promise<void> {
    // Back to the queue; an attempt that began counts as made, one that never ran does not.
    this.queue.push({
      id: job.id,
      name: job.name,
      params: job.params,
      attempts: started ? job.attempt : job.attempt - 1,
      tickAt: job.tickAt,
    });
  }

  onWork(listener: () => void): () => void {
    const stopQueue = this.queue.onPush(listener);
    this.retryListeners.add(listener);
    return () => {
      stopQueue();
      this.retryListeners.delete(listener);
    };
  }

  private readonly retryListeners = new Set<() => void>();

  /** Jobs waiting in memory: queued plus waiting out a backoff. */
  get waiting(): number {
    return this.queue.length + this.retries.length;
  }

  private promoteDueRetries() {
    const now = this.clock.now();
    while (this.retries[0] && this.retries[0].dueAt <= now) this.queue.push(this.retries.shift()!.job);
  }
}
