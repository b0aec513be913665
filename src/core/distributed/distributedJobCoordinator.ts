import { CoordinatorBase } from '../coordinatorBase.js';
import { describeError, InvalidOptionError } from '../errors.js';
import type { StopReport } from '../events.js';
import type { CompiledSchedule } from '../job.js';
import type { JobCoordinator } from '../jobCoordinator.js';
import { JobQueue } from '../jobQueue.js';
import { JobScheduler } from '../jobScheduler.js';
import { JobWorker } from '../jobWorker.js';
import type { JsonObject } from '../json.js';
import { LocalJobSource } from '../localJobSource.js';
import { MemoryTickLedger } from '../memoryTickLedger.js';
import { checkRange, type JobCoordinatorOptions } from '../options.js';
import type { Database, SqlExecutor } from '../ports.js';
import type { TickLedger } from '../tickLedger.js';
import { DatabaseJobSource, JOBS_CHANNEL } from './databaseJobSource.js';
import { DatabaseTickLedger } from './databaseTickLedger.js';
import { asFenced, writeTerm } from './fencing.js';
import { LeaderElection } from './leaderElection.js';
import { LocalQueueFirst } from './localQueueFirst.js';
import { migrate } from './migrations.js';
import { serverLock, type Locked } from './serverLock.js';
import { INSERT_JOB, INSERT_SCHEDULED_JOB } from './sql/distributedJobsSql.js';
import { queryRows } from './sql/statement.js';
import { DISTRIBUTED_DEFAULTS } from './defaults.js';

export interface DistributedJobCoordinatorOptions extends JobCoordinatorOptions {
  /** This server's connection to the database every server shares. */
  database: Database;
  /** How often the leader renews its lease and followers look at it. Default 5 s. */
  heartbeatIntervalMs?: number | undefined;
  /** A lease not renewed for longer than this is taken over. Default 15 s. */
  leadershipTimeoutMs?: number | undefined;
  /** How long a job's claim lives without renewal before the job goes back to the queue. Default 30 s. */
  claimLeaseMs?: number | undefined;
  /** Longest a worker waits between looks at the table when nothing notifies it. Default 5 s. */
  pollIntervalMs?: number | undefined;
}

export { DISTRIBUTED_DEFAULTS };

/**
 * Distributed mode (the seed's `@pinstripe/distributed-jobs`), chosen explicitly by creating this class.
 * Every server elects a leader through `leadJobCoordinators`; the leader alone runs the scheduler, which
 * pushes due cron jobs into `distributedJobs`; every server with jobs, the leader included, claims jobs
 * from that table and runs them. Jobs enqueued on any server, even one without jobs, go to the table.
 */
export class DistributedJobCoordinator extends CoordinatorBase implements JobCoordinator {
  readonly mode = 'distributed' as const;
  declare protected readonly options: DistributedJobCoordinatorOptions;
  protected readonly worker: JobWorker;
  private readonly locked: Locked;
  private readonly election: LeaderElection;
  private readonly shared: DatabaseJobSource;
  /** What the worker takes from: this server's memory first (hazard H10), then the shared table. */
  private readonly jobs: LocalQueueFirst;
  private readonly settings: { [K in keyof typeof DISTRIBUTED_DEFAULTS]: number };
  private scheduler: JobScheduler | undefined;
  private schedulerStopping: Promise<void> | undefined;
  private schema: Promise<void> | undefined;

  constructor(options: DistributedJobCoordinatorOptions) {
    super(options);
    if (!options.database || typeof options.database.lock !== 'function') {
      throw new InvalidOptionError('database: expected a Database connection');
    }
    this.settings = { ...DISTRIBUTED_DEFAULTS, ...definedOnly(options) };
    const { heartbeatIntervalMs, leadershipTimeoutMs, claimLeaseMs, pollIntervalMs } = this.settings;
    checkRange(heartbeatIntervalMs, 'heartbeatIntervalMs', 10, 3_600_000);
    checkRange(leadershipTimeoutMs, 'leadershipTimeoutMs', 10, 24 * 3_600_000);
    checkRange(claimLeaseMs, 'claimLeaseMs', 30, 24 * 3_600_000);
    checkRange(pollIntervalMs, 'pollIntervalMs', 1, 3_600_000);
    if (leadershipTimeoutMs <= heartbeatIntervalMs) {
      throw new InvalidOptionError(
        `leadershipTimeoutMs (${leadershipTimeoutMs}) must exceed heartbeatIntervalMs (${heartbeatIntervalMs}), or a live leader loses its lease between heartbeats`,
      );
    }
    const { clock, entropy, serverId, database } = options;
    this.locked = serverLock(database, () => this.hazards.lockWaitersInheritErrors);
    this.shared = new DatabaseJobSource({
      database,
      locked: this.locked,
      clock,
      entropy,
      events: this.events,
      serverId,
      claimLeaseMs,
      hazards: this.hazards,
      dropFailures: this.dropsFailures,
    });
    this.jobs = new LocalQueueFirst(
      new LocalJobSource(new JobQueue(), clock, this.events, this.dropsFailures),
      this.shared,
    );
    this.worker = new JobWorker({
      clock,
      entropy,
      registry: this.registry,
      source: this.jobs,
      events: this.events,
      concurrency: options.concurrency ?? 4,
      pollIntervalMs,
      enqueue: (name, params) => this.enqueue(name, params),
    });
    this.election = new LeaderElection({
      database,
      locked: this.locked,
      clock,
      events: this.events,
      serverId,
      heartbeatIntervalMs,
      leadershipTimeoutMs,
      hazards: this.hazards,
      onElected: (term) => this.startScheduler(term),
      // Not awaited here: the election goes on at once; stop() awaits the same promise (schedulerStopping).
      // The scheduler's loop catches its own errors, so the stop cannot reject unheard.
      onDeposed: () => void this.stopScheduler(),
      onTick: () => this.referenceTick(),
    });
  }

  get isLeader(): boolean {
    return this.election.isLeader;
  }

  get term(): number | null {
    return this.election.term;
  }

  /** Whether this server's scheduler is running (under H5 it can outlive leadership). */
  get isScheduling(): boolean {
    return this.scheduler?.isRunning ?? false;
  }

  async enqueue(name: string, params: JsonObject = {}): Promise<string> {
    this.registry.checkEnqueue(name, params);
    if (this.hazards.distributeKeepsOne && !this.options.withoutJobs) {
      const id = this.options.entropy.newId('local');
      this.jobs.keep(id, name, params);
      this.events.emit({ type: 'enqueued', jobId: id, jobName: name, target: 'local' });
      return id;
    }
    const id = await this.insertJob(name, params);
    this.events.emit({ type: 'enqueued', jobId: id, jobName: name, target: 'shared' });
    return id;
  }

  async enqueueMany(name: string, paramsList: readonly JsonObject[]): Promise<string[]> {
    for (const params of paramsList) this.registry.checkEnqueue(name, params);
    if (paramsList.length === 0) return [];
    if (this.claimsAsTheReference) {
      // The reference has no batch: one insert and one notification a job.
      const ids: string[] = [];
      for (const params of paramsList) ids.push(await this.enqueue(name, params));
      return ids;
    }
    await this.ensureSchema();
    // One transaction: the batch is accepted whole or not at all, and announced once, so the server's own
    // worker takes it in one claim.
    const ids = await this.locked(async (tx) => {
      const added: string[] = [];
      for (const params of paramsList) added.push(await this.insertRow(tx, name, params));
      return added;
    });
    await this.announce(ids.length);
    for (const id of ids) this.events.emit({ type: 'enqueued', jobId: id, jobName: name, target: 'shared' });
    return ids;
  }

  protected async doStart(): Promise<void> {
    await this.ensureSchema();
    this.events.emit({
      type: 'started',
      mode: 'distributed',
      withoutJobs: this.options.withoutJobs ?? false,
    });
    if (this.options.withoutJobs) return;
    this.election.start();
    this.worker.start();
    this.shared.startRenewing();
  }

  protected async doStop(graceMs: number): Promise<StopReport> {
    // Stop scheduling first and free the lease, so another server leads while our jobs finish.
    await this.stopScheduler();
    const releasedLeadership = await this.election.stop();
    // Work this server kept for its own worker and did not take goes to the others as soon as it stops
    // claiming, not after the grace its running jobs get.
    const { finished, abandoned } = await this.worker.stop(graceMs, () =>
      this.shared.ownWork.tell().then(
        () => undefined,
        (error: unknown) => this.events.emit({ type: 'error', where: 'notify', error: describeError(error) }),
      ),
    );
    await this.shared.stopRenewing();
    return { finished, abandoned, leftInLocalQueue: this.jobs.waiting, releasedLeadership };
  }

  protected doHalt(): void {
    this.election.halt();
    void this.scheduler?.stop();
    this.worker.halt();
    this.shared.halt();
  }

  /** Runs the migrations once; every server does at start, and they are idempotent. */
  private ensureSchema(): Promise<void> {
    this.schema ??= migrate(this.locked).then(
      (versions) => {
        if (versions.length > 0) this.events.emit({ type: 'migrated', versions });
      },
      (error: unknown) => {
        this.schema = undefined;
        throw new Error(`migrations failed on server "${this.serverId}": ${describeError(error)}`, {
          cause: error,
        });
      },
    );
    return this.schema;
  }

  private async insertJob(name: string, params: JsonObject): Promise<string> {
    await this.ensureSchema();
    const id = await this.insertRow(this.options.database, name, params);
    await this.announce();
    return id;
  }

  /** One queued row of `name` in `distributedJobs`; its id. */
  private async insertRow(on: SqlExecutor, name: string, params: JsonObject): Promise<string> {
    const { maxAttempts } = this.registry.get(name);
    const rows = await queryRows(on, INSERT_JOB, [name, JSON.stringify(params), maxAttempts, this.serverId]);
    return String(rows[0]!.id);
  }

  /**
   * Tells of a job just added: this server's own worker takes it when it has a free slot, and the others
   * hear only of what that take leaves (ownWorkFirst.ts). The reference's claim paths tell everyone.
   */
  private async announce(jobs = 1): Promise<void> {
    if (!this.claimsAsTheReference && this.worker.freeSlots > 0) {
      this.shared.ownWork.keepForOwnTake(jobs);
      this.worker.wake();
      return;
    }
    await this.options.database.notify(JOBS_CHANNEL);
  }

  /** Hazards H8, H9 and H10 take the reference's claim path: every job told to every server. */
  private get claimsAsTheReference(): boolean {
    const { deleteOnClaim, oneClaimPerTick, distributeKeepsOne } = this.hazards;
    return deleteOnClaim || oneClaimPerTick || distributeKeepsOne;
  }

  private startScheduler(term: number): void {
    const { clock } = this.options;
    const ledger: TickLedger = this.hazards.noTickRecord
      ? new MemoryTickLedger({
          schedules: this.registry.schedules,
          now: () => clock.now(),
          events: this.events,
          push: (schedule, tickAt) => this.pushScheduledJob(schedule, tickAt, term),
          replayAll: this.replaysMissedTicks,
          term,
          followClockBack: true,
        })
      : new DatabaseTickLedger({
          locked: this.locked,
          registry: this.registry,
          events: this.events,
          serverId: this.serverId,
          term,
          replayAll: this.replaysMissedTicks,
          writeTerm: () => writeTerm(term, this.hazards),
          announce: (jobs) => this.announce(jobs),
        });
    const start = async () => {
      await this.schedulerStopping;
      if (!this.election.isLeader || this.election.term !== term || this.state !== 'running') return;
      this.scheduler = new JobScheduler({
        clock,
        ledger,
        events: this.events,
        onFenced: (error) => this.election.deposedByFencing(error.message),
        onFatal: (error) => this.crash(error),
      });
      this.scheduler.start();
    };
    void start();
  }

  private stopScheduler(): Promise<void> {
    const scheduler = this.scheduler;
    this.scheduler = undefined;
    if (!scheduler) return this.schedulerStopping ?? Promise.resolve();
    this.schedulerStopping = scheduler.stop();
    return this.schedulerStopping;
  }

  /** Hazard H7's scheduler pushes each tick's job on its own, fenced by term unless H4 is on too. */
  private async pushScheduledJob(schedule: CompiledSchedule, tickAt: number, term: number): Promise<string> {
    const { maxAttempts } = this.registry.get(schedule.jobName);
    try {
      const rows = await queryRows(this.options.database, INSERT_SCHEDULED_JOB, [
        schedule.jobName,
        JSON.stringify(schedule.params),
        maxAttempts,
        this.serverId,
        schedule.key,
        tickAt,
        writeTerm(term, this.hazards),
      ]);
      await this.options.database.notify(JOBS_CHANNEL);
      return String(rows[0]!.id);
    } catch (error) {
      throw asFenced(error, term, 'pushing scheduled jobs');
    }
  }

  /** The reference's per-tick work: hand local jobs to the table (H10) and claim one job when idle (H9). */
  private async referenceTick(): Promise<void> {
    if (this.hazards.distributeKeepsOne) {
      for (let job = this.jobs.nextToDistribute(); job; job = this.jobs.nextToDistribute()) {
        await this.insertJob(job.name, job.params);
      }
    }
    if (this.hazards.oneClaimPerTick && this.worker.runningJobs.length === 0) {
      this.shared.grantClaimPermit();
      this.worker.wake();
    }
  }
}

function definedOnly(options: DistributedJobCoordinatorOptions): Partial<typeof DISTRIBUTED_DEFAULTS> {
  const picked: Record<string, number> = {};
  for (const key of Object.keys(DISTRIBUTED_DEFAULTS)) {
    const value = options[key as keyof typeof DISTRIBUTED_DEFAULTS];
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}
