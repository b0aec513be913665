import { backoffDelay } from './backoff.js';
import { describeError, JobTimeoutError, UnknownJobError } from './errors.js';
import type { Emitter, StopReport } from './events.js';
import { DEFAULT_JOB_TIMEOUT_MS, DEFAULT_MAX_ATTEMPTS, type JobContext, type JobRegistry } from './job.js';
import type { ClaimedJob, JobSource } from './jobSource.js';
import type { JsonObject } from './json.js';
import type { CancelTimer, Clock, Entropy } from './ports.js';
import { Sleeper } from './sleeper.js';

export interface JobWorkerOptions {
  clock: Clock;
  entropy: Entropy;
  registry: JobRegistry;
  source: JobSource;
  events: Emitter;
  /** Attempts run at the same time on this server. */
  concurrency: number;
  /** Longest sleep between looks for work when nothing announces it. */
  pollIntervalMs: number;
  enqueue(name: string, params?: JsonObject): Promise<string>;
}

interface Attempt {
  job: ClaimedJob;
  /** Set when the attempt stops counting: timeout, or abandoned at stop. Later outcomes are ignored. */
  settled: boolean;
  cancelled: boolean;
  cancelTimeout: CancelTimer;
  /** Resolves once the attempt has settled one way or another. */
  done: Promise<void>;
  markDone: () => void;
}

/**
 * The seed's jobWorker: takes jobs from a source and runs them, up to `concurrency` at once. A job that
 * throws, rejects or hangs past its timeout never stops the worker; the source decides what a failure
 * means (retry with backoff, dead letter). It claims again as soon as a slot frees up, and sleeps only
 * when the source has nothing due.
 */
export class JobWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly attempts = new Set<Attempt>();
  private readonly settling = new Set<Promise<void>>();
  private readonly sleeper: Sleeper;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: JobWorkerOptions) {
    this.sleeper = new Sleeper(options.clock);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Attempts this worker could begin now: none once it stops. */
  get freeSlots(): number {
    return this.running ? this.options.concurrency - this.attempts.size : 0;
  }

  /** The jobs this server is running now. */
  get runningJobs(): ClaimedJob[] {
    return [...this.attempts].map((attempt) => attempt.job);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.options.source.onWork(() => this.sleeper.wake());
    this.loop = this.claimLoop();
  }

  /** Wakes the claim loop, for example when the source was told about new jobs. */
  wake(): void {
    this.sleeper.wake();
  }

  /**
   * Stops claiming, then gives running attempts `graceMs` on this server's clock to finish. Attempts still
   * running after that are handed back to the source and reported as abandoned.
   */
  async stop(
    graceMs: number,
    /** Runs once the claim loop has ended, before the grace period (the source's untold work, say). */
    onClaimingStopped?: () => Promise<void>,
  ): Promise<Pick<StopReport, 'finished' | 'abandoned'>> {
    if (this.running) {
      this.running = false;
      this.unsubscribe?.();
      this.sleeper.wake();
      await this.loop;
    }
    await onClaimingStopped?.();
    const runningAtStop = this.attempts.size;
    if (runningAtStop > 0) {
      await new Promise<void>((resolve) => {
        const cancel = this.options.clock.setTimer(graceMs, resolve);
        void Promise.all([...this.attempts].map((attempt) => attempt.done)).then(() => {
          cancel();
          resolve();
        });
      });
    }
    const abandoned: StopReport['abandoned'] = [];
    for (const attempt of [...this.attempts]) {
      attempt.settled = true;
      attempt.cancelled = true;
      attempt.cancelTimeout();
      attempt.markDone();
      this.attempts.delete(attempt);
      const { job } = attempt;
      abandoned.push({ jobId: job.id, jobName: job.name, attempt: job.attempt });
      this.track(
        this.options.source.release(job, true).then(
          (written) =>
            this.options.events.emit({
              type: 'released-claim',
              jobId: job.id,
              jobName: job.name,
              ...(written?.dbAt !== undefined ? { dbAt: written.dbAt } : {}),
            }),
          (error) => this.reportError('release', error),
        ),
      );
    }
    await Promise.all([...this.settling]);
    return { finished: runningAtStop - abandoned.length, abandoned };
  }

  /**
   * Stops at once without cleanup, as a process that dies would: running attempts stop counting and
   * their claims are left for their leases to expire.
   */
  halt(): void {
    this.running = false;
    this.unsubscribe?.();
    this.sleeper.wake();
    for (const attempt of this.attempts) {
      attempt.settled = true;
      attempt.cancelled = true;
      attempt.cancelTimeout();
      attempt.markDone();
    }
    this.attempts.clear();
  }

  private async claimLoop(): Promise<void> {
    const { source, concurrency, pollIntervalMs } = this.options;
    while (this.running) {
      const free = concurrency - this.attempts.size;
      let nextDueInMs: number | undefined;
      if (free > 0) {
        try {
          const taken = await source.take(free);
          for (const job of taken.jobs) {
            if (this.running) this.begin(job);
            else
              this.track(
                source.release(job, false).then(
                  () => undefined,
                  (error) => this.reportError('release', error),
                ),
              );
          }
          if (taken.jobs.length === free) continue;
          nextDueInMs = taken.nextDueInMs;
        } catch (error) {
          this.reportError('claim', error);
        }
      }
      if (!this.running) break;
      await this.sleeper.sleep(Math.min(pollIntervalMs, nextDueInMs ?? Number.POSITIVE_INFINITY));
    }
  }

  private begin(job: ClaimedJob): void {
    const { registry, clock, events } = this.options;
    const compiled = registry.has(job.name) ? registry.get(job.name) : undefined;
    const timeoutMs = compiled?.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
    let markDone = () => {};
    const done = new Promise<void>((resolve) => (markDone = resolve));
    const attempt: Attempt = {
      job,
      settled: false,
      cancelled: false,
      cancelTimeout: () => {},
      done,
      markDone,
    };
    this.attempts.add(attempt);
    events.emit({
      type: 'claimed',
      jobId: job.id,
      jobName: job.name,
      attempt: job.attempt,
      token: job.token,
    });
    if (!compiled) {
      this.finish(attempt, false, new UnknownJobError(job.name, registry.names()));
      return;
    }
    attempt.cancelTimeout = clock.setTimer(timeoutMs, () => {
      attempt.cancelled = true;
      this.finish(attempt, false, new JobTimeoutError(job.name, timeoutMs));
    });
    const context: JobContext = {
      jobId: job.id,
      jobName: job.name,
      attempt: job.attempt,
      maxAttempts: compiled.maxAttempts,
      serverId: events.serverId,
      tickAt: job.tickAt,
      now: () => clock.now(),
      sleep: (ms) => new Promise((resolve) => clock.setTimer(ms, resolve)),
      enqueue: (name, params) => this.options.enqueue(name, params),
      get cancelled() {
        return attempt.cancelled || job.lost;
      },
    };
    let outcome: unknown;
    try {
      outcome = compiled.run(job.params, context);
    } catch (error) {
      this.finish(attempt, false, error);
      return;
    }
    Promise.resolve(outcome).then(
      () => this.finish(attempt, true),
      (error: unknown) => this.finish(attempt, false, error),
    );
  }

  private finish(attempt: Attempt, ok: boolean, error?: unknown): void {
    if (attempt.settled) return;
    attempt.settled = true;
    attempt.cancelTimeout();
    attempt.markDone();
    this.attempts.delete(attempt);
    const { job } = attempt;
    const { source, events, registry, entropy } = this.options;
    const settle = async () => {
      if (ok) {
        const accepted = await source.complete(job);
        events.emit({
          type: accepted ? 'completed' : 'completionRejected',
          jobId: job.id,
          jobName: job.name,
          attempt: job.attempt,
        });
        return;
      }
      const compiled = registry.has(job.name) ? registry.get(job.name) : undefined;
      const maxAttempts = compiled?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
      const retryInMs = compiled ? backoffDelay(compiled.backoff, job.attempt, entropy.random()) : 0;
      await source.fail(job, error, maxAttempts, retryInMs);
    };
    this.track(settle().catch((settleError) => this.reportError(ok ? 'complete' : 'fail', settleError)));
    // A freed slot is news only to a worker that was full: one with free slots sleeps because nothing was
    // due, and it hears of new work from the source. Waking it anyway cost an empty claim per finished job.
    if (this.attempts.size + 1 >= this.options.concurrency) this.sleeper.wake();
  }

  private track(promise: Promise<void>): void {
    this.settling.add(promise);
    void promise.finally(() => this.settling.delete(promise));
  }

  private reportError(where: string, error: unknown): void {
    this.options.events.emit({ type: 'error', where, error: describeError(error) });
  }
}
