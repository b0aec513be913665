import type { CancelTimer } from '../../core/ports.js';
import { DISTRIBUTED_DEFAULTS } from '../../core/distributed/defaults.js';
import type { SqlJsModule } from '../../db/index.js';
import { SharedSqlJsDatabase } from '../../db/index.js';
import type { Action, ActionBody, Scenario } from '../../scenario/types.js';
import type { ResolvedTimings, RunResult } from '../runResult.js';
import type { JobDefinition } from '../../core/job.js';
import { checkOwnJobs, checkScenarioIsData, type OwnJobs } from '../ownJobs.js';
import { inThreadTransport, inThreadTransportWith, type TransportFactory } from '../server/transport.js';
import { databaseClock, type DatabaseClock } from '../time/databaseClock.js';
import { DEFAULT_EPOCH_MS, VirtualTime } from '../time/virtualTime.js';
import type { ServerSnapshot } from '../trace/serverState.js';
import type { Trace } from '../trace/trace.js';
import { isFault } from '../../scenario/faultActions.js';
import { EventBudgetReached } from '../runBudget.js';
import { Faults, type HealPlan } from './faults.js';
import { Hosts } from './hosts.js';
import { Network, networkOptions } from './network.js';
import { Observation, type ClusterSnapshot } from './observation.js';
import { Processes } from './processes.js';
import { Recording } from './recording.js';
import { resolveTarget } from './targets.js';
import { deriveSeed, SeededEntropy } from '../seededEntropy.js';

export type { ProcessState, ServerSnapshot } from '../trace/serverState.js';
export type { ClusterSnapshot } from './observation.js';
export type { HealPlan } from './faults.js';
export type { NetworkOptions } from './network.js';

export interface ConductorOptions {
  /** Overrides the scenario's seed. */
  seed?: number | undefined;
  transport?: TransportFactory | undefined;
  /** A ready sql.js module (browsers pass their own); Node loads it itself. */
  sqlJs?: SqlJsModule | undefined;
  /** The user's own jobs, run in this thread in place of the scenario's models: see RunOptions.jobs. */
  jobs?: OwnJobs | undefined;
  /**
   * Keep what it takes to show the run again at any earlier moment without running it (see Recording):
   * the playground's rewind. It changes nothing of the run.
   */
  record?: boolean | undefined;
}

/**
 * The deterministic conductor: it owns virtual time, the one shared sql.js database and the trace, runs
 * every server behind a transport, and decides when each of their requests is answered. Every ordering
 * decision comes from virtual time and one seeded random source (the network's latencies), and the trace
 * is recorded in the order the conductor acts, so the same scenario and seed give the same trace, byte for
 * byte, whichever transport carries the messages.
 *
 * It is four parts over one set of hosts: the processes (start, end, commands), the network (deliveries,
 * statements, locks, latency), the faults (carry out, heal, liveness) and the observation (trace, mirrored
 * server state, snapshots). This class wires them and keeps the clock and the actions.
 */
export class Conductor {
  readonly timings: ResolvedTimings;
  private readonly hosts = new Hosts();
  private readonly observation: Observation;
  private readonly network: Network;
  private readonly processes: Processes;
  private readonly faults: Faults;
  /** The draws of `@any` targets: a stream of their own, so that a target changes no other draw of the run. */
  private readonly targetEntropy: SeededEntropy;
  /** What the run keeps for a rewind, when asked (ConductorOptions.record). */
  recording: Recording | undefined;

  private constructor(
    readonly scenario: Scenario,
    readonly seed: number,
    readonly time: VirtualTime,
    readonly dbClock: DatabaseClock,
    readonly db: SharedSqlJsDatabase,
    transport: TransportFactory,
    ownJobs: ReadonlyMap<string, JobDefinition>,
  ) {
    this.targetEntropy = new SeededEntropy(deriveSeed(seed, 'targets'));
    const settings = scenario.coordinator ?? {};
    this.timings = {
      heartbeatIntervalMs: settings.heartbeatIntervalMs ?? DISTRIBUTED_DEFAULTS.heartbeatIntervalMs,
      leadershipTimeoutMs: settings.leadershipTimeoutMs ?? DISTRIBUTED_DEFAULTS.leadershipTimeoutMs,
      claimLeaseMs: settings.claimLeaseMs ?? DISTRIBUTED_DEFAULTS.claimLeaseMs,
      pollIntervalMs: settings.pollIntervalMs ?? DISTRIBUTED_DEFAULTS.pollIntervalMs,
      stopGraceMs: settings.stopGraceMs ?? 10_000,
    };
    const hosts = this.hosts;
    this.observation = new Observation(hosts, time, dbClock, db, DEFAULT_EPOCH_MS);
    this.network = new Network(networkOptions(scenario, seed), time, {
      event: (host, message) => {
        if (!this.observation.recordEvent(host, message)) return;
        const event = message.event;
        if (event.type === 'crashed') this.processes.end(host, 'crashed', `crashed: ${event.error}`, true);
      },
      commandDone: (host, generation, message) => this.processes.commandDone(host, generation, message),
    });
    this.processes = new Processes({
      scenario,
      seed,
      time,
      db,
      hosts,
      network: this.network,
      observation: this.observation,
      transport,
      ownJobs,
      onStartFailed: (host, generation) => this.faults.onStartFailed(host, generation),
    });
    this.faults = new Faults({
      scenario,
      timings: this.timings,
      time,
      dbClock,
      hosts,
      network: this.network,
      processes: this.processes,
      apply: (action) => this.apply(action),
    });
  }

  /** Opens the database and schedules the scenario: its servers start at 0, its actions at their times. */
  static async create(scenario: Scenario, options: ConductorOptions = {}): Promise<Conductor> {
    // Both refused before anything is opened, by the path of what is wrong (not as a DataCloneError later).
    checkScenarioIsData(scenario);
    const ownJobs = checkOwnJobs(options.jobs, options.transport);
    const transport =
      ownJobs.size > 0 ? inThreadTransportWith(ownJobs) : (options.transport ?? inThreadTransport);
    const seed = options.seed ?? scenario.seed;
    const time = new VirtualTime(DEFAULT_EPOCH_MS);
    const dbClock = databaseClock(time, scenario.database?.skewMs ?? 0);
    // The database reports lock events from its first statement; the conductor exists a moment later.
    const late: { conductor?: Conductor } = {};
    const recording = options.record ? new Recording(options.sqlJs) : undefined;
    const db = await SharedSqlJsDatabase.open({
      clock: dbClock,
      busyTimeoutMs: scenario.database?.busyTimeoutMs,
      sqlJs: options.sqlJs,
      observer: (event) => late.conductor?.observation.recordDatabase(event),
      onStatement:
        recording && ((sql, params, dbNowMs) => recording.statement(time.now(), sql, params, dbNowMs)),
    });
    const conductor = new Conductor(scenario, seed, time, dbClock, db, transport, ownJobs);
    late.conductor = conductor;
    conductor.recording = recording;
    for (const spec of scenario.servers) conductor.processes.start(spec);
    recording?.note(conductor.hosts, time, dbClock);
    for (const action of scenario.actions) conductor.schedule(action);
    return conductor;
  }

  /**
   * The run's event budget: once the trace holds more entries than `maxEvents`, the run (`runUntil`,
   * `step`) rejects with an EventBudgetReached at that instant (see runBudget.ts). Without it, none.
   */
  limitEvents(maxEvents: number): void {
    const time = this.time;
    // Thrown from a timer, ahead of everything else at the instant the budget is passed: the run stops
    // there, between two callbacks, and nothing in the database or a server is left half done.
    this.observation.limitTrace(maxEvents, () =>
      time.setTimerAt(
        time.now(),
        () => {
          throw new EventBudgetReached(maxEvents);
        },
        { first: true },
      ),
    );
  }

  get trace(): Trace {
    return this.observation.trace;
  }

  /**
   * Applies `action` at its `atMs`, ahead of everything else due at that instant. Scenario actions and
   * actions taken while the run is under way (the playground's) go through here alike, so a run saved as a
   * scenario file replays to the same trace. `atMs` must not be in the past.
   */
  schedule(action: Action): CancelTimer {
    if (action.atMs < this.elapsedMs)
      throw new RangeError(
        `cannot schedule an action at ${action.atMs} ms: the run is at ${this.elapsedMs} ms`,
      );
    return this.time.setTimerAt(DEFAULT_EPOCH_MS + action.atMs, () => this.apply(action), { first: true });
  }

  get epoch(): number {
    return DEFAULT_EPOCH_MS;
  }

  /** Virtual ms since the start of the run. */
  get elapsedMs(): number {
    return this.time.now() - DEFAULT_EPOCH_MS;
  }

  /** Runs until `elapsedMs` reaches `ms`. */
  runUntil(ms: number): Promise<void> {
    return this.time.runUntil(Math.max(this.time.now(), DEFAULT_EPOCH_MS + ms));
  }

  /** Runs to the next thing that happens (or `maxMs` further if nothing does). Returns the new elapsedMs. */
  async step(maxMs = 60_000): Promise<number> {
    const next = this.time.nextTimerAt();
    await this.time.runUntil(
      next === undefined ? this.time.now() + maxMs : Math.min(next, this.time.now() + maxMs),
    );
    return this.elapsedMs;
  }

  /**
   * Applies an action now. Actions return at once: what they set in motion (a start, a stop, an enqueue)
   * happens as virtual time runs; an action a server refuses is recorded as `actionFailed`.
   */
  apply(action: Action | ActionBody): void {
    const written: Action = { ...action, atMs: 'atMs' in action ? action.atMs : this.elapsedMs } as Action;
    // A relative target (`@leader` ...) is resolved here, at the action's time; the entry keeps it as written.
    const { action: stamped, target, refusal } = resolveTarget(written, this.hosts, this.targetEntropy);
    const named = 'server' in stamped && typeof stamped.server === 'string' ? stamped.server : null;
    const server = refusal === undefined ? named : null;
    const as = target === undefined ? {} : { target };
    this.observation.record(server, { source: 'action', type: 'action', action: stamped, ...as });
    try {
      if (refusal !== undefined) throw new Error(refusal);
      if (isFault(stamped)) this.faults.carryOut(stamped);
      else this.processes.carryOut(stamped);
    } catch (error) {
      this.observation.record(server, {
        source: 'action',
        type: 'actionFailed',
        action: stamped,
        error: String((error as Error).message ?? error),
        ...as,
      });
    }
    this.recording?.note(this.hosts, this.time, this.dbClock);
  }

  /**
   * Ends every fault: paused servers resume, cut-off ones are healed, crashed and stopped ones restart, and
   * stopping ones restart once their stop is over. What follows is the liveness phase: jobs must now
   * finish, and a start that fails is tried again. Usable at any time; see healPlan for what it will do.
   */
  heal(): void {
    this.faults.heal();
  }

  /** What heal() would do now, without doing it: the actions, and the servers it would restart after their stop. */
  healPlan(): HealPlan {
    return this.faults.healPlan();
  }

  /**
   * How long a healed cluster needs to finish what was left (see Faults.livenessMs), given the run's
   * actions: the scenario's, unless the run was scheduled action by action (the playground's session).
   */
  livenessMs(actions?: readonly Action[]): number {
    return this.faults.livenessMs(actions);
  }

  result(healedAt: number | null): RunResult {
    return this.observation.result(this, healedAt);
  }

  /** The coordinator's tables now, as `result` would hold them, without a copy of the trace. */
  finalTables(): RunResult['final'] {
    return this.observation.finalTables();
  }

  /** The cluster and its database now (see Observation.snapshot). */
  snapshot(options: { jobRows?: number } = {}): ClusterSnapshot {
    return this.observation.snapshot(options);
  }

  /** Each server as seen from outside: the snapshot without the database, cheap enough for every step. */
  servers(): ServerSnapshot[] {
    return this.observation.servers();
  }

  dispose(): void {
    this.observation.stop();
    for (const host of this.hosts.values()) this.processes.end(host, 'crashed', 'disposed', false);
    this.time.clear();
    this.db.close();
  }
}
