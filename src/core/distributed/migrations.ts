import type { Database, SqlDialect, Transaction } from '../ports.js';
import { FENCE_TRIGGERS, FENCE_TRIGGERS_POSTGRES } from './fencing.js';
import {
  CREATE_DISTRIBUTED_JOBS_POSTGRES,
  CREATE_JOB_CRON_TICKS_POSTGRES,
  CREATE_JOB_SCHEDULES_POSTGRES,
  CREATE_LEAD_JOB_COORDINATORS_POSTGRES,
} from './sql/postgresSchemaSql.js';
import {
  CREATE_DISTRIBUTED_JOBS,
  CREATE_DISTRIBUTED_JOBS_CLAIMS_INDEX,
  CREATE_DISTRIBUTED_JOBS_DUE_INDEX,
  CREATE_JOB_CRON_TICKS,
  CREATE_JOB_MIGRATIONS,
  CREATE_JOB_SCHEDULES,
  CREATE_LEAD_JOB_COORDINATORS,
  RECORD_MIGRATION,
  SELECT_APPLIED_MIGRATIONS,
} from './sql/schemaSql.js';
import { queryRows, runStatement } from './sql/statement.js';

/**
 * The distributed mode's schema, as numbered migrations. Each runs once per database, inside the
 * exclusive lock, and records itself in `jobMigrations`; running them again (every server does at start)
 * changes nothing.
 */
export interface Migration {
  version: number;
  name: string;
  /** In SQLite's dialect. */
  statements: readonly string[];
  /** The same migration in PostgreSQL's dialect, where it differs (`sql/postgresSchemaSql.ts`). */
  postgres?: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'leader lease',
    statements: [CREATE_LEAD_JOB_COORDINATORS],
    postgres: [CREATE_LEAD_JOB_COORDINATORS_POSTGRES],
  },
  {
    version: 2,
    name: 'shared job table',
    statements: [
      CREATE_DISTRIBUTED_JOBS,
      CREATE_DISTRIBUTED_JOBS_DUE_INDEX,
      CREATE_DISTRIBUTED_JOBS_CLAIMS_INDEX,
    ],
    postgres: [
      CREATE_DISTRIBUTED_JOBS_POSTGRES,
      CREATE_DISTRIBUTED_JOBS_DUE_INDEX,
      CREATE_DISTRIBUTED_JOBS_CLAIMS_INDEX,
    ],
  },
  {
    version: 3,
    name: 'cron tick record',
    statements: [CREATE_JOB_SCHEDULES, CREATE_JOB_CRON_TICKS],
    postgres: [CREATE_JOB_SCHEDULES_POSTGRES, CREATE_JOB_CRON_TICKS_POSTGRES],
  },
  // The database itself refuses a deposed leader's writes (see fencing.ts).
  { version: 4, name: 'fencing', statements: FENCE_TRIGGERS, postgres: FENCE_TRIGGERS_POSTGRES },
];

/** A migration's statements in the dialect of the database it runs on. */
export function migrationStatements(
  migration: Migration,
  dialect: SqlDialect | undefined,
): readonly string[] {
  return dialect === 'postgres' ? (migration.postgres ?? migration.statements) : migration.statements;
}

/** Applies the migrations this database lacks, in order. Returns the versions it applied. */
export async function migrate(
  lock: <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return lock(async (tx) => {
    await runStatement(tx, CREATE_JOB_MIGRATIONS);
    const rows = await queryRows(tx, SELECT_APPLIED_MIGRATIONS);
    const applied = new Set(rows.map((row) => Number(row.version)));
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      for (const statement of migrationStatements(migration, tx.dialect)) await tx.run(statement);
      await runStatement(tx, RECORD_MIGRATION, [migration.version, migration.name]);
      done.push(migration.version);
    }
    return done;
  });
}

export type MigrationTarget = Pick<Database, 'lock'>;
