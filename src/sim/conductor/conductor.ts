import type { CancelTimer, Row, Transaction } from '../../core/ports';
import { DISTRIBUTED_DEFAULTS } from '../../core/distributed/defaults';
import type { SqlJsStatic } from 'sql.js';
import { SharedSqlJsDatabase, type SqlJsConnection } from '../../db';
import type { DatabaseEvent } from '../../db/events';
import type { Command, FromServer, ServerConfig, ToServer } from '../server/protocol';
import { toWireError } from '../server/protocol';
import type { ResolvedTimings, RunResult } from '../runResult';
import {
  DEFAULT_LATENCY_MS,
  type Action,
  type ActionBody,
  type HazardList,
  type JobModel,
  type Scenario,
  type ServerSpec,
} from '../../scenario/types';
import { deriveSeed, SeededEntropy } from '../seededEntropy';
import { Trace, type TraceBody } from '../trace/trace';
import {
  applyCoordinatorEvent,
  endProcess as endState,
  hasEnded,
  newServerState,
  serverSnapshot,
  type ServerState,
  type ServerSnapshot,
} from '../trace/serverState';

export type { ProcessState, ServerSnapshot } from '../trace/serverState';
import { inThreadTransport, type ServerTransport, type TransportFactory } from '../server/transport';
import {
  databaseClock,
  DEFAULT_EPOCH_MS,
  serverClock,
  VirtualTime,
  type DatabaseClock,
  type ServerClock,
} from '../time/virtualTime';

/**
 * Rejects a transaction the server rolled back. One object for all: building an Error (its stack) on
 * every lock cost 5% of a simulated hour.
 */
const ROLLED_BACK_BY_SERVER = new Error('rolled back by the server');

/** A message to a server, before the conductor stamps it with the time of delivery. */
type Undelivered = ToServer extends infer M ? (M extends unknown ? Omit<M, 'vt'> : never) : never;

/**
 * A message waiting for its instant. `timerId`: the server's own timer (it fires while the process lives
 * on, even stopping; a message of the conductor's goes only to a process that has not ended).
 */
interface Delivery {
  host: Host;
  generation: number;
  message: Undelivered;
  timerId?: number;
}

const noop = (): void => undefined;

/** The conductor's side of one server id: its current process, its connection and its faults. */
interface Host {
  spec: ServerSpec;
  /** Its process, faults, leadership and jobs: what the trace tells of it (see serverState.ts). */
  state: ServerState;
  transport: ServerTransport;
  connection: SqlJsConnection;
  /** Messages that came due while paused, delivered in order on resume. */
  held: Undelivered[];
  timers: Map<number, CancelTimer>;
  locks: Map<number, { tx?: Transaction; finish?: (outcome: 'commit' | 'rollback') => void }>;
  /** Channels the server listens on; registered on its connection whenever that connection is usable. */
  channels: Set<string>;
  listening: Map<string, () => void>;
  nextCommand: number;
  /** Mirrors the server's clock, for the snapshot. */
  clock: ServerClock;
  hazards: HazardList;
  /** Set by heal() on a server still stopping: it starts again once its stop has finished. */
  restartWhenStopped: boolean;
}

export interface ConductorOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  transport?: TransportFactory;
  /** A ready sql.js module (browsers pass their own); Node loads it itself. */
  sqlJs?: SqlJsStatic;
}

export interface ClusterSnapshot {
  /** Virtual ms since the start of the run. */
  elapsedMs: number;
  vt: number;
  db: number;
  servers: ServerSnapshot[];
  lockHolder: string | undefined;
  lockWaiters: string[];
  tables: { leadJobCoordinators: Row[]; distributedJobs: Row[] };
  /** Rows of distributedJobs by status, all of them (queued, claimed, completed, dead). */
  jobCounts: Record<string, number>;
}

/**
 * The deterministic conductor: it owns virtual time, the one shared sql.js database and the trace, runs
 * every server behind a transport, and decides when each of their requests is answered. Every ordering
 * decision comes from virtual time and one seeded random source (statement latencies), and the trace is
 * recorded in the order the conductor acts, so the same scenario and seed give the same trace, byte for
 * byte, whichever transport carries the messages.
 */
export class Conductor {
  readonly trace = new Trace();
  readonly timings: ResolvedTimings;
  private readonly hosts = new Map<string, Host>();
  /** Commands sent and not yet answered, by server, process generation and id. */
  private readonly commands = new Map<string, { command: Command; onDone?: () => void }>();
  private readonly random: SeededEntropy;
  private readonly latency: { min: number; max: number };
  private readonly jobs: JobModel[];
  private hazards: HazardList;
  /** Set by heal(): from then on the cluster is left to recover, and a process whose start fails is retried. */
  private healing = false;
  private disposed = false;
  /** How far, in all, the actions applied so far set the database clock back (see livenessMs). */
  private skewSetBackMs = 0;

  private constructor(
    readonly scenario: Scenario,
    readonly seed: number,
    readonly time: VirtualTime,
    readonly dbClock: DatabaseClock,
    readonly db: SharedSqlJsDatabase,
    private readonly transport: TransportFactory,
  ) {
    this.random = new SeededEntropy(deriveSeed(seed, 'conductor'));
    this.latency = scenario.database?.latencyMs ?? DEFAULT_LATENCY_MS;
    this.jobs = structuredClone(scenario.jobs);
    this.hazards = [...(scenario.hazards ?? [])];
    const settings = scenario.coordinator ?? {};
    this.timings = {
      heartbeatIntervalMs: settings.heartbeatIntervalMs ?? DISTRIBUTED_DEFAULTS.heartbeatIntervalMs,
      leadershipTimeoutMs: settings.leadershipTimeoutMs ?? DISTRIBUTED_DEFAULTS.leadershipTimeoutMs,
      claimLeaseMs: settings.claimLeaseMs ?? DISTRIBUTED_DEFAULTS.claimLeaseMs,
      pollIntervalMs: settings.pollIntervalMs ?? DISTRIBUTED_DEFAULTS.pollIntervalMs,
      stopGraceMs: settings.stopGraceMs ?? 10_000,
    };
  }

  /** Opens the database and schedules the scenario: its servers start at 0, its actions at their times. */
  static async create(scenario: Scenario, options: ConductorOptions = {}): Promise<Conductor> {
    const seed = options.seed ?? scenario.seed;
    const time = new VirtualTime(DEFAULT_EPOCH_MS);
    const dbClock = databaseClock(time, scenario.database?.skewMs ?? 0);
    // The database reports lock events from its first statement; the conductor exists a moment later.
    const late: { conductor?: Conductor } = {};
    const db = await SharedSqlJsDatabase.open({
      clock: dbClock,
      busyTimeoutMs: scenario.database?.busyTimeoutMs,
      sqlJs: options.sqlJs,
      observer: (event) => late.conductor?.recordDatabase(event),
    });
    const conductor = new Conductor(
      scenario,
      seed,
      time,
      dbClock,
      db,
      options.transport ?? inThreadTransport,
    );
    late.conductor = conductor;
    for (const spec of scenario.servers) conductor.startProcess(spec);
    for (const action of scenario.actions) conductor.schedule(action);
    return conductor;
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
    const stamped: Action = { ...action, atMs: 'atMs' in action ? action.atMs : this.elapsedMs } as Action;
    const server = 'server' in stamped && typeof stamped.server === 'string' ? stamped.server : null;
    this.record(server, { source: 'action', type: 'action', action: stamped });
    try {
      this.carryOut(stamped);
    } catch (error) {
      this.record(server, {
        source: 'action',
        type: 'actionFailed',
        action: stamped,
        error: String((error as Error).message ?? error),
      });
    }
  }

  /**
   * Ends every fault: paused servers resume, cut-off ones are healed, crashed and stopped ones restart.
   * What follows is the liveness phase: jobs must now finish.
   */
  heal(): void {
    this.healing = true;
    for (const host of this.hosts.values()) {
      if (host.state.paused) this.apply({ type: 'resume', server: host.spec.id });
      if (host.state.cutOff) this.apply({ type: 'heal', server: host.spec.id });
      if (host.state.process === 'crashed' || host.state.process === 'stopped')
        this.apply({ type: 'restart', server: host.spec.id });
      if (host.state.process === 'stopping') host.restartWhenStopped = true;
    }
  }

  /**
   * How long a healed cluster needs to finish what was left: a failover, a claim lease, the retries, and
   * as long again as the scenario sets the database's clock back, since leases, claims and retries are
   * measured on that clock (found by the soak: a claim lost in a cut-off expired 39 s late, after the
   * database clock was set back 39 s, and its job finished 1 ms after the run).
   */
  livenessMs(): number {
    const longestJob = Math.max(0, ...this.jobs.map((job) => job.durationMs ?? 0));
    const { leadershipTimeoutMs, heartbeatIntervalMs, claimLeaseMs } = this.timings;
    return (
      leadershipTimeoutMs +
      2 * heartbeatIntervalMs +
      claimLeaseMs +
      70_000 +
      6 * longestJob +
      this.databaseSetBackMs()
    );
  }

  /** How far, in all, the scenario's actions set the database clock back (known before the run). */
  private databaseSetBackMs(): number {
    let skew = this.scenario.database?.skewMs ?? 0;
    let back = 0;
    const changes = this.scenario.actions
      .filter((action) => action.type === 'setDatabaseSkew')
      .sort((a, b) => a.atMs - b.atMs);
    for (const change of changes) {
      back += Math.max(0, skew - change.skewMs);
      skew = change.skewMs;
    }
    return back;
  }

  result(healedAt: number | null): RunResult {
    return {
      scenario: this.scenario,
      seed: this.seed,
      trace: [...this.trace.entries],
      timings: this.timings,
      endedAt: this.time.now(),
      healedAt,
      final: {
        distributedJobs: this.rows('SELECT * FROM distributedJobs ORDER BY id'),
        jobCronTicks: this.rows('SELECT * FROM jobCronTicks ORDER BY scheduleKey, tickAt'),
        jobSchedules: this.rows('SELECT * FROM jobSchedules ORDER BY scheduleKey'),
        leadJobCoordinators: this.rows('SELECT * FROM leadJobCoordinators'),
      },
    };
  }

  /**
   * The cluster and its database now. `jobRows` keeps only the newest rows of distributedJobs (the
   * playground asks many times a second and shows a window); `jobCounts` always counts them all.
   */
  snapshot(options: { jobRows?: number } = {}): ClusterSnapshot {
    const jobs =
      options.jobRows === undefined
        ? this.rows('SELECT * FROM distributedJobs ORDER BY id')
        : this.rows('SELECT * FROM (SELECT * FROM distributedJobs ORDER BY id DESC LIMIT ?) ORDER BY id', [
            options.jobRows,
          ]);
    const jobCounts: Record<string, number> = { queued: 0, claimed: 0, completed: 0, dead: 0 };
    for (const row of this.rows('SELECT status, COUNT(*) AS n FROM distributedJobs GROUP BY status'))
      jobCounts[String(row.status)] = Number(row.n);
    return {
      elapsedMs: this.elapsedMs,
      vt: this.time.now(),
      db: this.dbClock.now(),
      servers: this.servers(),
      lockHolder: this.db.holder(),
      lockWaiters: this.db.waiters(),
      tables: {
        leadJobCoordinators: this.rows('SELECT * FROM leadJobCoordinators'),
        distributedJobs: jobs,
      },
      jobCounts,
    };
  }

  /** Each server as seen from outside: the snapshot without the database, cheap enough for every step. */
  servers(): ServerSnapshot[] {
    return [...this.hosts.values()].map((host) =>
      serverSnapshot(
        host.state,
        { localTime: host.clock.now(), offsetMs: host.clock.offset(), rate: host.clock.rate() },
        host.hazards,
      ),
    );
  }

  dispose(): void {
    // Ending the processes rolls back their transactions: not part of the run, so not in its trace (found
    // by the browser benchmark: a result handed out before dispose grew two entries after it).
    this.disposed = true;
    for (const host of this.hosts.values()) this.endProcess(host, 'crashed', 'disposed', false);
    this.time.clear();
    this.db.close();
  }

  // --- actions ---------------------------------------------------------------------------------------

  private carryOut(action: Action): void {
    switch (action.type) {
      case 'addServer':
        if (this.hosts.has(action.server.id)) throw new Error(`server "${action.server.id}" exists already`);
        return this.startProcess(action.server);
      case 'crash':
        return this.endProcess(this.live(action.server), 'crashed', 'crash', true);
      case 'stop': {
        const host = this.live(action.server);
        host.state.process = 'stopping';
        return this.command(host, { type: 'stop', graceMs: action.graceMs }, () => {
          this.endProcess(host, 'stopped', 'stop', false);
          if (host.restartWhenStopped) this.apply({ type: 'restart', server: host.spec.id });
        });
      }
      case 'restart': {
        const host = this.host(action.server);
        if (host.state.process === 'running' || host.state.process === 'stopping')
          throw new Error(`server "${host.spec.id}" is running`);
        return this.startProcess(host.spec);
      }
      case 'pause':
        this.live(action.server).state.paused = true;
        return;
      case 'resume': {
        const host = this.host(action.server);
        host.state.paused = false;
        const held = host.held;
        host.held = [];
        for (const message of held) this.deliverLater(host, host.state.generation, 0, message);
        return;
      }
      case 'cutOff': {
        const host = this.live(action.server);
        host.state.cutOff = true;
        host.connection.sever(`${host.spec.id} cut off from the database`);
        return;
      }
      case 'heal': {
        const host = this.host(action.server);
        host.state.cutOff = false;
        if (host.state.process === 'running' || host.state.process === 'stopping') {
          host.connection.restore();
          this.listen(host);
        }
        return;
      }
      case 'setClock': {
        const host = this.host(action.server);
        if (action.offsetMs !== undefined) host.clock.setOffset(action.offsetMs);
        if (action.rate !== undefined) host.clock.setRate(action.rate);
        host.spec = { ...host.spec, offsetMs: host.clock.offset(), rate: host.clock.rate() };
        if (host.state.process === 'running')
          this.command(host, { type: 'setClock', offsetMs: action.offsetMs, rate: action.rate });
        return;
      }
      case 'setDatabaseSkew':
        this.skewSetBackMs += Math.max(0, this.dbClock.skew() - action.skewMs);
        return this.dbClock.setSkew(action.skewMs);
      case 'enqueue':
        return this.command(this.live(action.server), {
          type: 'enqueue',
          job: action.job,
          params: action.params ?? {},
          count: action.count ?? 1,
        });
      case 'setJob': {
        const job = this.jobs.find((model) => model.name === action.job);
        if (!job) throw new Error(`no job "${action.job}"`);
        if (action.durationMs !== undefined) job.durationMs = action.durationMs;
        if (action.failureRate !== undefined) job.failureRate = action.failureRate;
        for (const host of this.running())
          this.command(host, {
            type: 'setJob',
            job: action.job,
            durationMs: action.durationMs,
            failureRate: action.failureRate,
          });
        return;
      }
      case 'addSchedule': {
        const job = this.jobs.find((model) => model.name === action.job);
        if (!job) throw new Error(`no job "${action.job}"`);
        job.schedules = [...(job.schedules ?? []), { cron: action.cron, params: action.params }];
        for (const host of this.running())
          this.command(host, {
            type: 'addSchedule',
            job: action.job,
            cron: action.cron,
            params: action.params,
          });
        return;
      }
      case 'setHazards': {
        const targets = action.servers ? action.servers.map((id) => this.host(id)) : [...this.hosts.values()];
        if (!action.servers) this.hazards = [...action.hazards];
        for (const host of targets) {
          host.hazards = [...action.hazards];
          if (host.state.process === 'running')
            this.command(host, { type: 'setHazards', hazards: action.hazards });
        }
        return;
      }
    }
  }

  private host(id: string): Host {
    const host = this.hosts.get(id);
    if (!host)
      throw new Error(`no server "${id}"; servers: ${[...this.hosts.keys()].join(', ') || '(none)'}`);
    return host;
  }

  private live(id: string): Host {
    const host = this.host(id);
    if (host.state.process !== 'running') throw new Error(`server "${id}" is ${host.state.process}`);
    return host;
  }

  private running(): Host[] {
    return [...this.hosts.values()].filter((host) => host.state.process === 'running');
  }

  // --- processes -------------------------------------------------------------------------------------

  private startProcess(spec: ServerSpec): void {
    const previous = this.hosts.get(spec.id);
    const generation = (previous?.state.generation ?? 0) + 1;
    const hazards = previous?.hazards ?? [...this.hazards];
    const clock = serverClock(this.time, { offsetMs: spec.offsetMs ?? 0, rate: spec.rate ?? 1 });
    const config: ServerConfig = {
      id: spec.id,
      generation,
      seed: deriveSeed(this.seed, 'server', spec.id, generation),
      mode: this.scenario.mode ?? 'distributed',
      withoutJobs: spec.withoutJobs ?? false,
      offsetMs: spec.offsetMs ?? 0,
      rate: spec.rate ?? 1,
      coordinator: this.scenario.coordinator ?? {},
      hazards,
      jobs: structuredClone(this.jobs),
    };
    const host: Host = {
      spec,
      state: newServerState(spec.id, { withoutJobs: spec.withoutJobs ?? false, generation }),
      transport: undefined as unknown as ServerTransport,
      connection: this.db.connect(spec.id),
      held: [],
      timers: new Map(),
      locks: new Map(),
      channels: new Set(),
      listening: new Map(),
      nextCommand: 1,
      clock,
      hazards,
      restartWhenStopped: false,
    };
    this.hosts.set(spec.id, host);
    host.transport = this.transport(config, this.time.now(), (message) =>
      this.onRequest(host, generation, message),
    );
    this.record(spec.id, {
      source: 'process',
      type: 'processStarted',
      generation,
      reason: previous ? 'restart' : 'start',
    });
    this.command(host, { type: 'start' });
  }

  /** Ends the current process of a host: a crash (no cleanup, its transaction rolled back) or after a stop. */
  private endProcess(host: Host, state: 'crashed' | 'stopped', reason: string, record: boolean): void {
    if (hasEnded(host.state)) return;
    host.state.process = state;
    host.transport.terminate();
    for (const cancel of host.timers.values()) cancel();
    host.timers.clear();
    for (const unlisten of host.listening.values()) unlisten();
    host.listening.clear();
    // Its open transaction is rolled back now; the database-side callbacks waiting for it are let go.
    host.connection.sever(`${host.spec.id} ${reason}`);
    for (const lock of host.locks.values()) lock.finish?.('rollback');
    host.locks.clear();
    host.held = [];
    // Only now: what severing the connection recorded (its rollback) still carries the term it ended.
    endState(host.state, state);
    if (record || state === 'stopped') {
      this.record(host.spec.id, {
        source: 'process',
        type: 'processEnded',
        generation: host.state.generation,
        reason,
      });
    }
  }

  private restartLater(host: Host, generation: number): void {
    this.time.setTimer(1_000, () => {
      if (host.state.generation === generation && host.state.process === 'crashed')
        this.apply({ type: 'restart', server: host.spec.id });
    });
  }

  private command(host: Host, command: Command, onDone?: () => void): void {
    const id = host.nextCommand++;
    const generation = host.state.generation;
    const pending = { command, onDone };
    this.commands.set(`${host.spec.id}#${generation}#${id}`, pending);
    this.deliverLater(host, generation, 0, { kind: 'command', id, command });
  }

  // --- the protocol ----------------------------------------------------------------------------------

  /** Schedules a message for the server's current process, `delayMs` from now (held while paused). */
  private deliverLater(host: Host, generation: number, delayMs: number, message: Undelivered): void {
    this.scheduleDelivery({ host, generation, message }, this.time.now() + Math.max(0, delayMs));
  }

  /**
   * Every message to a server goes through one batchable timer (see TimerBatch): due at one instant,
   * messages to different servers are handed over together, and each server works on its own at once
   * (in parallel, when each is a Web Worker).
   */
  private scheduleDelivery(delivery: Delivery, atVt: number): CancelTimer {
    return this.time.setTimerAt(atVt, noop, {
      batch: { runner: this.deliverBatch, key: delivery.host, item: delivery },
    });
  }

  /**
   * Delivers messages due at one instant, at most one per server, and acts on the answers in the order
   * the messages were due, letting each answer's consequences settle before the next: exactly what
   * delivering them one after the other gives, since a server's answer can change nothing of another
   * server's message that was already due (its content was fixed when it was scheduled; only a server's
   * own answers cancel its timers or end its process). The traces are the same, byte for byte.
   */
  private readonly deliverBatch = async (items: unknown[]): Promise<void> => {
    const sends: { delivery: Delivery; message: ToServer }[] = [];
    for (const delivery of items as Delivery[]) {
      const { host, generation, message } = delivery;
      if (delivery.timerId !== undefined) {
        host.timers.delete(delivery.timerId);
        if (host.state.generation !== generation) continue;
      } else if (
        host.state.generation !== generation ||
        host.state.process === 'crashed' ||
        host.state.process === 'stopped'
      ) {
        continue;
      }
      if (host.state.paused) {
        host.held.push(message);
        continue;
      }
      sends.push({ delivery, message: { ...message, vt: this.time.now() } as ToServer });
    }
    const answers = await Promise.all(
      sends.map(({ delivery, message }) => delivery.host.transport.exchange(message)),
    );
    for (let index = 0; index < sends.length; index++) {
      const { host, generation } = sends[index]!.delivery;
      const requests = answers[index];
      if (!requests) continue;
      for (const request of requests) this.onRequest(host, generation, request);
      // What the answer set in motion (statements, lock hand-overs) runs before the next answer is heard.
      if (index < sends.length - 1) await this.time.settle();
    }
  };

  private drawLatency(): number {
    const { min, max } = this.latency;
    return min + Math.floor(this.random.random() * (max - min + 1));
  }

  private onRequest(host: Host, generation: number, message: FromServer): void {
    if (host.state.generation !== generation) return;
    switch (message.kind) {
      case 'setTimer': {
        const cancel = this.scheduleDelivery(
          { host, generation, message: { kind: 'timer', id: message.id }, timerId: message.id },
          message.atVt,
        );
        host.timers.set(message.id, cancel);
        return;
      }
      case 'cancelTimer':
        host.timers.get(message.id)?.();
        host.timers.delete(message.id);
        return;
      case 'sql':
        return this.runStatement(host, generation, message);
      case 'notify': {
        const executor = message.lock === null ? host.connection : host.locks.get(message.lock)?.tx;
        const answer = executor
          ? executor.notify(message.channel)
          : Promise.reject(new Error(`no open transaction ${message.lock}`));
        return this.answer(
          host,
          generation,
          message.id,
          answer.then(() => ({ rows: [], changes: 0 })),
        );
      }
      case 'lock':
        return this.openLock(host, generation, message.id);
      case 'unlock':
        host.locks.get(message.id)?.finish?.(message.outcome);
        return;
      case 'listen':
        host.channels.add(message.channel);
        return this.listen(host);
      case 'unlisten':
        host.channels.delete(message.channel);
        host.listening.get(message.channel)?.();
        host.listening.delete(message.channel);
        return;
      case 'event':
        return this.recordEvent(host, message);
      case 'commandDone': {
        const key = `${host.spec.id}#${generation}#${message.id}`;
        const pending = this.commands.get(key);
        this.commands.delete(key);
        if (message.error && pending) {
          this.record(host.spec.id, {
            source: 'action',
            type: 'actionFailed',
            action: { atMs: this.elapsedMs, ...commandAction(host.spec.id, pending.command) },
            error: message.error.message,
          });
          // A process whose coordinator could not start (its migrations timed out behind a stalled lock
          // holder, or it was cut off) is dead: say so, so that heal() starts it again (found by the
          // property suite: it stayed "running" with nothing running, and its jobs were never done).
          if (pending.command.type === 'start') {
            this.endProcess(host, 'crashed', `start failed: ${message.error.message}`, true);
            // After the heal, a start that fails because of an earlier fault (found by the soak: a server
            // cut off while paused failed its start 1 ms after the heal) is tried again, a second later.
            if (this.healing) this.restartLater(host, generation);
            return;
          }
        }
        pending?.onDone?.();
        return;
      }
    }
  }

  /**
   * Registers the channels the server wants on its connection. A cut-off connection cannot listen (and
   * would hear nothing): its channels are registered when it is healed (found by the soak: a server that
   * began listening while cut off took the conductor down).
   */
  private listen(host: Host): void {
    if (host.state.cutOff || host.connection.isSevered) return;
    const generation = host.state.generation;
    for (const channel of host.channels) {
      if (host.listening.has(channel)) continue;
      const unlisten = host.connection.listen(channel, () =>
        this.deliverLater(host, generation, this.drawLatency(), { kind: 'notified', channel }),
      );
      host.listening.set(channel, unlisten);
    }
  }

  private runStatement(host: Host, generation: number, message: Extract<FromServer, { kind: 'sql' }>): void {
    const executor = message.lock === null ? host.connection : host.locks.get(message.lock)?.tx;
    let answer: Promise<{ rows: Row[]; changes: number }>;
    if (!executor) {
      answer = Promise.reject(new Error(`statement for transaction ${message.lock}, which is not open`));
    } else if (message.op === 'query') {
      answer = executor.query(message.sql, message.params).then((rows) => ({ rows, changes: 0 }));
    } else {
      answer = executor.run(message.sql, message.params).then(({ changes }) => ({ rows: [], changes }));
    }
    this.answer(host, generation, message.id, answer);
  }

  private answer(
    host: Host,
    generation: number,
    id: number,
    answer: Promise<{ rows: Row[]; changes: number }>,
  ): void {
    answer.then(
      ({ rows, changes }) =>
        this.deliverLater(host, generation, this.drawLatency(), { kind: 'sqlResult', id, rows, changes }),
      (error: unknown) =>
        this.deliverLater(host, generation, this.drawLatency(), {
          kind: 'sqlError',
          id,
          error: toWireError(error),
        }),
    );
  }

  /** Takes the database lock for the server; the transaction lives until the server says unlock. */
  private openLock(host: Host, generation: number, id: number): void {
    const entry: { tx?: Transaction; finish?: (outcome: 'commit' | 'rollback') => void } = {};
    host.locks.set(id, entry);
    host.connection
      .lock(
        (tx) =>
          new Promise<void>((resolve, reject) => {
            entry.tx = tx;
            entry.finish = (outcome) => (outcome === 'commit' ? resolve() : reject(ROLLED_BACK_BY_SERVER));
            this.deliverLater(host, generation, this.drawLatency(), { kind: 'lockGranted', id });
          }),
      )
      .then(
        () => this.deliverLater(host, generation, this.drawLatency(), { kind: 'lockDone', id }),
        (error: unknown) =>
          this.deliverLater(host, generation, this.drawLatency(), {
            kind: 'lockDone',
            id,
            ...(error === ROLLED_BACK_BY_SERVER ? {} : { error: toWireError(error) }),
          }),
      )
      .finally(() => {
        if (host.locks.get(id) === entry) host.locks.delete(id);
      });
  }

  // --- the trace -------------------------------------------------------------------------------------

  private record(server: string | null, body: TraceBody): void {
    if (this.disposed) return;
    const term = server === null ? null : (this.hosts.get(server)?.state.term ?? null);
    this.trace.record({ vt: this.time.now(), db: this.dbClock.now(), server, term }, body);
  }

  private recordEvent(host: Host, message: Extract<FromServer, { kind: 'event' }>): void {
    if (this.disposed) return;
    const { serverId: _serverId, at, ...body } = message.event;
    const id = host.spec.id;
    applyCoordinatorEvent(host.state, body, this.time.now());
    this.trace.record({ vt: this.time.now(), db: this.dbClock.now(), server: id, term: message.term }, {
      ...body,
      source: 'coordinator',
      local: at,
    } as TraceBody);
    if (body.type === 'crashed') this.endProcess(host, 'crashed', `crashed: ${body.error}`, true);
  }

  private recordDatabase(event: DatabaseEvent): void {
    const { connection, ...body } = event;
    this.record(this.hosts.has(connection) ? connection : null, { ...body, source: 'database' } as TraceBody);
  }

  private rows(sql: string, params: (string | number)[] = []): Row[] {
    try {
      return this.db.inspect(sql, params);
    } catch {
      return []; // single-server mode has no tables
    }
  }
}

/** The action a failed command came from, for the trace. */
function commandAction(server: string, command: Command): ActionBody {
  switch (command.type) {
    case 'start':
      return { type: 'restart', server };
    case 'stop':
      return { type: 'stop', server, graceMs: command.graceMs };
    case 'enqueue':
      return { type: 'enqueue', server, job: command.job, params: command.params, count: command.count };
    case 'setClock':
      return { type: 'setClock', server, offsetMs: command.offsetMs, rate: command.rate };
    case 'setJob':
      return {
        type: 'setJob',
        job: command.job,
        durationMs: command.durationMs,
        failureRate: command.failureRate,
      };
    case 'addSchedule':
      return { type: 'addSchedule', job: command.job, cron: command.cron, params: command.params };
    case 'setHazards':
      return { type: 'setHazards', hazards: command.hazards, servers: [server] };
  }
}
