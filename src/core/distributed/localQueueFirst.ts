import type { ClaimedJob, JobSource, TakeResult } from '../jobSource.js';
import type { JsonObject } from '../json.js';
import type { LocalJobSource } from '../localJobSource.js';

/**
 * Hazard H10, the reference's per-server queue in front of the shared table: jobs enqueued on a server
 * wait in its memory, and each election tick hands all but one of them to the shared table. The worker
 * takes from this server's queue first, then claims from the table.
 *
 * The worker always takes through this source, even with H10 off (the local queue is then empty and the
 * take goes straight on to the table): H10 can be switched while running, and jobs that wait locally when
 * it is switched off must still run. Taking through it the whole time also keeps every run's trace the
 * same as before the hazard was given its own module.
 */
export class LocalQueueFirst implements JobSource {
  private readonly owners = new WeakMap<ClaimedJob, JobSource>();
  private readonly sources: readonly JobSource[];

  constructor(
    readonly local: LocalJobSource,
    shared: JobSource,
  ) {
    this.sources = [local, shared];
  }

  /** Jobs waiting in this server's memory. */
  get waiting(): number {
    return this.local.waiting;
  }

  /** Keeps a job in this server's memory. */
  keep(id: string, name: string, params: JsonObject): void {
    this.local.queue.push({ id, name, params, attempts: 0 });
  }

  /**
   * The reference's election tick hands every local job but one to the shared table, oldest first: the
   * next of them, or undefined when one or none is left.
   */
  nextToDistribute(): { name: string; params: JsonObject } | undefined {
    return this.local.queue.length > 1 ? this.local.queue.shift() : undefined;
  }

  async take(max: number): Promise<TakeResult> {
    const jobs: ClaimedJob[] = [];
    let nextDueInMs: number | undefined;
    for (const source of this.sources) {
      if (jobs.length >= max) break;
      const taken = await source.take(max - jobs.length);
      for (const job of taken.jobs) this.owners.set(job, source);
      jobs.push(...taken.jobs);
      if (taken.nextDueInMs !== undefined) nextDueInMs = Math.min(nextDueInMs ?? Infinity, taken.nextDueInMs);
    }
    return { jobs, nextDueInMs };
  }

  complete(job: ClaimedJob): Promise<boolean> {
    return this.owner(job).complete(job);
  }

  fail(job: ClaimedJob, error: unknown, maxAttempts: number, retryInMs: number): Promise<void> {
    return this.owner(job).fail(job, error, maxAttempts, retryInMs);
  }

  release(job: ClaimedJob, started: boolean): Promise<{ dbAt?: number } | void> {
    return this.owner(job).release(job, started);
  }

  onWork(listener: () => void): () => void {
    const stops = this.sources.map((source) => source.onWork(listener));
    return () => stops.forEach((stop) => stop());
  }

  private owner(job: ClaimedJob): JobSource {
    const source = this.owners.get(job);
    if (!source) throw new Error(`job ${job.id} was not taken from this source`);
    return source;
  }
}
