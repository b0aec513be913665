import {
  DistributedJobCoordinator,
  type CoordinatorEvent,
  type DistributedJobCoordinatorOptions,
  type JobDefinition,
  type StopReport,
} from '../core/index.js';
import { SharedSqlJsDatabase, type SqlJsConnection } from '../db/index.js';
import { SeededEntropy } from '../sim/seededEntropy.js';
import { databaseClock, type DatabaseClock } from '../sim/time/databaseClock.js';
import { serverClock } from '../sim/time/serverClock.js';
import { DEFAULT_EPOCH_MS, VirtualTime } from '../sim/time/virtualTime.js';
import { FaultableClock } from './faultableClock.js';

/** A coordinator event with the virtual time it was reported at. */
export type RecordedEvent = CoordinatorEvent & { vt: number };

export interface TestServer {
  readonly id: string;
  readonly clock: FaultableClock;
  readonly connection: SqlJsConnection;
  readonly coordinator: DistributedJobCoordinator;
}

export interface TestClusterOptions {
  /** The job definitions every server runs: your own, with their real `run()`. */
  jobs: readonly JobDefinition[];
  /** Seeds the servers' ids and randomness: the same seed gives the same run. Default 1. */
  seed?: number | undefined;
  /** Options every server gets (hazards, timings, concurrency ...); `addServer` can override them. */
  serverOptions?: Partial<DistributedJobCoordinatorOptions> | undefined;
  /** How long a connection waits for the database's lock before it fails with a busy error. */
  busyTimeoutMs?: number | undefined;
}

/** Per-server options of `addServer`: the coordinator's own, and where this server's clock starts. */
export type AddServerOptions = Partial<DistributedJobCoordinatorOptions> & {
  /** This server's clock reads virtual time plus this many ms. */
  offsetMs?: number | undefined;
  /** How fast this server's clock runs against virtual time (1.001: 1 ms fast per second). */
  rate?: number | undefined;
};

/**
 * A cluster for a suite's own harness: real `DistributedJobCoordinator`s called directly, one real shared
 * sql.js database with lock semantics, virtual time that moves only when you `run` it. The faults are the
 * conductor's primitives, with the conductor's meaning:
 *
 * - `crash(id)`: no timer of the server fires again, its connection is severed (its open transaction is
 *   rolled back), and nothing it reports afterwards is recorded.
 * - `cutOff(id)` / `reconnect(id)`: the connection fails every statement until it is restored; the server
 *   itself goes on running and finds out by its errors.
 * - `holdTimers(id)` / `releaseTimers(id)`: the server's own timers wait and then fire late, in order (a
 *   stalled event loop). Not the conductor's pause, which holds database answers too (see FaultableClock).
 * - `setClock(id, { offsetMs, rate })`: skews the server's clock from now on.
 *
 * For scenario files, traces and the invariant checkers, use `runScenario` (the `sim` entry point) instead.
 */
export class TestCluster {
  /** Every event every live server reported, in order, with its virtual time. */
  readonly events: RecordedEvent[] = [];
  readonly servers = new Map<string, TestServer>();
  readonly crashed = new Set<string>();
  private readonly entropy: SeededEntropy;
  private readonly silencers = new Map<string, () => void>();

  private constructor(
    readonly time: VirtualTime,
    readonly dbClock: DatabaseClock,
    readonly db: SharedSqlJsDatabase,
    private readonly options: TestClusterOptions,
  ) {
    this.entropy = new SeededEntropy(options.seed ?? 1);
  }

  /** Opens the shared database (sql.js is loaded once per process) on a new virtual time. */
  static async create(options: TestClusterOptions): Promise<TestCluster> {
    const time = new VirtualTime(DEFAULT_EPOCH_MS);
    const dbClock = databaseClock(time, 0);
    const db = await SharedSqlJsDatabase.open({ clock: dbClock, busyTimeoutMs: options.busyTimeoutMs });
    return new TestCluster(time, dbClock, db, options);
  }

  /**
   * Adds a distributed server and starts it (it migrates the schema and joins the election). Adding a
   * crashed server's id again restarts it.
   */
  async addServer(id: string, options: AddServerOptions = {}): Promise<TestServer> {
    // A crashed server may come back under its id (a restart: a new process, nothing in memory).
    if (this.servers.has(id) && !this.crashed.has(id)) {
      throw new Error(
        `TestCluster.addServer: a server "${id}" is running already (crash it first to restart it)`,
      );
    }
    this.crashed.delete(id);
    const { offsetMs, rate, ...coordinatorOptions } = options;
    const clock = new FaultableClock(serverClock(this.time, { offsetMs, rate }), this.time);
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
    if (!server) {
      const known = [...this.servers.keys()].join(', ') || 'none';
      throw new Error(`TestCluster: no server "${id}" (servers: ${known})`);
    }
    return server;
  }

  /** Kills a server without any cleanup, as the conductor's crash. */
  crash(id: string): void {
    const server = this.server(id);
    server.clock.stopTimers();
    server.connection.sever(`${id} crashed`);
    this.silencers.get(id)?.();
    this.crashed.add(id);
  }

  /** Cuts the server off from the database: every statement fails until `reconnect`. */
  cutOff(id: string): void {
    this.server(id).connection.sever(`${id} cut off`);
  }

  /** Gives a cut-off server its connection back. */
  reconnect(id: string): void {
    this.server(id).connection.restore();
  }

  /** The server's own timers wait from now on (see the class comment). */
  holdTimers(id: string): void {
    this.server(id).clock.holdTimers();
  }

  /** The held timers fire, late, in the order they came due. */
  releaseTimers(id: string): void {
    this.server(id).clock.releaseTimers();
  }

  /** Skews the server's clock from this instant on. */
  setClock(id: string, clock: { offsetMs?: number | undefined; rate?: number | undefined }): void {
    const server = this.server(id);
    if (clock.offsetMs !== undefined) server.clock.setOffset(clock.offsetMs);
    if (clock.rate !== undefined) server.clock.setRate(clock.rate);
  }

  /** Stops a server gracefully: it releases its lease and lets running jobs finish within the grace. */
  stop(id: string, options: { graceMs?: number | undefined } = {}): Promise<StopReport> {
    return this.server(id).coordinator.stop(options);
  }

  /** Moves virtual time on by `ms`, running every timer that comes due, in order. */
  run(ms: number): Promise<void> {
    return this.time.advance(ms);
  }

  /** Live servers that believe they lead (a crashed one's object may still say so; it runs no code). */
  leaders(): string[] {
    return [...this.servers.values()]
      .filter((s) => s.coordinator.isLeader && !this.crashed.has(s.id))
      .map((s) => s.id);
  }

  /** The recorded events of one type, typed. */
  ofType<T extends RecordedEvent['type']>(type: T): Extract<RecordedEvent, { type: T }>[] {
    return this.events.filter((event) => event.type === type) as Extract<RecordedEvent, { type: T }>[];
  }

  /** Reads the shared database directly (no lock, no clock): for assertions on its tables. */
  rows(sql: string, params: (string | number | null)[] = []) {
    return this.db.inspect(sql, params);
  }

  /** Stops every timer, severs every connection and closes the database. */
  async close(): Promise<void> {
    for (const server of this.servers.values()) {
      server.clock.stopTimers();
      server.connection.sever('test over');
    }
    this.time.clear();
    this.db.close();
  }
}
