/**
 * The names of the distributed mode's tables and columns, for whoever reads the database from outside the
 * coordinator (checkers, the CLI summary, the simulator's snapshot, the playground's database view), so
 * that none of them spells a name again. The coordinator's own statements (`sql/*.ts`, the fencing
 * triggers in `fencing.ts`) are SQL text written out in full, and the schema is in `schemaSql.ts`;
 * `test/core/tables.test.ts` proves these names agree with it.
 */

/** A table's name and its columns, each column's constant spelled as the column itself. */
export interface TableNames<Name extends string, Column extends string> {
  readonly table: Name;
  readonly columns: { readonly [C in Column]: C };
}

function table<const Name extends string, const Column extends string>(
  name: Name,
  columns: readonly Column[],
): TableNames<Name, Column> {
  return {
    table: name,
    columns: Object.fromEntries(columns.map((column) => [column, column])) as { [C in Column]: C },
  };
}

/** The leader's lease: one row (id = 1), its holder, its last heartbeat and the term that fences writes. */
export const LEAD_JOB_COORDINATORS = table('leadJobCoordinators', [
  'id',
  'jobCoordinatorId',
  'lastHeartbeatAt',
  'term',
]);

/** The shared job table every server claims from. */
export const DISTRIBUTED_JOBS = table('distributedJobs', [
  'id',
  'name',
  'params',
  'createdAt',
  'runAt',
  'status',
  'attempts',
  'maxAttempts',
  'claimedBy',
  'claimToken',
  'claimExpiresAt',
  'completedAt',
  'lastError',
  'enqueuedBy',
  'scheduleKey',
  'tickAt',
  'term',
]);

/** What a `distributedJobs` row's `status` can be. */
export const JOB_STATUS = {
  queued: 'queued',
  claimed: 'claimed',
  completed: 'completed',
  dead: 'dead',
} as const;
export type JobStatus = (typeof JOB_STATUS)[keyof typeof JOB_STATUS];

/** Per cron schedule, the cursor: every tick at or before it has been decided. */
export const JOB_SCHEDULES = table('jobSchedules', ['scheduleKey', 'cursorAt', 'term']);

/** One row per fired cron tick: a tick produces a job once, whoever leads. */
export const JOB_CRON_TICKS = table('jobCronTicks', ['scheduleKey', 'tickAt', 'jobId', 'term']);

/** The migrations applied to this database. */
export const JOB_MIGRATIONS = table('jobMigrations', ['version', 'name', 'appliedAt']);

/** Every table of the distributed mode, in the order the migrations create them. */
export const TABLES = [
  JOB_MIGRATIONS,
  LEAD_JOB_COORDINATORS,
  DISTRIBUTED_JOBS,
  JOB_SCHEDULES,
  JOB_CRON_TICKS,
] as const;

/** The notification channels: a server listening on one is woken when the table changes that way. */
export const CHANNELS = {
  /** The lease was released: followers look at it at once instead of at their next heartbeat. */
  leader: LEAD_JOB_COORDINATORS.table,
  /** The shared table gained due work. */
  jobs: DISTRIBUTED_JOBS.table,
} as const;
