/**
 * A bench cluster: N real distributed coordinators on one real shared sql.js database, in virtual time.
 *
 * The wiring follows test/support/testCluster.ts (one VirtualTime, a database clock, one connection and
 * one server clock per server, entropy forked from one seed) but is copied, not imported: bench/ must not
 * depend on test/. It has no faults (no pause, no crash), since the bench measures a healthy cluster.
 */
import {
  DistributedJobCoordinator,
  defineJob,
  DEFAULT_MAX_ATTEMPTS,
  type CoordinatorEvent,
  type Database,
  type HazardSelection,
} from '../src/core';
import { SharedSqlJsDatabase, type DatabaseObserver, type SqlJsConnection } from '../src/db';
import { SeededEntropy } from '../src/sim/seededEntropy';
import { databaseClock, DEFAULT_EPOCH_MS, serverClock, VirtualTime } from '../src/sim/time/virtualTime';
import { INSERT_JOB } from './sql';

/** The bench's only job. Trivial on purpose: what is measured is the coordinator around it. */
export const NOOP_JOB = 'noop';
const JOBS = [defineJob({ name: NOOP_JOB, run: () => {} })];

export interface BenchClusterOptions {
  servers: number;
  concurrency: number;
  hazards?: HazardSelection;
  seed?: number;
  /** Sees every coordinator event. Leave it out when timing: events cost nothing without a sink. */
  onEvent?: (event: CoordinatorEvent) => void;
  /** Sees every lock event of the shared database (waits, grants). */
  observer?: DatabaseObserver;
  /** SQLite pragmas to run on the shared database before any server starts (a what-if, see run.ts). */
  pragmas?: readonly string[];
  /** Lets a bench put a wrapper (a statement counter) between a server and its connection. */
  wrapConnection?: (connection: SqlJsConnection) => Database;
}

export class BenchCluster {
  private constructor(
    readonly time: VirtualTime,
    readonly db: SharedSqlJsDatabase,
    readonly coordinators: readonly DistributedJobCoordinator[],
    private readonly loader: SqlJsConnection,
  ) {}

  /** Opens the database, starts every server and lets elections and first (empty) claims settle. */
  static async start(options: BenchClusterOptions): Promise<BenchCluster> {
    const time = new VirtualTime(DEFAULT_EPOCH_MS);
    // The default busy timeout, as shipped: each lock wait then also sets (and cancels) a virtual timer.
    const db = await SharedSqlJsDatabase.open({ clock: databaseClock(time, 0), observer: options.observer });
    if (options.pragmas?.length) {
      // Through an ordinary connection: the adapter runs a PRAGMA as a lone statement.
      const setup = db.connect('bench-setup');
      for (const pragma of options.pragmas) await setup.query(pragma);
    }
    const entropy = new SeededEntropy(options.seed ?? 1);
    const coordinators: DistributedJobCoordinator[] = [];
    for (let i = 1; i <= options.servers; i++) {
      const serverId = `server-${i}`;
      const connection = db.connect(serverId);
      coordinators.push(
        new DistributedJobCoordinator({
          serverId,
          clock: serverClock(time),
          entropy: entropy.fork(),
          database: options.wrapConnection?.(connection) ?? connection,
          jobs: JOBS,
          concurrency: options.concurrency,
          hazards: options.hazards,
          onEvent: options.onEvent,
        }),
      );
    }
    // start() resolves once migrations ran; election and claim loops then run on their own.
    await Promise.all(coordinators.map((coordinator) => coordinator.start()));
    // Long enough for an election and every worker's first (empty) look at the table to finish.
    await time.advance(100);
    return new BenchCluster(time, db, coordinators, db.connect('bench-loader'));
  }

  /**
   * Puts `count` queued jobs in the table in one transaction, without waking anyone: the workers are
   * asleep (an empty table, a 5 s poll), so nothing is claimed until the bench wakes them.
   */
  async load(count: number): Promise<void> {
    if (count <= 0) return;
    await this.loader.lock(async (tx) => {
      for (let i = 0; i < count; i++) {
        await tx.run(INSERT_JOB, [NOOP_JOB, '{}', DEFAULT_MAX_ATTEMPTS, 'bench-loader']);
      }
    });
  }

  /**
   * Enqueues one job through the public API, which is how the bench starts a drain without knowing the
   * coordinator's channel name: coordinator 0's own worker takes first (ownWorkFirst.ts), and its full
   * claim notifies the others (a load smaller than its concurrency wakes nobody else).
   */
  async enqueueAndWake(): Promise<void> {
    await this.coordinators[0]!.enqueue(NOOP_JOB);
  }

  /** Completed jobs, read straight from the table. */
  completed(): number {
    return Number(
      this.db.inspect(`SELECT count(*) AS n FROM distributedJobs WHERE status = 'completed'`)[0]!.n,
    );
  }

  /**
   * Stops every server gracefully (releasing the lease, finishing running jobs) while virtual time runs,
   * then closes the database. A stop that hangs is left behind with a warning rather than hanging the
   * bench, and without throwing: close runs in `finally`, where a throw would hide the drain's own error.
   */
  async close(): Promise<void> {
    let stopped = false;
    void Promise.all(this.coordinators.map((coordinator) => coordinator.stop())).then(() => {
      stopped = true;
    });
    for (let i = 0; i < 100 && !stopped; i++) await this.time.advance(100);
    this.time.clear();
    this.db.close();
    if (!stopped) console.warn('bench cluster: the servers did not stop within 10 virtual seconds');
  }
}
