import { CoordinatorBase, type CoordinatorState } from './coordinatorBase.js';
import type { StopReport } from './events.js';
import type { HazardSelection, Hazards } from './hazards.js';
import type { CronScheduleDefinition } from './job.js';
import { JobQueue } from './jobQueue.js';
import { JobScheduler } from './jobScheduler.js';
import { JobWorker } from './jobWorker.js';
import type { JsonObject } from './json.js';
import { LocalJobSource } from './localJobSource.js';
import { MemoryTickLedger } from './memoryTickLedger.js';
import type { JobCoordinatorOptions } from './options.js';

export type { CoordinatorState };

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
  stop(options?: { graceMs?: number | undefined }): Promise<StopReport>;
  /** The seed's alias of stop(). */
  destroy(options?: { graceMs?: number | undefined }): Promise<StopReport>;
  /** Adds a job to the queue; rejects at once for an unknown job or params that are not plain JSON. */
  enqueue(name: string, params?: JsonObject): Promise<string>;
  /**
   * Adds one job of `name` per entry of `paramsList`, all checked before any is added; distributed, they
   * are added in one transaction (all or none) and announced once. Returns their ids in order.
   */
  enqueueMany(name: string, paramsList: readonly JsonObject[]): Promise<string[]>;
  /** Exactly these hazards on from now on. */
  setHazards(selection: HazardSelection): void;
  /** Adds a cron schedule to a defined job while running; throws for an invalid one. */
  addSchedule(jobName: string, schedule: CronScheduleDefinition): void;
}

/**
 * Single-server mode: the scheduler pushes due cron jobs onto this server's in-memory jobQueue and the
 * worker drains it. Two of these on one application (hazard H14) each run their own scheduler.
 */
export class SingleServerJobCoordinator extends CoordinatorBase implements JobCoordinator {
  readonly mode = 'single' as const;
  readonly term = null;
  readonly jobQueue = new JobQueue();
  protected readonly worker: JobWorker;
  private readonly source: LocalJobSource;
  private scheduler: JobScheduler | undefined;

  constructor(options: JobCoordinatorOptions) {
    super(options);
    this.source = new LocalJobSource(this.jobQueue, options.clock, this.events, this.dropsFailures);
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

  get isLeader(): boolean {
    return this.scheduler?.isRunning ?? false;
  }

  async enqueue(name: string, params: JsonObject = {}): Promise<string> {
    this.registry.checkEnqueue(name, params);
    return this.pushJob(name, params, undefined);
  }

  async enqueueMany(name: string, paramsList: readonly JsonObject[]): Promise<string[]> {
    for (const params of paramsList) this.registry.checkEnqueue(name, params);
    const ids: string[] = [];
    for (const params of paramsList) ids.push(await this.pushJob(name, params, undefined));
    return ids;
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
        replayAll: this.replaysMissedTicks,
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
