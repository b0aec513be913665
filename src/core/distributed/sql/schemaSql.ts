import { CREATE_JOB_MIGRATIONS_POSTGRES } from './postgresSchemaSql.js';
import { statement } from './statement.js';

/**
 * The schema of the distributed mode: one CREATE per table and index, and the bookkeeping of the
 * migrations that apply them (`../migrations.ts` lists which statement belongs to which version; the
 * fencing triggers are in `../fencing.ts`). The names are also in `tables.ts`; PostgreSQL's text of each
 * CREATE is in `postgresSchemaSql.ts`.
 */

/**
 * The lease: one row at most (id = 1). `term` grows with every new leader and fences its writes; a
 * released lease keeps its term and heartbeat and names no holder.
 */
export const CREATE_LEAD_JOB_COORDINATORS = `CREATE TABLE leadJobCoordinators (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        jobCoordinatorId TEXT,
        lastHeartbeatAt INTEGER,
        term INTEGER NOT NULL
      )`;

export const CREATE_DISTRIBUTED_JOBS = `CREATE TABLE distributedJobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        params TEXT NOT NULL,
        createdAt INTEGER NOT NULL,
        runAt INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'claimed', 'completed', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        maxAttempts INTEGER NOT NULL,
        claimedBy TEXT,
        claimToken TEXT,
        claimExpiresAt INTEGER,
        completedAt INTEGER,
        lastError TEXT,
        enqueuedBy TEXT,
        scheduleKey TEXT,
        tickAt INTEGER,
        term INTEGER
      )`;

/** What a claim looks for: queued rows by due time. */
export const CREATE_DISTRIBUTED_JOBS_DUE_INDEX = `CREATE INDEX distributedJobsDue ON distributedJobs (status, runAt, id)`;

/** What reclaiming looks for: claimed rows by lease expiry. */
export const CREATE_DISTRIBUTED_JOBS_CLAIMS_INDEX = `CREATE INDEX distributedJobsClaims ON distributedJobs (status, claimExpiresAt)`;

/** Per schedule, every tick at or before cursorAt (database clock) has been decided. */
export const CREATE_JOB_SCHEDULES = `CREATE TABLE jobSchedules (scheduleKey TEXT PRIMARY KEY, cursorAt INTEGER NOT NULL, term INTEGER)`;

/** One row per (schedule, tick): a tick can produce a job once, whoever leads. */
export const CREATE_JOB_CRON_TICKS = `CREATE TABLE jobCronTicks (
        scheduleKey TEXT NOT NULL,
        tickAt INTEGER NOT NULL,
        jobId INTEGER,
        term INTEGER,
        PRIMARY KEY (scheduleKey, tickAt)
      )`;

// The migrations' own bookkeeping.

export const CREATE_JOB_MIGRATIONS = statement(
  `CREATE TABLE IF NOT EXISTS jobMigrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, appliedAt INTEGER NOT NULL)`,
  { postgres: CREATE_JOB_MIGRATIONS_POSTGRES },
);

export const SELECT_APPLIED_MIGRATIONS = statement<[], 'version'>('SELECT version FROM jobMigrations');

export const RECORD_MIGRATION = statement<[version: number, name: string]>(
  'INSERT INTO jobMigrations (version, name, appliedAt) VALUES (?, ?, db_now_ms())',
);
