import type { Row } from '../../core/ports.js';
import {
  DISTRIBUTED_JOBS,
  JOB_CRON_TICKS,
  JOB_SCHEDULES,
  LEAD_JOB_COORDINATORS,
} from '../../core/distributed/sql/tables.js';

const JOBS = DISTRIBUTED_JOBS.table;
const JOB = DISTRIBUTED_JOBS.columns;
import type { SharedSqlJsDatabase } from '../../db/index.js';
import type { DatabaseEvent } from '../../db/events.js';
import type { Scenario } from '../../scenario/types.js';
import type { FromServer } from '../server/protocol.js';
import type { ResolvedTimings, RunResult } from '../runResult.js';
import type { DatabaseClock } from '../time/databaseClock.js';
import type { VirtualTime } from '../time/virtualTime.js';
import { applyCoordinatorEvent, serverSnapshot, type ServerSnapshot } from '../trace/serverState.js';
import { Trace, type TraceBody } from '../trace/trace.js';
import type { Host, Hosts } from './hosts.js';

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
 * What can be seen of a run: the trace, recorded in the order the conductor acts, each entry stamped with
 * the term its server leads under (from the hosts' mirrored state); the servers and the database now; the
 * result at the end.
 */
export class Observation {
  readonly trace = new Trace();
  private stopped = false;
  /** The run's event budget (see runBudget.ts): told once, when the trace passes it. */
  private budget: { maxEvents: number; onOver: () => void } | undefined;

  constructor(
    private readonly hosts: Hosts,
    private readonly time: VirtualTime,
    private readonly dbClock: DatabaseClock,
    private readonly db: SharedSqlJsDatabase,
    private readonly epochMs: number,
  ) {}

  /**
   * Records nothing from now on: ending the processes at dispose rolls back their transactions, which is
   * not part of the run (found by the browser benchmark: a result handed out before dispose grew two
   * entries after it).
   */
  stop(): void {
    this.stopped = true;
  }

  /** Calls `onOver` once, when the trace grows past `maxEvents` entries. */
  limitTrace(maxEvents: number, onOver: () => void): void {
    this.budget = { maxEvents, onOver };
  }

  private counted(): void {
    const budget = this.budget;
    if (budget === undefined || this.trace.entries.length <= budget.maxEvents) return;
    this.budget = undefined;
    budget.onOver();
  }

  record(server: string | null, body: TraceBody): void {
    if (this.stopped) return;
    const term = server === null ? null : (this.hosts.get(server)?.state.term ?? null);
    this.trace.record({ vt: this.time.now(), db: this.dbClock.now(), server, term }, body);
    this.counted();
  }

  /**
   * Records what a server reported, with the term it reported under, and mirrors it in the host's state.
   * Returns false when nothing is recorded any more (after stop()).
   */
  recordEvent(host: Host, message: Extract<FromServer, { kind: 'event' }>): boolean {
    if (this.stopped) return false;
    const { serverId: _serverId, at, ...body } = message.event;
    applyCoordinatorEvent(host.state, body, this.time.now());
    this.trace.record(
      { vt: this.time.now(), db: this.dbClock.now(), server: host.spec.id, term: message.term },
      { ...body, source: 'coordinator', local: at } as TraceBody,
    );
    this.counted();
    return true;
  }

  recordDatabase(event: DatabaseEvent): void {
    const { connection, ...body } = event;
    this.record(this.hosts.has(connection) ? connection : null, { ...body, source: 'database' } as TraceBody);
  }

  /** Each server as seen from outside: cheap enough for every step. */
  servers(): ServerSnapshot[] {
    return [...this.hosts.values()].map((host) =>
      serverSnapshot(
        host.state,
        { localTime: host.clock.now(), offsetMs: host.clock.offset(), rate: host.clock.rate() },
        host.hazards,
      ),
    );
  }

  /**
   * The cluster and its database now. `jobRows` keeps only the newest rows of distributedJobs (the
   * playground asks many times a second and shows a window); `jobCounts` always counts them all.
   */
  snapshot(options: { jobRows?: number } = {}): ClusterSnapshot {
    return {
      elapsedMs: this.time.now() - this.epochMs,
      vt: this.time.now(),
      db: this.dbClock.now(),
      servers: this.servers(),
      lockHolder: this.db.holder(),
      lockWaiters: this.db.waiters(),
      ...databaseSnapshot(this.db, options.jobRows),
    };
  }

  result(
    run: { scenario: Scenario; seed: number; timings: ResolvedTimings },
    healedAt: number | null,
  ): RunResult {
    return {
      scenario: run.scenario,
      seed: run.seed,
      trace: [...this.trace.entries],
      timings: run.timings,
      endedAt: this.time.now(),
      healedAt,
      final: this.finalTables(),
    };
  }

  /** The coordinator's tables now, as a run's result holds them at its end (the checkers read them). */
  finalTables(): RunResult['final'] {
    return finalTablesOf(this.db);
  }
}

/**
 * The tables a snapshot shows, of this database now (the live one, or one rebuilt for a rewind): the lease,
 * the newest `jobRows` rows of distributedJobs (all of them without it), and every job counted by status.
 */
export function databaseSnapshot(
  db: SharedSqlJsDatabase,
  jobRows?: number,
): Pick<ClusterSnapshot, 'tables' | 'jobCounts'> {
  const jobs =
    jobRows === undefined
      ? rows(db, `SELECT * FROM ${JOBS} ORDER BY ${JOB.id}`)
      : rows(db, `SELECT * FROM (SELECT * FROM ${JOBS} ORDER BY ${JOB.id} DESC LIMIT ?) ORDER BY ${JOB.id}`, [
          jobRows,
        ]);
  const jobCounts: Record<string, number> = { queued: 0, claimed: 0, completed: 0, dead: 0 };
  for (const row of rows(
    db,
    `SELECT ${JOB.status} AS status, COUNT(*) AS n FROM ${JOBS} GROUP BY ${JOB.status}`,
  ))
    jobCounts[String(row.status)] = Number(row.n);
  return {
    tables: {
      leadJobCoordinators: rows(db, `SELECT * FROM ${LEAD_JOB_COORDINATORS.table}`),
      distributedJobs: jobs,
    },
    jobCounts,
  };
}

/** The coordinator's tables as a run's result holds them (the checkers read them), of this database now. */
export function finalTablesOf(db: SharedSqlJsDatabase): RunResult['final'] {
  return {
    distributedJobs: rows(
      db,
      `SELECT * FROM ${DISTRIBUTED_JOBS.table} ORDER BY ${DISTRIBUTED_JOBS.columns.id}`,
    ),
    jobCronTicks: rows(
      db,
      `SELECT * FROM ${JOB_CRON_TICKS.table} ORDER BY ${JOB_CRON_TICKS.columns.scheduleKey}, ${JOB_CRON_TICKS.columns.tickAt}`,
    ),
    jobSchedules: rows(
      db,
      `SELECT * FROM ${JOB_SCHEDULES.table} ORDER BY ${JOB_SCHEDULES.columns.scheduleKey}`,
    ),
    leadJobCoordinators: rows(db, `SELECT * FROM ${LEAD_JOB_COORDINATORS.table}`),
  };
}

function rows(db: SharedSqlJsDatabase, sql: string, params: (string | number)[] = []): Row[] {
  try {
    return db.inspect(sql, params);
  } catch {
    return []; // single-server mode has no tables
  }
}
