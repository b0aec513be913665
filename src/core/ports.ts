/**
 * The ports: the only ways the coordinator reaches the world.
 *
 * Everything in `src/core` talks to time, the database and randomness through these interfaces, so the
 * same code runs against virtual time and a shared sql.js database in the simulation, or against the
 * system clock and a real database in a process. Nothing here may assume which.
 */

/** Cancels a timer. Calling it after the timer fired, or twice, does nothing. */
export type CancelTimer = () => void;

/** A server's own clock: its notion of now, and timers measured on it. */
export interface Clock {
  /** Milliseconds on this clock. May jump (an operator sets the time) and may run fast or slow. */
  now(): number;
  /** Calls `callback` once, after `delayMs` milliseconds measured on this clock. */
  setTimer(delayMs: number, callback: () => void): CancelTimer;
}

/** A value bound to a `?` placeholder. */
export type SqlValue = number | string | null | Uint8Array;
export type SqlParams = readonly SqlValue[];
export type Row = Record<string, SqlValue>;

/**
 * Which SQL a database speaks. The coordinator's statements are one text each, except where the two differ
 * (types, triggers, `FOR UPDATE SKIP LOCKED`): there a statement carries its PostgreSQL text too, and the
 * statement helpers pick the text by the executor's dialect (`src/core/distributed/sql/statement.ts`).
 */
export type SqlDialect = 'sqlite' | 'postgres';

/** Runs statements. A statement outside a transaction is atomic on its own. */
export interface SqlExecutor {
  /** The SQL this executor speaks; absent means SQLite's (sql.js, a SQLite file). */
  readonly dialect?: SqlDialect | undefined;
  /** Runs a statement and returns its rows (also for `... RETURNING`). */
  query(sql: string, params?: SqlParams): Promise<Row[]>;
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, params?: SqlParams): Promise<{ changes: number }>;
  /**
   * Wakes every listener of `channel` on any connection, as Postgres' NOTIFY does: inside a transaction
   * the notification is sent when it commits and dropped when it rolls back.
   */
  notify(channel: string): Promise<void>;
}

/** The statements of one exclusive transaction, valid only while its `lock` callback runs. */
export type Transaction = SqlExecutor;

/**
 * One connection to the shared database.
 *
 * SQL may call `db_now_ms()`: the database's own clock in milliseconds. No statement reads the host's
 * clock; leases are written and compared on this one clock, whatever the servers' clocks say.
 */
export interface Database extends SqlExecutor {
  /**
   * Runs `fn` as an exclusive transaction: granted to one caller at a time, first come first served,
   * while everyone else's statements wait. Commits when `fn` resolves and rolls back when it throws; the
   * caller gets `fn`'s own result or error, never another caller's. A caller that waits longer than the
   * database's busy timeout gets an error saying so. Inside `fn`, use `tx` only: a statement sent
   * through the connection itself waits behind its own transaction until the busy timeout.
   */
  lock<T>(fn: (tx: Transaction) => Promise<T>, options?: LockOptions): Promise<T>;
  /**
   * Calls `callback` when `channel` is notified. Returns a function that stops listening. A database
   * that cannot notify returns `undefined`, and callers fall back to polling.
   */
  listen(channel: string, callback: () => void): (() => void) | undefined;
}

/**
 * Which lock a `lock()` transaction needs.
 *
 * - `exclusive` (the default): the contract above, one transaction at a time.
 * - `claim`: a transaction whose writes are kept apart by row locks of its own (the job claim chooses its
 *   rows `FOR UPDATE SKIP LOCKED`), so that a database able to run such transactions side by side may:
 *   PostgreSQL runs it as a plain READ COMMITTED transaction without the exclusive lock. A database that
 *   cannot (sql.js, the simulated one, a SQLite file whose write lock is one per file) treats it as
 *   `exclusive`, so that simulated runs and their traces are the same either way.
 */
export type LockKind = 'exclusive' | 'claim';

export interface LockOptions {
  kind?: LockKind | undefined;
}

/** Ids and randomness, seeded in the simulation. */
export interface Entropy {
  /** A fresh id, unique within this run (claim tokens, server ids). */
  newId(prefix: string): string;
  /** A number in [0, 1). */
  random(): number;
}
