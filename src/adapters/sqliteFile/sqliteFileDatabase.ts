import BetterSqlite3 from 'better-sqlite3';
import type { Database, Row, SqlParams, SqlValue, Transaction } from '../../core/index.js';
import {
  ConnectionLostError,
  DatabaseBusyError,
  DatabaseClosedError,
  SqlError,
  TransactionEndedError,
  messageOf,
} from '../errors.js';
import { SQLITE_FILE_BUSY_TIMEOUT_MS } from './busyTimeout.js';
import { FileNotifications } from './fileNotifications.js';
import { gateOf, type ProcessGate } from './processGate.js';

export interface SqliteFileDatabaseOptions {
  /** The database file; created if missing. Every server of a cluster opens the same file. */
  path: string;
  /** Names this connection in errors. Default the file's path. */
  name?: string | undefined;
  /** How long `lock` and a statement wait for the write lock before failing. Default 5 s. */
  busyTimeoutMs?: number | undefined;
  /** How often a listening connection looks for notifications. Default 20 ms. */
  notifyPollMs?: number | undefined;
  /** The database clock, `db_now_ms()`. Default the host's time: every process on one machine shares it. */
  now?: (() => number) | undefined;
}

/**
 * The Database port on a SQLite file, for several processes on one machine (better-sqlite3).
 *
 * - WAL journal: readers never wait for the writer; `lock(fn)` is `BEGIN IMMEDIATE`, the file's one write
 *   lock, so transactions are exclusive across processes, and within a process they take turns first
 *   (`processGate.ts`). A wait past the busy timeout fails naming what it waited for.
 * - `db_now_ms()` is a function registered on each connection: the host's clock in ms.
 * - SQLite cannot notify another process, so a notification is a row (`fileNotifications.ts`) written
 *   in the caller's transaction (kept on commit, gone on rollback) that listeners poll for.
 * - `cutConnection()` is a file's cut connection, for faults: the connection is closed under the server
 *   (an open transaction rolls back and fails with a `ConnectionLostError`), and the next use opens a new one.
 */
export class SqliteFileDatabase implements Database {
  readonly dialect = 'sqlite';
  readonly name: string;
  readonly path: string;
  private connection: Connection | undefined;
  private readonly gate: ProcessGate;
  private readonly busyTimeoutMs: number;
  private readonly now: () => number;
  private readonly notifications: FileNotifications;
  private closed = false;

  private constructor(options: SqliteFileDatabaseOptions) {
    this.path = options.path;
    this.name = options.name ?? options.path;
    this.busyTimeoutMs = options.busyTimeoutMs ?? SQLITE_FILE_BUSY_TIMEOUT_MS;
    this.gate = gateOf(options.path);
    const now = options.now ?? (() => Date.now());
    this.now = now;
    this.connected();
    this.notifications = new FileNotifications(options.path, options.notifyPollMs ?? 20, now);
  }

  /** Opens the file in WAL mode and creates the notifications' table if missing. */
  static async open(options: SqliteFileDatabaseOptions): Promise<SqliteFileDatabase> {
    const database = new SqliteFileDatabase(options);
    try {
      await database.withTurn(() => {
        database.connected().db.pragma('journal_mode = WAL');
        database.execute(FileNotifications.CREATE_TABLE, []);
      });
    } catch (error) {
      database.close();
      throw error;
    }
    return database;
  }

  query(sql: string, params: SqlParams = []): Promise<Row[]> {
    return this.withTurn(() => this.execute(sql, params).rows);
  }

  run(sql: string, params: SqlParams = []): Promise<{ changes: number }> {
    return this.withTurn(() => ({ changes: this.execute(sql, params).changes }));
  }

  notify(channel: string): Promise<void> {
    return this.withTurn(() => void this.execute(FileNotifications.NOTIFY, [channel]));
  }

  async lock<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.ensureOpen();
    const release = await this.gate.acquire(this.name, this.busyTimeoutMs);
    try {
      this.ensureOpen();
      // The transaction's own connection: cut under it, its statements fail instead of going to a new one.
      const connection = this.connected();
      this.begin(connection);
      let open = true;
      const guard = () => {
        if (!open) throw new TransactionEndedError(this.name);
        if (connection.cut) throw this.lostTransaction();
      };
      const tx: Transaction = {
        dialect: 'sqlite',
        query: (sql, params = []) => attempt(() => (guard(), this.execute(sql, params, connection).rows)),
        run: (sql, params = []) =>
          attempt(() => (guard(), { changes: this.execute(sql, params, connection).changes })),
        notify: (channel) =>
          attempt(() => (guard(), void this.execute(FileNotifications.NOTIFY, [channel], connection))),
      };
      let value: T;
      try {
        value = await fn(tx);
      } catch (error) {
        open = false;
        if (!connection.cut && connection.db.inTransaction) connection.db.exec('ROLLBACK');
        throw error;
      }
      open = false;
      if (connection.cut) throw this.lostTransaction();
      connection.db.exec('COMMIT');
      return value;
    } finally {
      release();
    }
  }

  /**
   * A cut connection, for faults: the connection is closed now (SQLite rolls back a transaction open on
   * it, whose next statement or commit fails with a `ConnectionLostError`), and the next use opens a new
   * one; a listener's connection is cut too and opened again at its next look.
   */
  cutConnection(): void {
    this.ensureOpen();
    const connection = this.connection;
    this.connection = undefined;
    if (connection) {
      connection.cut = true;
      connection.db.close();
    }
    this.notifications.cut();
  }

  /**
   * Waits until no transaction or statement of this process is on the file and keeps any other from
   * starting until the returned release is called: where a fault injector may stop the process without
   * it holding the file's write lock (SQLite has no server to end a stopped writer's transaction).
   */
  holdTurn(): Promise<() => void> {
    this.ensureOpen();
    return this.gate.acquire(`${this.name} (held by a fault injector)`, this.busyTimeoutMs);
  }

  listen(channel: string, callback: () => void): () => void {
    this.ensureOpen();
    return this.notifications.listen(channel, callback);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.notifications.close();
    this.connection?.db.close();
    this.connection = undefined;
  }

  /** The open connection, or a new one (at the start, and after a cut). */
  private connected(): Connection {
    if (this.connection) return this.connection;
    const db = new BetterSqlite3(this.path, { timeout: this.busyTimeoutMs });
    db.function('db_now_ms', { deterministic: false }, () => this.now());
    // WAL's recommended setting: a commit survives a crash of the process, not of the machine.
    db.pragma('synchronous = NORMAL');
    this.connection = { db, statements: new Map(), cut: false };
    return this.connection;
  }

  private lostTransaction(): ConnectionLostError {
    return new ConnectionLostError(
      this.name,
      'its connection was cut during this transaction, which SQLite rolled back',
    );
  }

  /** `BEGIN IMMEDIATE`: the write lock now, waiting (the busy timeout) for another process to commit. */
  private begin(connection: Connection): void {
    const started = Date.now();
    try {
      connection.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw this.busyOr(error, 'BEGIN IMMEDIATE', started);
    }
  }

  /** A statement outside `lock`: after this process's transactions, atomic on its own. */
  private async withTurn<T>(work: () => T): Promise<T> {
    this.ensureOpen();
    const release = await this.gate.acquire(this.name, this.busyTimeoutMs);
    try {
      this.ensureOpen();
      return work();
    } finally {
      release();
    }
  }

  private execute(
    sql: string,
    params: SqlParams,
    connection = this.connected(),
  ): { rows: Row[]; changes: number } {
    this.ensureOpen();
    const started = Date.now();
    try {
      let statement = connection.statements.get(sql);
      if (!statement) {
        statement = connection.db.prepare(sql);
        connection.statements.set(sql, statement);
      }
      const values = params.map(toDriverValue);
      if (!statement.reader) return { rows: [], changes: statement.run(...values).changes };
      const rows = statement.all(...values) as Row[];
      return { rows, changes: /^\s*select\b/i.test(sql) ? 0 : rows.length };
    } catch (error) {
      throw this.busyOr(error, sql, started);
    }
  }

  private busyOr(error: unknown, sql: string, started: number): Error {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
      return new DatabaseBusyError(
        this.name,
        Date.now() - started,
        `the write lock of ${this.path}, held by another process`,
        { cause: error },
      );
    }
    return new SqlError(this.name, sql, messageOf(error), { cause: error });
  }

  private ensureOpen(): void {
    if (this.closed) throw new DatabaseClosedError(this.name);
  }
}

/** One better-sqlite3 connection and its prepared statements; `cut` once a fault closed it. */
interface Connection {
  db: BetterSqlite3.Database;
  statements: Map<string, BetterSqlite3.Statement>;
  cut: boolean;
}

/** Runs synchronous work as a promise, so that its throw is a rejection like any driver's. */
function attempt<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(messageOf(error)));
  }
}

function toDriverValue(value: SqlValue): unknown {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value) : value;
}
