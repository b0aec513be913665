/**
 * The errors the real adapters raise on purpose. Each names the connection and what it waited for, as the
 * sql.js database's errors do (`src/db/errors.ts`), and carries the same `code` tags: `src/core` cannot
 * use `instanceof` on another room's classes, but it can read `error.code`.
 */

export type AdapterErrorCode =
  'DATABASE_BUSY' | 'TRANSACTION_ENDED' | 'DATABASE_CLOSED' | 'SQL_ERROR' | 'CONNECTION_LOST';

export abstract class AdapterError extends Error {
  abstract readonly code: AdapterErrorCode;
}

/** A `lock` or a statement waited longer than the busy timeout. */
export class DatabaseBusyError extends AdapterError {
  override name = 'DatabaseBusyError';
  readonly code = 'DATABASE_BUSY';

  constructor(
    readonly connection: string,
    readonly waitedMs: number,
    /** What it waited for, in words: whose lock, or which lock. */
    readonly waitedFor: string,
    options?: ErrorOptions,
  ) {
    super(
      `database is locked: connection "${connection}" waited ${Math.round(waitedMs)} ms for ${waitedFor} (the busy timeout)`,
      options,
    );
  }
}

/** A `tx` handle was used after its `lock` callback finished. */
export class TransactionEndedError extends AdapterError {
  override name = 'TransactionEndedError';
  readonly code = 'TRANSACTION_ENDED';

  constructor(readonly connection: string) {
    super(
      `connection "${connection}": this transaction has ended; a tx handle is only valid while its lock() callback runs`,
    );
  }
}

/** The database was closed; nothing on it works any more. */
export class DatabaseClosedError extends AdapterError {
  override name = 'DatabaseClosedError';
  readonly code = 'DATABASE_CLOSED';

  constructor(readonly connection: string) {
    super(`connection "${connection}": the database is closed`);
  }
}

/**
 * The connection to the database was lost (cut, the server restarted or down): the statement or
 * transaction it carried failed (a transaction was rolled back), and the next use connects again.
 */
export class ConnectionLostError extends AdapterError {
  override name = 'ConnectionLostError';
  readonly code = 'CONNECTION_LOST';

  constructor(
    readonly connection: string,
    /** What happened, in words: the driver's or the server's reason. */
    readonly reason: string,
    /** The statement it carried, if one. */
    readonly sql?: string | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `connection "${connection}" lost: ${reason}; the next statement connects again` +
        (sql === undefined ? '' : ` — in SQL: ${abbreviate(sql)}`),
      options,
    );
  }
}

/** The database refused a statement. Carries the SQL, so that a failing statement can be found. */
export class SqlError extends AdapterError {
  override name = 'SqlError';
  readonly code = 'SQL_ERROR';

  constructor(
    readonly connection: string,
    readonly sql: string,
    readonly databaseMessage: string,
    options?: ErrorOptions,
  ) {
    super(`connection "${connection}": ${databaseMessage} — in SQL: ${abbreviate(sql)}`, options);
  }
}

function abbreviate(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length <= 200 ? oneLine : `${oneLine.slice(0, 200)}… (${oneLine.length} characters)`;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
