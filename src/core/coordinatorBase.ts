import { describeError } from './errors.js';
import { Emitter, type StopReport } from './events.js';
import { hazardsOn, resolveHazards, type HazardSelection, type Hazards } from './hazards.js';
import { JobRegistry, type CronScheduleDefinition } from './job.js';
import type { JobWorker } from './jobWorker.js';
import { checkCommonOptions, type JobCoordinatorOptions } from './options.js';

export type CoordinatorState = 'idle' | 'running' | 'stopping' | 'stopped' | 'crashed';

/**
 * What both modes share: the validated options, hazards, job registry and event stamping, and the
 * start/stop bookkeeping: start() is idempotent, stop() waits for a start in progress, a crashed server
 * stays crashed.
 */
export abstract class CoordinatorBase {
  readonly hazards: Hazards;
  protected readonly registry: JobRegistry;
  protected readonly events: Emitter;
  protected readonly defaultGraceMs: number;
  protected abstract readonly worker: JobWorker;
  private currentState: CoordinatorState = 'idle';
  private starting: Promise<void> | undefined;
  private stopping: Promise<StopReport> | undefined;
  protected crashError: unknown;
  /** Hazard H6's one site: the scheduler fires every tick it missed, whatever the misfire policy. Read at each look. */
  protected readonly replaysMissedTicks = (): boolean => this.hazards.replayMissedTicks;
  /** Hazard H11's one site: a job that throws is logged and dropped. Read at each failure. */
  protected readonly dropsFailures = (): boolean => this.hazards.droppedFailures;

  constructor(protected readonly options: JobCoordinatorOptions) {
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
  }

  get serverId(): string {
    return this.options.serverId;
  }

  get state(): CoordinatorState {
    return this.currentState;
  }

  /**
   * Switches hazards on or off from now on: exactly the selection is on afterwards. Every switch acts at
   * once, except H7 (the scheduler's ledger is chosen at the next election) and H13 (cron is checked when
   * a job is defined).
   */
  setHazards(selection: HazardSelection): void {
    Object.assign(this.hazards, resolveHazards(selection));
    this.events.emit({ type: 'hazardsChanged', hazards: hazardsOn(this.hazards) });
  }

  /** Adds a cron schedule to a defined job while running; its first tick is the first one after now. */
  addSchedule(jobName: string, schedule: CronScheduleDefinition): void {
    const key = this.registry.addSchedule(jobName, schedule);
    this.events.emit({ type: 'scheduleAdded', scheduleKey: key });
  }

  runningJobs(): { jobId: string; jobName: string; attempt: number }[] {
    return this.worker.runningJobs.map((job) => ({ jobId: job.id, jobName: job.name, attempt: job.attempt }));
  }

  protected abstract doStart(): Promise<void>;
  protected abstract doStop(graceMs: number): Promise<StopReport>;
  protected abstract doHalt(): void;

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

  stop(options: { graceMs?: number | undefined } = {}): Promise<StopReport> {
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

  destroy(options?: { graceMs?: number | undefined }): Promise<StopReport> {
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
