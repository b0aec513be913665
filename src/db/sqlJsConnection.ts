/**
 * One connection to the shared database: what a server holds. It implements the `Database` port and adds
 * the two fault levers of the simulation, `sever` and `restore`.
 *
 * The connection only carries its name and its severed state; the database (the `ConnectionHost`) does
 * the work, because the lock, the transaction and the listeners are shared by all connections.
 */

import type { Database, Row, SqlParams, Transaction } from '../core/ports.js';

/** What a connection asks of its database. Implemented privately by `SharedSqlJsDatabase`. */
export interface ConnectionHost {
  transaction<T>(connection: SqlJsConnection, fn: (tx: Transaction) => Promise<T>): Promise<T>;
  query(connection: SqlJsConnection, sql: string, params: SqlParams): Promise<Row[]>;
  run(connection: SqlJsConnection, sql: string, params: SqlParams): Promise<{ changes: number }>;
  notify(connection: SqlJsConnection, channel: string): Promise<void>;
  listen(connection: SqlJsConnection, channel: string, callback: () => void): () => void;
  sever(connection: SqlJsConnection, reason: string): void;
}

export class SqlJsConnection implements Database {
  private severedBecause: string | undefined;

  constructor(
    /** Names the connection in errors, events, `holder()` and `waiters()`. */
    readonly name: string,
    private readonly host: ConnectionHost,
  ) {}

  get isSevered(): boolean {
    return this.severedBecause !== undefined;
  }

  /** Why the connection was severed, while it is. */
  get severReason(): string | undefined {
    return this.severedBecause;
  }

  query(sql: string, params: SqlParams = []): Promise<Row[]> {
    return this.host.query(this, sql, params);
  }

  run(sql: string, params: SqlParams = []): Promise<{ changes: number }> {
    return this.host.run(this, sql, params);
  }

  notify(channel: string): Promise<void> {
    return this.host.notify(this, channel);
  }

  lock<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.host.transaction(this, fn);
  }

  /**
   * Throws `ConnectionLostError` while the connection is severed, and `DatabaseClosedError` after close:
   * registering a listener is a statement on a real database too.
   */
  listen(channel: string, callback: () => void): () => void {
    return this.host.listen(this, channel, callback);
  }

  /**
   * Declares the connection dead, as when its server crashes or is cut off: its waiters are rejected, a
   * transaction it holds is rolled back at once and the lock passes on, and every call fails with
   * `ConnectionLostError` until `restore()`. Severing a severed connection does nothing.
   */
  sever(reason = 'connection severed'): void {
    if (this.isSevered) return;
    this.severedBecause = reason;
    this.host.sever(this, reason);
  }

  /** Makes a severed connection usable again: a fresh start, the old transaction stays dead. */
  restore(): void {
    this.severedBecause = undefined;
  }
}
