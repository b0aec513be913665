/**
 * The errors of the shared sql.js database. Each one names the connection it concerns, because in a
 * simulation with many servers "database is locked" alone does not say whose problem it is.
 */

import { abbreviateSql } from './sqlText.js';

/**
 * A stable tag per error kind. `src/core` may not import this room, so it cannot use `instanceof`; it can
 * read `error.code` (as it would a driver's SQLSTATE).
 */
export type DatabaseErrorCode =
  | 'DATABASE_BUSY'
  | 'CONNECTION_LOST'
  | 'DATABASE_CLOSED'
  | 'TRANSACTION_ENDED'
  | 'TRANSACTION_TIMEOUT'
  | 'SQL_ERROR'
  | 'UNSUPPORTED_STATEMENT';

/**
 * Base class: `instanceof DatabaseError` catches every error this adapter raises on purpose. Each subclass
 * spells out its `name`: a minified build renames classes, and the name is part of the trace (found by the
 * browser determinism test: the built page wrote `Error: connection "a" is lost` where Node wrote
 * `ConnectionLostError: ...`).
 */
export abstract class DatabaseError extends Error {
  abstract readonly code: DatabaseErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A waiter (a `lock` or a lone statement) waited longer than the busy timeout, on the database clock. */
export class DatabaseBusyError extends DatabaseError {
  override name = 'DatabaseBusyError';
  readonly code = 'DATABASE_BUSY';

  constructor(
    readonly connection: string,
    readonly waitedMs: number,
    /** Who held the lock when the waiter gave up; `undefined` if nobody did. */
    readonly holder: string | undefined,
    /** True when the waiter queued behind its own connection's transaction (a statement outside `tx`). */
    readonly waitedForItself = false,
  ) {
    super(busyMessage(connection, waitedMs, holder, waitedForItself));
  }
}

function busyMessage(
  connection: string,
  waitedMs: number,
  holder: string | undefined,
  itself: boolean,
): string {
  const held = holder === undefined ? 'the lock' : `the lock held by "${holder}"`;
  const hint = itself
    ? ' (its own transaction: inside lock(), run statements through the tx handle, not the connection)'
    : '';
  return `database is locked: connection "${connection}" waited ${Math.round(waitedMs)} ms for ${held}${hint}`;
}

/** The connection was severed (its server crashed or was cut off) and not yet restored. */
export class ConnectionLostError extends DatabaseError {
  override name = 'ConnectionLostError';
  readonly code = 'CONNECTION_LOST';

  constructor(
    readonly connection: string,
    readonly reason: string,
  ) {
    super(`connection "${connection}" is lost: ${reason}`);
  }
}

/** The database was closed; nothing on it works any more. */
export class DatabaseClosedError extends DatabaseError {
  override name = 'DatabaseClosedError';
  readonly code = 'DATABASE_CLOSED';

  constructor(readonly connection: string | undefined) {
    super(
      connection === undefined
        ? 'the shared database is closed'
        : `connection "${connection}": the shared database is closed`,
    );
  }
}

/** A `tx` handle was used after its `lock` callback finished. */
/**
 * A transaction held the lock longer than the transaction timeout (its server stalled, say) and was rolled
 * back so that the others could go on, as Postgres' idle_in_transaction_session_timeout does.
 */
export class TransactionTimeoutError extends DatabaseError {
  override name = 'TransactionTimeoutError';
  readonly code = 'TRANSACTION_TIMEOUT';

  constructor(
    readonly connection: string,
    readonly timeoutMs: number,
  ) {
    super(
      `connection "${connection}": transaction rolled back after holding the lock for ${timeoutMs} ms ` +
        '(the transaction timeout)',
    );
  }
}

export class TransactionEndedError extends DatabaseError {
  override name = 'TransactionEndedError';
  readonly code = 'TRANSACTION_ENDED';

  constructor(
    readonly connection: string,
    readonly outcome: 'committed' | 'rolled back',
  ) {
    super(
      `connection "${connection}": this transaction already ${outcome}; ` +
        'a tx handle is only valid while its lock() callback runs',
    );
  }
}

/** SQLite refused a statement. Carries the SQL so that a failing query can be found in a long run. */
export class SqlError extends DatabaseError {
  override name = 'SqlError';
  readonly code = 'SQL_ERROR';

  constructor(
    readonly connection: string,
    readonly sql: string,
    readonly sqliteMessage: string,
    options?: ErrorOptions,
  ) {
    super(`connection "${connection}": ${sqliteMessage} — in SQL: ${abbreviateSql(sql)}`, options);
  }
}

/**
 * A statement this adapter refuses before SQLite sees it: transaction control outside `lock()`, several
 * statements in one call, or a write through `inspect()`. Each would silently break the lock semantics.
 */
export class UnsupportedStatementError extends DatabaseError {
  override name = 'UnsupportedStatementError';
  readonly code = 'UNSUPPORTED_STATEMENT';

  constructor(
    readonly connection: string,
    readonly sql: string,
    why: string,
  ) {
    super(`connection "${connection}": ${why} — in SQL: ${abbreviateSql(sql)}`);
  }
}

/** The message of whatever sql.js threw: it throws `Error`s, and sometimes plain strings. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
