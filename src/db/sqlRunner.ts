/**
 * Runs statements on the one sql.js database, synchronously, with prepared statements cached by SQL text.
 *
 * It knows nothing about the lock: the caller decides when a statement may run. It does decide which
 * statements may run where (`StatementScope`), because transaction control in user SQL would undo the
 * lock semantics without any error.
 */

import type { SqlJsDatabase, SqlJsStatement as Statement, SqlJsValue } from './sqlJsModule.js';
import type { Row, SqlParams } from '../core/ports.js';
import { messageOf, SqlError, UnsupportedStatementError } from './errors.js';
import { classifySql, obviouslySingleStatement, type SqlTraits } from './sqlText.js';

/**
 * - `transaction`: inside `lock()`, through `tx`;
 * - `statement`: a lone statement, its own implicit transaction;
 * - `inspect`: a read that bypasses the queue;
 * - `control`: the adapter's own BEGIN / COMMIT / ROLLBACK.
 */
export type StatementScope = 'transaction' | 'statement' | 'inspect' | 'control';

interface Prepared {
  readonly sql: string;
  readonly statement: Statement;
  readonly traits: SqlTraits;
}

/**
 * A coordinator uses a fixed set of statements, so the cache normally just holds them all; the bound only
 * matters for code that builds SQL text on the fly.
 */
const DEFAULT_CACHE_CAPACITY = 500;

export class SqlRunner {
  /** In least-recently-used-first order: a hit moves its entry to the end. */
  private readonly cache = new Map<string, Prepared>();

  constructor(
    private readonly db: SqlJsDatabase,
    private readonly capacity = DEFAULT_CACHE_CAPACITY,
    /** Hears every statement about to run, but inspections (see SharedSqlJsDatabaseOptions.onStatement). */
    private readonly onExecute?: (sql: string, params: SqlParams) => void,
  ) {}

  query(sql: string, params: SqlParams, scope: StatementScope, connection: string): Row[] {
    const prepared = this.prepare(sql, scope, connection);
    // Heard once allowed and prepared (a statement refused here changed nothing), and only if it may
    // change something: a plain read is not worth replaying.
    if (scope !== 'inspect' && this.onExecute && !plainRead(prepared)) this.onExecute(sql, params);
    return this.execute(prepared, params, connection, readRows);
  }

  run(sql: string, params: SqlParams, scope: StatementScope, connection: string): { changes: number } {
    const prepared = this.prepare(sql, scope, connection);
    if (scope !== 'inspect' && this.onExecute && !plainRead(prepared)) this.onExecute(sql, params);
    this.execute(prepared, params, connection, stepToEnd);
    return { changes: prepared.traits.countsChanges ? this.db.getRowsModified() : 0 };
  }

  /** Frees every cached statement. The database itself belongs to the caller. */
  close(): void {
    for (const prepared of this.cache.values()) prepared.statement.free();
    this.cache.clear();
  }

  private prepare(sql: string, scope: StatementScope, connection: string): Prepared {
    const cached = this.cache.get(sql);
    const prepared = cached ?? this.compile(sql, connection);
    if (cached !== undefined) this.cache.delete(sql);
    this.cache.set(sql, prepared);
    this.evictBeyondCapacity();
    assertAllowed(prepared, scope, connection);
    return prepared;
  }

  private compile(sql: string, connection: string): Prepared {
    try {
      // sql.js prepares the first statement and silently drops the rest: a two-statement migration would
      // run half. Refuse instead.
      if (!obviouslySingleStatement(sql) && this.holdsSeveralStatements(sql)) {
        throw new UnsupportedStatementError(connection, sql, 'one statement per call, found several');
      }
      return { sql, statement: this.db.prepare(sql), traits: classifySql(sql) };
    } catch (error) {
      if (error instanceof UnsupportedStatementError) throw error;
      throw new SqlError(connection, sql, messageOf(error), { cause: error });
    }
  }

  private holdsSeveralStatements(sql: string): boolean {
    const iterator: Iterator<Statement> = this.db.iterateStatements(sql);
    let seen = 0;
    try {
      while (!iterator.next().done) {
        seen += 1;
        if (seen > 1) return true;
      }
      return false;
    } catch (error) {
      // A later statement that cannot be prepared yet (its table comes from the first one) is still there.
      if (seen >= 1) return true;
      throw error;
    } finally {
      iterator.return?.(); // frees the statement the iterator prepared last
    }
  }

  private evictBeyondCapacity(): void {
    while (this.cache.size > this.capacity) {
      const oldest = this.cache.values().next().value;
      if (oldest === undefined) return;
      this.cache.delete(oldest.sql);
      oldest.statement.free();
    }
  }

  private execute<T>(
    prepared: Prepared,
    params: SqlParams,
    connection: string,
    read: (statement: Statement) => T,
  ): T {
    const { statement } = prepared;
    try {
      // sql.js only reads the array; the cast drops `readonly`.
      statement.bind(params as SqlJsValue[]);
      return read(statement);
    } catch (error) {
      throw new SqlError(connection, prepared.sql, messageOf(error), { cause: error });
    } finally {
      // Always reset: a statement left mid-way keeps SQLite's read state open.
      statement.reset();
    }
  }
}

/** A SELECT or VALUES: it changes nothing (a PRAGMA or a WITH may). */
function plainRead({ sql, traits }: Prepared): boolean {
  return traits.reads && !traits.countsChanges && !/^\s*(?:PRAGMA|EXPLAIN)/i.test(sql);
}

function assertAllowed({ sql, traits }: Prepared, scope: StatementScope, connection: string): void {
  if (scope === 'control') return;
  if (traits.control === 'transaction') {
    throw new UnsupportedStatementError(connection, sql, 'transactions are opened and closed by lock() only');
  }
  if (traits.control === 'savepoint' && scope !== 'transaction') {
    throw new UnsupportedStatementError(connection, sql, 'savepoints belong inside lock(), through tx');
  }
  if (scope === 'inspect' && !traits.reads) {
    throw new UnsupportedStatementError(connection, sql, 'inspect() runs reads only');
  }
}

function readRows(statement: Statement): Row[] {
  const rows: Row[] = [];
  let columns: string[] | undefined;
  while (statement.step()) {
    columns ??= statement.getColumnNames();
    const values = statement.get();
    const row: Row = {};
    columns.forEach((column, index) => {
      row[column] = values[index] ?? null;
    });
    rows.push(row);
  }
  return rows;
}

/** Steps through every row: an `INSERT ... RETURNING` only finishes its work when stepped to the end. */
function stepToEnd(statement: Statement): void {
  while (statement.step()) {
    // the rows are not wanted
  }
}
