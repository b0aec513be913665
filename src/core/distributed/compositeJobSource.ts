import type { ClaimedJob, JobSource, TakeResult } from '../jobSource';

/**
 * Several sources behind one: the first gets the first pick. Used for hazard H10, where jobs enqueued on
 * a server wait in its own memory before some of them reach the shared table.
 */
export class CompositeJobSource implements JobSource {
  private readonly owners = new WeakMap<ClaimedJob, JobSource>();

  constructor(private readonly sources: readonly JobSource[]) {}

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
