/**
 * A small cluster for the coordinator's own tests: real coordinators, one real shared sql.js database,
 * virtual time. Servers can be crashed (no timer of theirs fires again, their connection is severed)
 * or paused (their timers wait and fire late on resume). The full simulation with a conductor, scenarios
 * and checkers lives in src/sim; this harness only needs to put the coordinator in those situations.
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
import {
  databaseClock,
  DEFAULT_EPOCH_MS,
  serverClock,
  VirtualTime,
  type DatabaseClock,
  type ServerClock,
} from '../../src/sim/time/virtualTime';

export type RecordedEvent = CoordinatorEvent & { vt: number };

/** A server's clock whose timers can be stopped for good (crash) or held back (pause). */
export class FaultableClock implements Clock {
  private dead = false;
  private paused = false;
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
      if (this.paused) this.held.push(() => !cancelled && !this.dead && callback());
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

  pause(): void {
    this.paused = true;
  }

  /** Fires the timers that came due during the pause, late, in the order they came due. */
  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const fire of held) this.time.setTimer(0, fire);
  }

  kill(): void {
    this.dead = true;
    for (const cancel of [...this.live]) cancel();
    this.held = [];
  }
}

export interface TestServer {
  id: string;
  clock: FaultableClock;
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
    const clock = new FaultableClock(serverClock(this.time, { offsetMs, rate }), this.time);
    const connection = this.db.connect(id);
    const coordinator = new DistributedJobCoordinator({
      serverId: id,
      clock,
      entropy: this.entropy.fork(),
      database: connection,
      jobs: this.options.jobs,
      onEvent: (event) => this.events.push({ ...event, vt: this.time.now() }),
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

  /** Kills a server without any cleanup: its timers never fire and its transaction is rolled back. */
  crash(id: string): void {
    const server = this.server(id);
    server.clock.kill();
    server.connection.sever(`${id} crashed`);
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
      server.clock.kill();
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
  const clock = new FaultableClock(serverClock(time, { offsetMs: options.offsetMs }), time);
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
