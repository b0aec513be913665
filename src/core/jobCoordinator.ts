import { describeError } from './errors';
import { Emitter, type StopReport } from './events';
import { resolveHazards, type Hazards } from './hazards';
import { JobRegistry } from './job';
import { JobQueue } from './jobQueue';
import { JobScheduler } from './jobScheduler';
import { JobWorker } from './jobWorker';
import type { JsonObject } from './json';
import { LocalJobSource } from './localJobSource';
import { MemoryTickLedger } from './memoryTickLedger';
import { checkCommonOptions, type JobCoordinatorOptions } from './options';

export type CoordinatorState = 'idle' | 'running' | 'stopping' | 'stopped' | 'crashed';

/** The seed's jobCoordinator service, the same surface in single-server and distributed mode. */
export interface JobCoordinator {
  readonly serverId: string;
  readonly mode: 'single' | 'distributed';
  readonly state: CoordinatorState;
  /** Whether this server runs the scheduler now (always, for a running single server with jobs). */
  readonly isLeader: boolean;
  /** The leadership term this server holds, in distributed mode. */
  readonly term: number | null;
  readonly hazards: Hazards;
  /** The jobs this server is running now. */
  runningJobs(): { jobId: string; jobName: string; attempt: number }[];
  /** Starts scheduler and worker (or, distributed, election and claims). Calling it again does nothing. */
  start(): Promise<void>;
  /** Stops scheduling and claiming, lets running jobs finish within the grace period, reports the rest. */
  stop(options?: { graceMs?: number }): Promise<StopReport>;
  /** The seed's alias of stop(). */
  destroy(options?: { graceMs?: number }): Promise<StopReport>;
  /** Adds a job to the queue; rejects at once for an unknown job or params that are not plain JSON. */
  enqueue(name: string, params?: JsonObject): Promise<string>;
}

/**
 * Start/stop bookkeeping shared by both modes: start() is idempotent, stop() waits for a start in
 * progress, a crashed server stays crashed.
 */
export abstract class CoordinatorLifecycle {
  private currentState: CoordinatorState = 'idle';
  private starting: Promise<void> | undefined;
  private stopping: Promise<StopReport> | undefined;
  protected crashError: unknown;

  get state(): CoordinatorState {
    return this.currentState;
  }

  protected abstract doStart(): Promise<void>;
  protected abstract doStop(graceMs: number): Promise<StopReport>;
  protected abstract doHalt(): void;
  protected abstract readonly defaultGraceMs: number;
  protected abstract readonly events: Emitter;

  start(): Promise<void> {
    if (this.currentState === 'crashed') {
      return Promise.reject(
        new Error(`server crashed and cannot start again: ${describeError(this.crashError)}`),
      );
    }
    if (this.currentState === 'running') return this.starting ?? Promise.resolve();
    if (this.currentState === 'stopping') return this.stopping!.then(() => this.start());
    this.currentState = 'running';
    this.starting = this.doStart().catch((error: unknown) => {
      this.currentState = 'stopped';
      throw error;
    });
    return this.starting;
  }

  stop(options: { graceMs?: number } = {}): Promise<StopReport> {
    if (this.currentState === 'stopping') return this.stopping!;
    const nothing: StopReport = {
      finished: 0,
      abandoned: [],
      leftInLocalQueue: 0,
      releasedLeadership: false,
    };
    if (this.currentState !== 'running') return Promise.resolve(nothing);
    this.currentState = 'stopping';
    const graceMs = options.graceMs ?? this.defaultGraceMs;
    this.stopping = (async () => {
      await this.starting?.catch(() => {});
      const report = await this.doStop(graceMs);
      if (this.currentState === 'stopping') this.currentState = 'stopped';
      this.events.emit({ type: 'stopped', report });
      return report;
    })();
    return this.stopping;
  }

  destroy(options?: { graceMs?: number }): Promise<StopReport> {
    return this.stop(options);
  }

  /** What the reference's process does on an unhandled rejection: it dies, without any cleanup. */
  protected crash(error: unknown): void {
    if (this.currentState === 'crashed') return;
    this.currentState = 'crashed';
    this.crashError = error;
    this.doHalt();
    this.events.emit({ type: 'crashed', error: describeError(error) });
  }
}

/**
 * Single-server mode: the scheduler pushes due cron jobs onto this server's in-memory jobQueue and the
 * worker drains it. Two of these on one application (hazard H14) each run their own scheduler.
 */
export class SingleServerJobCoordinator extends CoordinatorLifecycle implements JobCoordinator {
  readonly mode = 'single' as const;
  readonly term = null;
  readonly hazards: Hazards;
  readonly jobQueue = new JobQueue();
  protected readonly events: Emitter;
  protected readonly defaultGraceMs: number;
  private readonly registry: JobRegistry;
  private readonly source: LocalJobSource;
  private readonly worker: JobWorker;
  private scheduler: JobScheduler | undefined;

  constructor(private readonly options: JobCoordinatorOptions) {
    super();
    checkCommonOptions(options);
    this.hazards = resolveHazards(options.hazards);
    this.registry = new JobRegistry(options.jobs, {
      timezone: options.timezone,
      misfire: options.misfire,
      acceptBadCron: this.hazards.crashOnBadCrontab,
      maxAttempts: options.maxAttempts,
      backoff: options.backoff,
    });
    this.defaultGraceMs = options.stopGraceMs ?? 10_000;
    this.events = new Emitter(options.serverId, () => options.clock.now(), options.onEvent);
    this.source = new LocalJobSource(this.jobQueue, options.clock, this.events, this.hazards.droppedFailures);
    this.worker = new JobWorker({
      clock: options.clock,
      entropy: options.entropy,
      registry: this.registry,
      source: this.source,
      events: this.events,
      concurrency: options.concurrency ?? 4,
      pollIntervalMs: 60_000,
      enqueue: (name, params) => this.enqueue(name, params),
    });
  }

  get serverId(): string {
    return this.options.serverId;
  }

  get isLeader(): boolean {
    return this.scheduler?.isRunning ?? false;
  }

  runningJobs() {
    return this.worker.runningJobs.map((job) => ({ jobId: job.id, jobName: job.name, attempt: job.attempt }));
  }

  async enqueue(name: string, params: JsonObject = {}): Promise<string> {
    this.registry.checkEnqueue(name, params);
    return this.pushJob(name, params, undefined);
  }

  protected async doStart(): Promise<void> {
    this.events.emit({ type: 'started', mode: 'single', withoutJobs: this.options.withoutJobs ?? false });
    if (this.options.withoutJobs) return;
    const { clock } = this.options;
    this.scheduler = new JobScheduler({
      clock,
      events: this.events,
      ledger: new MemoryTickLedger({
        schedules: this.registry.schedules,
        now: () => clock.now(),
        events: this.events,
        push: async (schedule, tickAt) => this.pushJob(schedule.jobName, schedule.params, tickAt),
        replayAll: this.hazards.replayMissedTicks,
        term: null,
      }),
      onFenced: () => true,
      onFatal: (error) => this.crash(error),
    });
    this.scheduler.start();
    this.worker.start();
  }

  protected async doStop(graceMs: number): Promise<StopReport> {
    await this.scheduler?.stop();
    const { finished, abandoned } = await this.worker.stop(graceMs);
    return { finished, abandoned, leftInLocalQueue: this.source.waiting, releasedLeadership: false };
  }

  protected doHalt(): void {
    void this.scheduler?.stop();
    this.worker.halt();
  }

  private pushJob(name: string, params: JsonObject, tickAt: number | undefined): string {
    const id = this.options.entropy.newId('job');
    this.jobQueue.push({ id, name, params, attempts: 0, tickAt });
    this.events.emit({ type: 'enqueued', jobId: id, jobName: name, target: 'local' });
    return id;
  }
}
