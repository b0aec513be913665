/**
 * A small cluster for the coordinator's own tests: real coordinators called directly (with real job
 * functions, which the conductor's simulated servers cannot run), one real shared sql.js database, virtual
 * time. The full simulation with a conductor lives in src/sim, its scenarios in src/scenario and its
 * checkers in src/verify (docs/architecture.md); this harness only puts the coordinator in the same
 * situations, with the conductor's meaning where it can:
 *
 * - crash: as the conductor's crash (src/sim/conductor/processes.ts, `Processes.end`): no timer of the
 *   server fires again, its connection is severed (its open transaction rolled back), and nothing it does
 *   afterwards is heard (its events are not recorded).
 * - cut-off: as the conductor's, `server.connection.sever(...)` and `.restore()` on the same connection type.
 * - holding timers (`clock.holdTimers()`, which its tests call `pause()`): NOT the conductor's pause. The
 *   conductor holds every message to a paused server, database answers included, so none of its code runs;
 *   here only timers wait (and fire late, in order, on release), while work already waiting on the
 *   database goes on. That is enough for a stalled leader whose timers stop (fencing, late pushes).
 */
import {
  DistributedJobCoordinator,
  SingleServerJobCoordinator,
  type CancelTimer,
  type Clock,
  type CoordinatorEvent,
  type DistributedJobCoordinatorOptions,
  type JobDefinition,
  type JobCoordinatorOptions,
} from '../../src/core';
import { SharedSqlJsDatabase, type SqlJsConnection } from '../../src/db';
import { SeededEntropy } from '../../src/sim/seededEntropy';
import { databaseClock, type DatabaseClock } from '../../src/sim/time/databaseClock';
import { serverClock, type ServerClock } from '../../src/sim/time/serverClock';
import { DEFAULT_EPOCH_MS, VirtualTime } from '../../src/sim/time/virtualTime';

export type RecordedEvent = CoordinatorEvent & { vt: number };

/**
 * A server's clock whose timers can be held back (they fire late, in order, when released) or stopped for
 * good (a crash). Holding timers is not a pause of the server: see the file's comment.
 */
export class TimerHoldingClock implements Clock {
  private dead = false;
  private holding = false;
  private held: (() => void)[] = [];
  private readonly live = new Set<CancelTimer>();

  constructor(
    readonly inner: ServerClock,
    private readonly time: VirtualTime,
  ) {}

  now(): number {
    return this.inner.now();
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    if (this.dead) return () => {};
    let cancelled = false;
    const cancelInner = this.inner.setTimer(delayMs, () => {
      this.live.delete(cancel);
      if (cancelled || this.dead) return;
      if (this.holding) this.held.push(() => !cancelled && !this.dead && callback());
      else callback();
    });
    const cancel = () => {
      cancelled = true;
      cancelInner();
      this.live.delete(cancel);
    };
    this.live.add(cancel);
    return cancel;
  }

  /** From now on, timers that come due wait (work already waiting on the database goes on). */
  holdTimers(): void {
    this.holding = true;
  }

  /** Fires the timers that came due while held, late, in the order they came due. */
  releaseTimers(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const fire of held) this.time.setTimer(0, fire);
  }

  /** No timer fires again, held ones included. */
  stopTimers(): void {
    this.dead = true;
    for (const cancel of [...this.live]) cancel();
    this.held = [];
  }

  /** What the coordinator's tests call holdTimers (they stall a leader's timers). */
  pause(): void {
    this.holdTimers();
  }

  /** What the coordinator's tests call releaseTimers. */
  resume(): void {
    this.releaseTimers();
  }
}

export interface TestServer {
  id: string;
  clock: TimerHoldingClock;
  connection: SqlJsConnection;
  coordinator: DistributedJobCoordinator;
}

export interface ClusterOptions {
  jobs: readonly JobDefinition[];
  seed?: number;
  /** Options every server gets (hazards, timings, concurrency ...). */
  serverOptions?: Partial<DistributedJobCoordinatorOptions>;
  busyTimeoutMs?: number;
}

export class TestCluster {
  readonly events: RecordedEvent[] = [];
  readonly servers = new Map<string, TestServer>();
  readonly crashed = new Set<string>();
  private readonly entropy: SeededEntropy;
  private readonly silencers = new Map<string, () => void>();

  private constructor(
    readonly time: VirtualTime,
    readonly dbClock: DatabaseClock,
    readonly db: SharedSqlJsDatabase,
    private readonly options: ClusterOptions,
  ) {
    this.entropy = new SeededEntropy(options.seed ?? 1);
  }

  static async create(options: ClusterOptions): Promise<TestCluster> {
    const time = new VirtualTime(DEFAULT_EPOCH_MS);
    const dbClock = databaseClock(time, 0);
    const db = await SharedSqlJsDatabase.open({ clock: dbClock, busyTimeoutMs: options.busyTimeoutMs });
    return new TestCluster(time, dbClock, db, options);
  }

  /** Adds and starts a distributed server. */
  async addServer(
    id: string,
    options: Partial<DistributedJobCoordinatorOptions> & { offsetMs?: number; rate?: number } = {},
  ): Promise<TestServer> {
    const { offsetMs, rate, ...coordinatorOptions } = options;
    const clock = new TimerHoldingClock(serverClock(this.time, { offsetMs, rate }), this.time);
    const connection = this.db.connect(id);
    // A crashed server is heard no more, as in the conductor (its abandoned work may still settle).
    const heard = { yes: true };
    this.silencers.set(id, () => (heard.yes = false));
    const coordinator = new DistributedJobCoordinator({
      serverId: id,
      clock,
      entropy: this.entropy.fork(),
      database: connection,
      jobs: this.options.jobs,
      onEvent: (event) => {
        if (heard.yes) this.events.push({ ...event, vt: this.time.now() });
      },
      ...this.options.serverOptions,
      ...coordinatorOptions,
    });
    const server = { id, clock, connection, coordinator };
    this.servers.set(id, server);
    await coordinator.start();
    return server;
  }

  server(id: string): TestServer {
    const server = this.servers.get(id);
    if (!server) throw new Error(`no server ${id}`);
    return server;
  }

  /**
   * Kills a server without any cleanup, as the conductor's crash: its timers never fire, its transaction
   * is rolled back, and nothing it reports afterwards is recorded.
   */
  crash(id: string): void {
    const server = this.server(id);
    server.clock.stopTimers();
    server.connection.sever(`${id} crashed`);
    this.silencers.get(id)?.();
    this.crashed.add(id);
  }

  run(ms: number): Promise<void> {
    return this.time.advance(ms);
  }

  /** Live servers that believe they lead (a crashed one's object may still say so; it runs no code). */
  leaders(): string[] {
    return [...this.servers.values()]
      .filter((s) => s.coordinator.isLeader && !this.crashed.has(s.id))
      .map((s) => s.id);
  }

  ofType<T extends RecordedEvent['type']>(type: T): Extract<RecordedEvent, { type: T }>[] {
    return this.events.filter((event) => event.type === type) as Extract<RecordedEvent, { type: T }>[];
  }

  rows(sql: string, params: (string | number | null)[] = []) {
    return this.db.inspect(sql, params);
  }

  async close(): Promise<void> {
    for (const server of this.servers.values()) {
      server.clock.stopTimers();
      server.connection.sever('test over');
    }
    this.time.clear();
    this.db.close();
  }
}

/** A single-server coordinator on its own virtual time, for single-mode tests. */
export function singleServer(
  options: Partial<JobCoordinatorOptions> & {
    jobs: readonly JobDefinition[];
    time?: VirtualTime;
    offsetMs?: number;
  },
) {
  const time = options.time ?? new VirtualTime(DEFAULT_EPOCH_MS);
  const clock = new TimerHoldingClock(serverClock(time, { offsetMs: options.offsetMs }), time);
  const events: RecordedEvent[] = [];
  const coordinator = new SingleServerJobCoordinator({
    serverId: 'solo',
    entropy: new SeededEntropy(7),
    onEvent: (event) => events.push({ ...event, vt: time.now() }),
    ...options,
    clock,
  });
  return { time, clock, events, coordinator };
}

/** Records every run of every job, by server, for exactly-once assertions. */
export class RunLog {
  readonly runs: {
    server: string;
    jobId: string;
    name: string;
    params: unknown;
    attempt: number;
    tickAt?: number;
    vt: number;
  }[] = [];
  constructor(private readonly time: VirtualTime | (() => VirtualTime)) {}
  record(
    context: {
      serverId: string;
      jobId: string;
      jobName: string;
      attempt: number;
      tickAt: number | undefined;
    },
    params: unknown,
  ) {
    const time = typeof this.time === 'function' ? this.time() : this.time;
    this.runs.push({
      server: context.serverId,
      jobId: context.jobId,
      name: context.jobName,
      params,
      attempt: context.attempt,
      tickAt: context.tickAt,
      vt: time.now(),
    });
  }
}
