import BetterSqlite3 from 'better-sqlite3';
import type { Database, Row, SqlParams, SqlValue, Transaction } from '../../core/index.js';
import {
  DatabaseBusyError,
  DatabaseClosedError,
  SqlError,
  TransactionEndedError,
  messageOf,
} from '../errors.js';
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
 */
export class SqliteFileDatabase implements Database {
  readonly dialect = 'sqlite';
  readonly name: string;
  readonly path: string;
  private readonly db: BetterSqlite3.Database;
  private readonly gate: ProcessGate;
  private readonly busyTimeoutMs: number;
  private readonly notifications: FileNotifications;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private closed = false;

  private constructor(options: SqliteFileDatabaseOptions) {
    this.path = options.path;
    this.name = options.name ?? options.path;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    this.gate = gateOf(options.path);
    this.db = new BetterSqlite3(options.path, { timeout: this.busyTimeoutMs });
    const now = options.now ?? (() => Date.now());
    this.db.function('db_now_ms', { deterministic: false }, () => now());
    this.notifications = new FileNotifications(options.path, options.notifyPollMs ?? 20, now);
  }

  /** Opens the file in WAL mode and creates the notifications' table if missing. */
  static async open(options: SqliteFileDatabaseOptions): Promise<SqliteFileDatabase> {
    const database = new SqliteFileDatabase(options);
    try {
      await database.withTurn(() => {
        database.db.pragma('journal_mode = WAL');
        // WAL's recommended setting: a commit survives a crash of the process, not of the machine.
        database.db.pragma('synchronous = NORMAL');
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
      this.begin();
      let open = true;
      const guard = () => {
        if (!open) throw new TransactionEndedError(this.name);
      };
      const tx: Transaction = {
        dialect: 'sqlite',
        query: (sql, params = []) => attempt(() => (guard(), this.execute(sql, params).rows)),
        run: (sql, params = []) => attempt(() => (guard(), { changes: this.execute(sql, params).changes })),
        notify: (channel) => attempt(() => (guard(), void this.execute(FileNotifications.NOTIFY, [channel]))),
      };
      let value: T;
      try {
        value = await fn(tx);
      } catch (error) {
        open = false;
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
      open = false;
      this.db.exec('COMMIT');
      return value;
    } finally {
      release();
    }
  }

  listen(channel: string, callback: () => void): () => void {
    this.ensureOpen();
    return this.notifications.listen(channel, callback);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.notifications.close();
    this.db.close();
  }

  /** `BEGIN IMMEDIATE`: the write lock now, waiting (the busy timeout) for another process to commit. */
  private begin(): void {
    const started = Date.now();
    try {
      this.db.exec('BEGIN IMMEDIATE');
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

  private execute(sql: string, params: SqlParams): { rows: Row[]; changes: number } {
    this.ensureOpen();
    const started = Date.now();
    try {
      let statement = this.statements.get(sql);
      if (!statement) {
        statement = this.db.prepare(sql);
        this.statements.set(sql, statement);
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
