import type { Database, Transaction } from '../ports';

/**
 * The distributed mode's schema, as numbered migrations. Each runs once per database, inside the
 * exclusive lock, and records itself in `jobMigrations`; running them again (every server does at start)
 * changes nothing.
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

/** The message the fencing triggers raise; the coordinator recognises it and steps down. */
export const FENCED_MESSAGE = 'FENCED: write under a stale leader term';

const fenceTrigger = (name: string, event: 'INSERT' | 'UPDATE', table: string) => `
  CREATE TRIGGER ${name} BEFORE ${event} ON ${table}
  WHEN NEW.term IS NOT NULL AND NEW.term IS NOT (SELECT term FROM leadJobCoordinators WHERE id = 1)
  BEGIN SELECT RAISE(ABORT, '${FENCED_MESSAGE}'); END`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'leader lease',
    statements: [
      // One row at most (id = 1). `term` grows with every new leader and fences its writes; a released
      // lease keeps its term and heartbeat and names no holder.
      `CREATE TABLE leadJobCoordinators (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        jobCoordinatorId TEXT,
        lastHeartbeatAt INTEGER,
        term INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'shared job table',
    statements: [
      `CREATE TABLE distributedJobs (
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
      )`,
      `CREATE INDEX distributedJobsDue ON distributedJobs (status, runAt, id)`,
      `CREATE INDEX distributedJobsClaims ON distributedJobs (status, claimExpiresAt)`,
    ],
  },
  {
    version: 3,
    name: 'cron tick record',
    statements: [
      // Per schedule, every tick at or before cursorAt (database clock) has been decided.
      `CREATE TABLE jobSchedules (scheduleKey TEXT PRIMARY KEY, cursorAt INTEGER NOT NULL, term INTEGER)`,
      // One row per (schedule, tick): a tick can produce a job once, whoever leads.
      `CREATE TABLE jobCronTicks (
        scheduleKey TEXT NOT NULL,
        tickAt INTEGER NOT NULL,
        jobId INTEGER,
        term INTEGER,
        PRIMARY KEY (scheduleKey, tickAt)
      )`,
    ],
  },
  {
    version: 4,
    name: 'fencing',
    // The database itself refuses a leader's write made under a term that is no longer current, so a
    // paused or cut-off leader can do no harm when it comes back (Kleppmann's fencing token).
    statements: [
      fenceTrigger('distributedJobsFence', 'INSERT', 'distributedJobs'),
      fenceTrigger('jobCronTicksFence', 'INSERT', 'jobCronTicks'),
      fenceTrigger('jobSchedulesFenceInsert', 'INSERT', 'jobSchedules'),
      fenceTrigger('jobSchedulesFenceUpdate', 'UPDATE', 'jobSchedules'),
    ],
  },
];

/** Applies the migrations this database lacks, in order. Returns the versions it applied. */
export async function migrate(
  lock: <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return lock(async (tx) => {
    await tx.run(`CREATE TABLE IF NOT EXISTS jobMigrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, appliedAt INTEGER NOT NULL)`);
    const rows = await tx.query('SELECT version FROM jobMigrations');
    const applied = new Set(rows.map((row) => Number(row.version)));
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.run(statement);
      await tx.run('INSERT INTO jobMigrations (version, name, appliedAt) VALUES (?, ?, db_now_ms())', [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}

export type MigrationTarget = Pick<Database, 'lock'>;
