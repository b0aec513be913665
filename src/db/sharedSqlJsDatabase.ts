/**
 * One in-memory sql.js database shared by many connections, with the lock semantics of SQLite's database
 * lock (see docs/architecture.md, "Lock semantics of the shared sql.js database").
 *
 * sql.js has a single SQLite connection, so all isolation comes from the `LockQueue`: every access takes
 * the lock first, a `lock(fn)` transaction for as long as `fn` runs, a lone statement for the instant it
 * executes. While a transaction holds the lock, its uncommitted writes are in the one SQLite connection;
 * nobody else can see them because nobody else may run a statement (except `inspect`, which is for tests
 * and views and says so).
 *
 * Time: the only clock is the injected database clock. It feeds `db_now_ms()` and measures busy timeouts.
 * Nothing here reads the host's clock or sets a host timer; waiting is done with promises, so a simulation
 * that drives the clock decides every outcome.
 */

import type { SqlJsDatabase, SqlJsModule } from './sqlJsModule.js';
import type { Clock, Row, SqlParams, Transaction } from '../core/ports.js';
import { attempt } from './attempt.js';
import { ConnectionLostError, DatabaseClosedError } from './errors.js';
import { guardObserver, type DatabaseObserver, type Emit } from './events.js';
import { loadSqlJs } from './loadSqlJs.js';
import { LockQueue } from './lockQueue.js';
import { NotificationHub } from './notifications.js';
import { SqlJsConnection, type ConnectionHost } from './sqlJsConnection.js';
import { SqlRunner } from './sqlRunner.js';
import { OpenTransaction } from './transaction.js';
import { BEGIN_TRANSACTION, COMMIT_TRANSACTION, ROLLBACK_TRANSACTION } from './transactionSql.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 5_000;

/**
 * Run on every new database. One in-memory database behind one SQLite connection: a journal file in
 * sql.js's virtual filesystem buys nothing but costs half of every commit (`npm run bench` measured twice
 * the throughput without it). MEMORY, not OFF: rollback still works.
 */
export const SQLJS_PRAGMAS: readonly string[] = [
  'PRAGMA journal_mode = MEMORY',
  'PRAGMA locking_mode = EXCLUSIVE',
];

export interface SharedSqlJsDatabaseOptions {
  /** The database's own clock: `db_now_ms()` reads it and busy timeouts are measured on it. */
  readonly clock: Clock;
  /** How long a waiter may wait for the lock, in database-clock ms. Default 10 000; `Infinity` never gives up. */
  readonly busyTimeoutMs?: number | undefined;
  /**
   * How long one `lock()` transaction may hold the lock before it is rolled back for the others, in
   * database-clock ms. Default 5 000; `Infinity` never. A stalled server holding the lock would otherwise
   * stall everyone, its successor's election included.
   */
  readonly transactionTimeoutMs?: number | undefined;
  /** Told about lock waits, grants, releases, rollbacks, timeouts and listener errors. */
  readonly observer?: DatabaseObserver | undefined;
  /** A ready sql.js module; without it, sql.js is loaded the Node way (`loadSqlJs`). Browsers pass their own. */
  readonly sqlJs?: SqlJsModule | undefined;
  /**
   * Hears every statement the database runs, in order, transaction control included (not `inspect`), with
   * what `db_now_ms()` reads while it runs: handed to `replay` in the same order on a new database, they
   * rebuild this one as it was after any of them (the playground's rewind).
   */
  readonly onStatement?: ((sql: string, params: SqlParams, dbNowMs: number) => void) | undefined;
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export class SharedSqlJsDatabase {
  static async open(options: SharedSqlJsDatabaseOptions): Promise<SharedSqlJsDatabase> {
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!(busyTimeoutMs >= 0)) throw new RangeError(`busyTimeoutMs must be >= 0, got ${busyTimeoutMs}`);
    const sqlJs = options.sqlJs ?? (await loadSqlJs());
    const db = new sqlJs.Database();
    for (const pragma of SQLJS_PRAGMAS) db.exec(pragma);
    const transactionTimeoutMs = options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
    if (!(transactionTimeoutMs > 0)) {
      throw new RangeError(`transactionTimeoutMs must be > 0, got ${transactionTimeoutMs}`);
    }
    return new SharedSqlJsDatabase(
      db,
      options.clock,
      busyTimeoutMs,
      options.observer,
      transactionTimeoutMs,
      options.onStatement,
    );
  }

  private readonly emit: Emit;
  private readonly runner: SqlRunner;
  private readonly queue: LockQueue<SqlJsConnection>;
  private readonly notifications: NotificationHub<SqlJsConnection>;
  /** The `lock()` transaction holding the lock, if any (a lone statement never holds it across an await). */
  private active: OpenTransaction | undefined;
  private closed = false;
  private readonly host: ConnectionHost;

  private constructor(
    private readonly db: SqlJsDatabase,
    private readonly clock: Clock,
    readonly busyTimeoutMs: number,
    observer: DatabaseObserver | undefined,
    readonly transactionTimeoutMs: number,
    onStatement?: (sql: string, params: SqlParams, dbNowMs: number) => void,
  ) {
    this.emit = guardObserver(observer);
    this.runner = new SqlRunner(
      db,
      undefined,
      onStatement && ((sql, params) => onStatement(sql, params, Math.floor(this.clock.now()))),
    );
    this.queue = new LockQueue(clock, busyTimeoutMs, this.emit);
    this.notifications = new NotificationHub(this.emit);
    // Leases are written and compared on this one clock, whatever the servers' clocks say.
    // Whole milliseconds: a drifting virtual clock can be fractional, and leases are stored as integers.
    db.create_function('db_now_ms', () => Math.floor(this.clock.now()));
    this.host = this.makeHost();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A new connection; `name` identifies it in errors and events (names need not be unique). */
  connect(name: string): SqlJsConnection {
    if (this.closed) throw new DatabaseClosedError(name);
    return new SqlJsConnection(name, this.host);
  }

  /**
   * Runs a read now, bypassing the queue: for tests and views. It sees the lock holder's uncommitted
   * writes, since there is only one SQLite connection. Refuses statements that do not start like a read.
   */
  inspect(sql: string, params: SqlParams = []): Row[] {
    if (this.closed) throw new DatabaseClosedError('inspect');
    return this.runner.query(sql, params, 'inspect', 'inspect');
  }

  /**
   * Runs one statement as `onStatement` heard it, outside the lock queue and its checks: the clock should
   * read what `onStatement` was told. A statement that failed then fails here again, and throws.
   */
  replay(sql: string, params: SqlParams): void {
    if (this.closed) throw new DatabaseClosedError('replay');
    this.runner.run(sql, params, 'control', 'replay');
  }

  /** The connection holding the lock now. */
  holder(): string | undefined {
    return this.queue.holder()?.name;
  }

  /** The connections waiting for the lock, first in line first. */
  waiters(): string[] {
    return this.queue.waiters().map((connection) => connection.name);
  }

  /**
   * Frees the statements and the database. Waiters are rejected with `DatabaseClosedError`; a transaction
   * in flight fails the same way when its callback finishes. Closing twice does nothing.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.cancelWaiters(
      () => true,
      'closed',
      (owner) => new DatabaseClosedError(owner.name),
    );
    const open = this.active;
    if (open !== undefined) {
      open.end('closed');
      this.active = undefined;
      this.queue.release(open.ticket);
    }
    this.notifications.clear();
    this.runner.close();
    this.db.close();
  }

  private makeHost(): ConnectionHost {
    return {
      transaction: (connection, fn) => this.transaction(connection, fn),
      query: (connection, sql, params) =>
        this.statement(connection, () => this.runner.query(sql, params, 'statement', connection.name)),
      run: (connection, sql, params) =>
        this.statement(connection, () => this.runner.run(sql, params, 'statement', connection.name)),
      // Outside a transaction NOTIFY is a statement of its own: it waits for its turn like any other.
      notify: (connection, channel) =>
        this.statement(
          connection,
          () => undefined,
          () => this.notifications.deliver([channel]),
        ),
      listen: (connection, channel, callback) => {
        const unusable = this.unusable(connection);
        if (unusable !== undefined) throw unusable;
        return this.notifications.listen(connection, channel, callback);
      },
      sever: (connection, reason) => this.sever(connection, reason),
    };
  }

  /** Why `connection` may not start anything now, if it may not. */
  private unusable(connection: SqlJsConnection): Error | undefined {
    if (this.closed) return new DatabaseClosedError(connection.name);
    if (connection.isSevered) return new ConnectionLostError(connection.name, connection.severReason ?? '');
    return undefined;
  }

  /** A lone statement: waits for the lock, runs `work` synchronously, releases, then runs `afterRelease`. */
  private statement<T>(connection: SqlJsConnection, work: () => T, afterRelease?: () => void): Promise<T> {
    const unusable = this.unusable(connection);
    if (unusable !== undefined) return Promise.reject(unusable);
    return new Promise<T>((resolve, reject) => {
      this.queue.request({
        owner: connection,
        kind: 'statement',
        onGranted: (ticket) => {
          const outcome = attempt(work);
          this.queue.release(ticket);
          resolve(outcome);
          afterRelease?.();
        },
        onRejected: reject,
      });
    });
  }

  private async transaction<T>(connection: SqlJsConnection, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const unusable = this.unusable(connection);
    if (unusable !== undefined) throw unusable;
    const open = await this.begin(connection);
    // Severed or closed between the grant and this continuation: the callback never starts.
    if (open.state !== 'active') throw open.endedError();
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await fn(open.handle) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    return this.finish(open, outcome);
  }

  /**
   * Waits for the lock and opens the SQLite transaction in the same synchronous step as the grant.
   *
   * The timeout timer is armed before `BEGIN`: the clock is a port and its `setTimer` may throw. Had
   * `BEGIN` run first, the lock queue would free the lock on that throw while SQLite stayed inside the
   * transaction, and every later `lock()` on every connection would fail with "cannot start a transaction
   * within a transaction". If `BEGIN` itself throws, the timer is cancelled and nothing is left open.
   * Either way the observer hears the grant's release, so its view of the holder stays right.
   */
  private begin(connection: SqlJsConnection): Promise<OpenTransaction> {
    return new Promise((resolve, reject) => {
      this.queue.request({
        owner: connection,
        kind: 'transaction',
        onGranted: (ticket) => {
          const open = new OpenTransaction(connection, ticket, this.runner);
          try {
            if (Number.isFinite(this.transactionTimeoutMs)) {
              open.timeoutMs = this.transactionTimeoutMs;
              open.cancelTimeout = this.clock.setTimer(this.transactionTimeoutMs, () => {
                if (this.active === open && open.state === 'active') {
                  this.end(open, 'timedOut', `held the lock for ${this.transactionTimeoutMs} ms`);
                }
              });
            }
            this.runner.run(BEGIN_TRANSACTION, [], 'control', connection.name);
          } catch (error) {
            open.cancelTimeout();
            // The grant was reported; so is its end, or the lock view would show a holder forever.
            this.emit?.({ type: 'lockReleased', connection: connection.name, outcome: 'rollback' });
            throw error; // the lock queue releases the lock and rejects this request with the error
          }
          this.active = open;
          resolve(open);
        },
        onRejected: reject,
      });
    });
  }

  /**
   * Commits or rolls back by the callback's outcome, and hands the caller its own result. A transaction
   * lost to `sever` or `close` meanwhile is already over: the caller gets that error, never a commit.
   */
  private finish<T>(open: OpenTransaction, outcome: Outcome<T>): T {
    if (open.state === 'active') {
      if (outcome.ok) this.commit(open);
      else this.end(open, 'rolledBack');
    }
    if (open.state === 'lost' || open.state === 'closed' || open.state === 'timedOut')
      throw open.endedError();
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  private commit(open: OpenTransaction): void {
    try {
      this.runner.run(COMMIT_TRANSACTION, [], 'control', open.connection.name);
    } catch (error) {
      // A failed COMMIT (a deferred constraint) leaves SQLite's transaction open: roll it back here.
      this.end(open, 'rolledBack');
      throw error;
    }
    const channels = this.end(open, 'committed');
    // After the release: listeners that query at once queue behind nobody who was not already waiting.
    this.notifications.deliver(channels);
  }

  /** Ends the active transaction (rolling back unless committed), releases the lock, returns channels to notify. */
  private end(
    open: OpenTransaction,
    state: 'committed' | 'rolledBack' | 'lost' | 'timedOut',
    lostReason = '',
  ): string[] {
    if (state !== 'committed') this.rollBackQuietly(open.connection.name);
    const channels = open.end(state, lostReason);
    this.active = undefined;
    const connection = open.connection.name;
    if (state === 'lost' || state === 'timedOut')
      this.emit?.({ type: 'rolledBack', connection, reason: lostReason });
    this.emit?.({ type: 'lockReleased', connection, outcome: state === 'committed' ? 'commit' : 'rollback' });
    this.queue.release(open.ticket);
    return channels;
  }

  private rollBackQuietly(connection: string): void {
    try {
      this.runner.run(ROLLBACK_TRANSACTION, [], 'control', connection);
    } catch {
      // Some errors (SQLITE_FULL, OR ROLLBACK conflicts) make SQLite roll back by itself: nothing left to undo.
    }
  }

  /** The database side of `connection.sever()`: as a real database does with a dropped connection. */
  private sever(connection: SqlJsConnection, reason: string): void {
    if (this.closed) return;
    this.queue.cancelWaiters(
      (owner) => owner === connection,
      'severed',
      () => new ConnectionLostError(connection.name, reason),
    );
    const open = this.active;
    if (open?.connection === connection) this.end(open, 'lost', reason);
  }
}
