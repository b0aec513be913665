/**
 * The bare-SQL baseline: the statements the coordinator issues to drain jobs, run straight against a
 * sql.js Database in this process, with no coordinator, no lock queue, no promises and no row objects.
 * What the coordinator's drain costs beyond this is its own overhead.
 *
 * Per claim batch, as databaseJobSource.ts `claim` does under the lock:
 *   BEGIN IMMEDIATE; SELECT db_now_ms(); SELECT expired claims; UPDATE ... RETURNING (the claim);
 *   SELECT next due (only when the claim found fewer rows than it asked for, as the coordinator does);
 *   COMMIT
 * then one completion UPDATE for the batch (the single-row one for a batch of one), as the coordinator's
 * CompletionBatch writes the jobs that finished in one turn.
 *
 * Every statement is prepared once, as the adapter's statement cache does, so the baseline is what the
 * same SQL costs at best on this sql.js build, not what preparing it costs.
 */
import { SQLJS_PRAGMAS } from '../src/db';
import type { Database as SqlJsDatabase, SqlJsStatic, Statement } from 'sql.js';
import { DEFAULT_MAX_ATTEMPTS, DISTRIBUTED_DEFAULTS, MIGRATIONS } from '../src/core';
import {
  BEGIN,
  CLAIM,
  COMMIT,
  COMPLETE,
  completeBatch,
  INSERT_JOB,
  SELECT_EXPIRED,
  SELECT_NEXT_DUE,
  SELECT_NOW,
} from './sql';

export interface BareSqlOptions {
  jobs: number;
  /** Rows per claim: the worker's concurrency, which is what a worker with every slot free asks for. */
  batch: number;
  /** Extra SQLite pragmas (a what-if, see run.ts), after the ones SharedSqlJsDatabase runs on open. */
  pragmas?: readonly string[];
}

export interface BareSqlResult {
  jobs: number;
  wallMs: number;
  claimTransactions: number;
  statements: number;
}

/** A fixed database clock: virtual time does not move during the coordinator's drain either. */
const DB_NOW_MS = 1_767_225_600_000;

export function measureBareSql(sqlJs: SqlJsStatic, options: BareSqlOptions): BareSqlResult {
  const db = new sqlJs.Database();
  try {
    // The same settings as the coordinator's database, or the ratio compares two different SQLites.
    for (const pragma of [...SQLJS_PRAGMAS, ...(options.pragmas ?? [])]) db.exec(pragma);
    db.create_function('db_now_ms', () => DB_NOW_MS);
    createSchema(db);
    loadJobs(db, options.jobs);
    const result = drain(db, options);
    const completed = Number(
      db.exec(`SELECT count(*) FROM distributedJobs WHERE status = 'completed'`)[0]!.values[0]![0],
    );
    if (completed !== options.jobs) {
      throw new Error(`bare SQL drain completed ${completed} of ${options.jobs} jobs`);
    }
    return result;
  } finally {
    db.close();
  }
}

/** The coordinator's own migrations (its public MIGRATIONS list), so that tables and indexes match. */
function createSchema(db: SqlJsDatabase): void {
  db.run('BEGIN');
  for (const migration of MIGRATIONS) for (const statement of migration.statements) db.run(statement);
  db.run('COMMIT');
}

function loadJobs(db: SqlJsDatabase, jobs: number): void {
  const insert = db.prepare(INSERT_JOB);
  db.run('BEGIN');
  for (let i = 0; i < jobs; i++) {
    insert.bind(['noop', '{}', DEFAULT_MAX_ATTEMPTS, 'bench-loader']);
    while (insert.step()) {
      // RETURNING: step to the end so the row is written
    }
    insert.reset();
  }
  db.run('COMMIT');
  insert.free();
}

/** The timed part. */
function drain(db: SqlJsDatabase, { batch }: BareSqlOptions): BareSqlResult {
  const statements = {
    begin: db.prepare(BEGIN),
    commit: db.prepare(COMMIT),
    now: db.prepare(SELECT_NOW),
    expired: db.prepare(SELECT_EXPIRED),
    claim: db.prepare(CLAIM),
    nextDue: db.prepare(SELECT_NEXT_DUE),
    complete: db.prepare(COMPLETE),
  };
  const batchCompletes: Statement[] = [];
  const ids: number[] = [];
  const tokens: string[] = [];
  let jobs = 0;
  let claimTransactions = 0;
  let executed = 0;
  const started = performance.now();
  try {
    for (;;) {
      ids.length = 0;
      tokens.length = 0;
      stepOnce(statements.begin);
      const now = Number(firstValue(statements.now));
      // The reclaim check: in a healthy drain it finds nothing, like the coordinator's.
      statements.expired.bind([now]);
      if (statements.expired.step()) throw new Error('bare SQL drain found an expired claim');
      statements.expired.reset();
      statements.claim.bind([
        'bare',
        `bare:claim-${claimTransactions + 1}`,
        now + DISTRIBUTED_DEFAULTS.claimLeaseMs,
        now,
        batch,
      ]);
      while (statements.claim.step()) {
        // RETURNING id, name, params, attempts, maxAttempts, claimToken, tickAt, runAt
        const row = statements.claim.get();
        ids.push(Number(row[0]));
        tokens.push(String(row[5]));
      }
      statements.claim.reset();
      executed += 4;
      if (ids.length < batch) {
        firstValue(statements.nextDue);
        executed += 1;
      }
      stepOnce(statements.commit);
      executed += 1;
      claimTransactions += 1;
      if (ids.length === 0) break;
      // Jobs claimed together and finished together are completed by one statement, as the coordinator's
      // CompletionBatch does; a lone job by the single-row statement.
      if (ids.length === 1) {
        statements.complete.bind([ids[0]!, tokens[0]!]);
        stepOnce(statements.complete);
        // The coordinator reads `changes` to know whether its completion was accepted.
        if (db.getRowsModified() !== 1) throw new Error(`bare SQL completion of job ${ids[0]} was refused`);
      } else {
        const complete = (batchCompletes[ids.length] ??= db.prepare(completeBatch(ids.length)));
        complete.bind([...ids, ...tokens]);
        let accepted = 0;
        while (complete.step()) accepted += 1;
        complete.reset();
        if (accepted !== ids.length)
          throw new Error(
            `bare SQL completion of ${ids.length - accepted} of ${ids.length} jobs was refused`,
          );
      }
      executed += 1;
      jobs += ids.length;
    }
  } finally {
    for (const statement of [...Object.values(statements), ...batchCompletes.filter(Boolean)])
      statement.free();
  }
  return { jobs, wallMs: performance.now() - started, claimTransactions, statements: executed };
}

/** Runs a statement with its bound parameters (or none) to the end. */
function stepOnce(statement: Statement): void {
  while (statement.step()) {
    // no rows wanted
  }
  statement.reset();
}

function firstValue(statement: Statement): unknown {
  const value = statement.step() ? statement.get()[0] : undefined;
  statement.reset();
  return value;
}
