import pg from 'pg';
import type { Database, LockOptions, Row, SqlParams, Transaction } from '../../core/index.js';
import {
  ConnectionLostError,
  DatabaseBusyError,
  DatabaseClosedError,
  SqlError,
  TransactionEndedError,
  messageOf,
} from '../errors.js';
import { withCoordinatorSpelling } from './columnNames.js';
import { PostgresListener } from './postgresListener.js';
import { numberPlaceholders } from './placeholders.js';
import { quoteIdentifier } from './quoteIdentifier.js';
import { ReconnectBackoff } from './reconnectBackoff.js';

export interface PostgresDatabaseOptions {
  /** For example `postgres://postgres@127.0.0.1:5432/test`. */
  connectionString: string;
  /**
   * The schema the coordinator's tables live in (created if missing): servers that share a schema share a
   * cluster, and a test that makes its own schema sees nobody else's rows or notifications. Default `public`.
   */
  schema?: string | undefined;
  /** Names this connection in errors. Default the schema. */
  name?: string | undefined;
  /** How long `lock` and a statement wait for a lock before failing. Default 5 s. */
  busyTimeoutMs?: number | undefined;
  /**
   * How long a transaction may sit idle (its server stalled, paused by SIGSTOP, say) before PostgreSQL ends
   * its session, rolling it back and freeing the exclusive lock for the others: the sql.js database's
   * transaction timeout, as `idle_in_transaction_session_timeout`. Default 5 s.
   */
  transactionTimeoutMs?: number | undefined;
  /** Connections in this server's pool: one per concurrent transaction or statement. Default 4. */
  poolSize?: number | undefined;
  /**
   * PostgreSQL's `application_name` of this server's connections, so that an operator (or a fault
   * injector's `pg_terminate_backend`) can find them in `pg_stat_activity`. Default the name.
   */
  applicationName?: string | undefined;
  /** Told of errors nobody awaits (the listening connection lost, say). Default: ignored. */
  onBackgroundError?: ((error: Error) => void) | undefined;
  /**
   * The longest wait between attempts to connect while the server cannot be reached (down, restarting):
   * after a failed attempt the next use waits 50 ms, doubling with each failure up to this. Default 1 s.
   */
  reconnectMaxDelayMs?: number | undefined;
}

/** PostgreSQL's code for "lock not available": a lock waited past `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';
const INT8_OID = 20;

/**
 * The Database port on PostgreSQL, for one server: a small pool of connections and one more that listens.
 *
 * - `lock(fn)` is a transaction on a connection of its own that first takes a transaction-scoped advisory
 *   lock keyed by the schema: exclusive, as the contract says (the coordinator's look-then-write
 *   transactions rely on it), first come first served, and released by COMMIT or ROLLBACK, also when the
 *   connection dies. `lock(fn, { kind: 'claim' })` skips the advisory lock: a plain READ COMMITTED
 *   transaction, so that servers claim jobs at the same time, kept apart by the claim's row locks. Statements outside it run at once on another connection, atomic on their own; the
 *   claim chooses its rows `FOR UPDATE SKIP LOCKED`, so it never waits behind such a statement's row.
 * - `db_now_ms()` is the server's `clock_timestamp()` in ms, created in the schema when it opens.
 * - `notify` is `pg_notify` (sent at commit inside a transaction, as the port says) and `listen` is
 *   LISTEN, on channels named after the schema so that clusters in other schemas do not wake this one.
 * - Parameters are written `?` and numbered here; `BIGINT`s come back as numbers; columns come back with
 *   the coordinator's spelling (`columnNames.ts`).
 * - A lost connection (cut by `pg_terminate_backend`, the server stopped or restarting) fails the
 *   statement or transaction it carried with a `ConnectionLostError`; the next use connects again, after
 *   a backoff while connecting fails (`reconnectMaxDelayMs`), and the listening connection LISTENs again.
 */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres';
  readonly name: string;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly listener: PostgresListener;
  private readonly busyTimeoutMs: number;
  private readonly transactionTimeoutMs: number;
  private readonly backoff: ReconnectBackoff;
  private closed = false;

  private constructor(options: PostgresDatabaseOptions) {
    this.schema = options.schema ?? 'public';
    this.name = options.name ?? this.schema;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    this.transactionTimeoutMs = options.transactionTimeoutMs ?? 5_000;
    const reconnectMaxDelayMs = options.reconnectMaxDelayMs ?? 1_000;
    this.backoff = new ReconnectBackoff(50, reconnectMaxDelayMs);
    const config: pg.PoolConfig = {
      connectionString: options.connectionString,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: this.busyTimeoutMs,
      application_name: options.applicationName ?? this.name,
      // Every lock a statement waits for (the advisory lock, a row) counts against the busy timeout.
      options: [
        `-c search_path=${quoteIdentifier(this.schema)}`,
        `-c lock_timeout=${this.busyTimeoutMs}`,
        `-c idle_in_transaction_session_timeout=${this.transactionTimeoutMs}`,
        // A claim wants the first few due rows in order, which the due index gives as they are. With a
        // stale row estimate (a table never analyzed, or analyzed while nothing was queued: a burst of
        // jobs is exactly then) the planner fetched every queued row through a bitmap and sorted them all
        // for each claim: 1.0 ms a claim at 5,000 queued rows, 0.17 ms as an index scan (EXPLAIN ANALYZE,
        // test/adapters/postgresDatabase.test.ts). Every statement the coordinator sends finds rows by an index.
        `-c enable_bitmapscan=off`,
      ].join(' '),
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === INT8_OID
            ? (value: string) => Number(value)
            : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
      },
    };
    this.pool = new pg.Pool(config);
    const onError = options.onBackgroundError ?? (() => undefined);
    // An idle connection the server dropped (pg_terminate_backend, a restart) is replaced on next use.
    this.pool.on('error', onError);
    this.listener = new PostgresListener(
      config,
      (channel) => this.channelName(channel),
      onError,
      new ReconnectBackoff(100, Math.max(100, reconnectMaxDelayMs)),
    );
  }

  /** Opens the pool, creates the schema and the database clock if missing. */
  static async open(options: PostgresDatabaseOptions): Promise<PostgresDatabase> {
    const database = new PostgresDatabase(options);
    try {
      await database.installClock();
    } catch (error) {
      await database.close();
      throw error;
    }
    return database;
  }

  query(sql: string, params: SqlParams = []): Promise<Row[]> {
    return this.statement(this.pool, sql, params).then((result) => result.rows.map(withCoordinatorSpelling));
  }

  async run(sql: string, params: SqlParams = []): Promise<{ changes: number }> {
    const result = await this.statement(this.pool, sql, params);
    return { changes: result.rowCount ?? 0 };
  }

  async notify(channel: string): Promise<void> {
    await this.statement(this.pool, 'SELECT pg_notify(?, ?)', [this.channelName(channel), '']);
  }

  async lock<T>(fn: (tx: Transaction) => Promise<T>, options: LockOptions = {}): Promise<T> {
    this.ensureOpen();
    await this.backedOff();
    const started = Date.now();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.lostOr(error, undefined) ?? this.busyOr(error, started, `a free connection of its pool`);
    }
    this.backoff.succeeded();
    let broken: Error | undefined;
    // A ROLLBACK that failed leaves the connection in a state nobody knows: it is closed, not pooled.
    let rollbackFailed: Error | undefined;
    const rollBack = () =>
      client.query('ROLLBACK').then(
        () => undefined,
        (rollbackError: unknown) => {
          rollbackFailed =
            rollbackError instanceof Error ? rollbackError : new Error(messageOf(rollbackError));
        },
      );
    // A checked-out connection the server drops emits 'error' besides failing its query; unheard, it would
    // end the process.
    const onClientError = (error: Error) => (broken = error);
    client.on('error', onClientError);
    try {
      // BEGIN goes in one round trip with the transaction's first statement where that statement has no
      // parameters (the advisory lock, a claim's look at the database clock): one fewer wait per
      // transaction, a sixth of a claim's. Sent as one simple query, the BEGIN opens the block that the
      // statements after it run in.
      let begun = false;
      const begin = async (first?: string): Promise<pg.QueryResult<Record<string, unknown>> | undefined> => {
        begun = true;
        if (first === undefined) {
          await client.query('BEGIN').catch((error: unknown) => {
            throw this.lostOr(error, 'BEGIN') ?? error;
          });
          return undefined;
        }
        const results = (await client.query(`BEGIN; ${first}`)) as unknown as pg.QueryResult<
          Record<string, unknown>
        >[];
        return results[results.length - 1];
      };
      // A `claim` transaction is plain READ COMMITTED: its row locks keep claimers apart, side by side.
      if (options.kind !== 'claim') {
        try {
          await begin('SELECT pg_advisory_xact_lock(hashtext(current_schema()))');
        } catch (error) {
          // The block BEGIN opened is aborted: end it, or the pool would hand out a connection on which
          // every statement fails until someone rolls back.
          await rollBack();
          throw (
            this.lostOr(error, 'SELECT pg_advisory_xact_lock(...)') ??
            this.busyOr(
              error,
              started,
              `the exclusive lock of schema "${this.schema}" (pg_advisory_xact_lock)`,
            )
          );
        }
      }
      let open = true;
      const guard = () => {
        if (!open) throw new TransactionEndedError(this.name);
      };
      const inTransaction = async (sql: string, params: SqlParams) => {
        guard();
        if (!begun) {
          // Only plain text rides with BEGIN: the simple query it goes in takes no parameters, and a `?`,
          // `$` or `;` would mean something else there.
          if (params.length > 0 || /[?$;]/.test(sql)) await begin();
          else return this.statement(client, sql, params, begin);
        }
        return this.statement(client, sql, params);
      };
      const tx: Transaction = {
        dialect: 'postgres',
        query: async (sql, params = []) =>
          (await inTransaction(sql, params)).rows.map(withCoordinatorSpelling),
        run: async (sql, params = []) => ({ changes: (await inTransaction(sql, params)).rowCount ?? 0 }),
        notify: async (channel) => {
          await inTransaction('SELECT pg_notify(?, ?)', [this.channelName(channel), '']);
        },
      };
      let value: T;
      try {
        value = await fn(tx);
      } catch (error) {
        open = false;
        if (begun) await rollBack();
        throw error;
      }
      open = false;
      // A transaction that sent nothing has nothing to commit.
      if (!begun) return value;
      try {
        await client.query('COMMIT');
      } catch (error) {
        // The server's own reason (it ended an idle transaction, say) when the connection is already gone.
        let reason = broken?.message ?? messageOf(error);
        const outlived = Date.now() - started > this.transactionTimeoutMs;
        if (outlived) {
          reason += ` (it outlived its transaction timeout of ${this.transactionTimeoutMs} ms, idle_in_transaction_session_timeout)`;
        } else if (isConnectionError(broken) || isConnectionError(error)) {
          throw new ConnectionLostError(this.name, `the transaction did not commit: ${reason}`, 'COMMIT', {
            cause: error,
          });
        }
        throw new SqlError(this.name, 'COMMIT', `the transaction did not commit: ${reason}`, {
          cause: error,
        });
      }
      return value;
    } catch (error) {
      // A connection that failed mid-transaction is not given back to the pool as if healthy.
      if (!(error instanceof DatabaseBusyError)) broken ??= error instanceof Error ? error : undefined;
      throw error;
    } finally {
      client.off('error', onClientError);
      client.release(
        rollbackFailed ?? (broken !== undefined && isConnectionError(broken) ? broken : undefined),
      );
    }
  }

  listen(channel: string, callback: () => void): () => void {
    this.ensureOpen();
    return this.listener.listen(channel, callback);
  }

  /** Resolves once every LISTEN asked for so far is in place (a test waits on it before notifying). */
  listening(): Promise<void> {
    return this.listener.ready();
  }

  /** The database's clock, as `db_now_ms()` reads it. */
  async now(): Promise<number> {
    const rows = await this.query('SELECT db_now_ms() AS now');
    return Number(rows[0]!.now);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.close();
    await this.pool.end();
  }

  /** Channels are per database in PostgreSQL; naming them after the schema keeps clusters apart. */
  private channelName(channel: string): string {
    return `${this.schema}.${channel}`;
  }

  private async installClock(): Promise<void> {
    // Under the schema's lock: concurrent CREATE OR REPLACE of one function fails in PostgreSQL.
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.schema]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(this.schema)}`);
      await client.query(`CREATE OR REPLACE FUNCTION ${quoteIdentifier(this.schema)}.db_now_ms() RETURNS bigint
        LANGUAGE sql VOLATILE AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new SqlError(this.name, 'CREATE SCHEMA / FUNCTION db_now_ms()', messageOf(error), {
        cause: error,
      });
    } finally {
      client.release();
    }
  }

  /** `withBegin` sends the statement (it has no parameters) as a transaction's BEGIN and first statement. */
  private async statement(
    on: pg.Pool | pg.PoolClient,
    sql: string,
    params: SqlParams,
    withBegin?: (first: string) => Promise<pg.QueryResult<Record<string, unknown>> | undefined>,
  ): Promise<pg.QueryResult<Record<string, unknown>>> {
    this.ensureOpen();
    const onPool = on === this.pool;
    // Through the pool a statement may need a new connection: after failed attempts, wait the backoff.
    if (onPool) await this.backedOff();
    const started = Date.now();
    try {
      const result = withBegin
        ? (await withBegin(sql))!
        : await on.query(numberPlaceholders(sql), params.map(toDriverValue));
      if (onPool) this.backoff.succeeded();
      return result;
    } catch (error) {
      if (isLockTimeout(error))
        throw this.busyOr(error, started, 'a row or table lock another connection holds');
      throw this.lostOr(error, sql) ?? new SqlError(this.name, sql, messageOf(error), { cause: error });
    }
  }

  /** Waits out the backoff after failed attempts to connect (nothing once a connection worked). */
  private async backedOff(): Promise<void> {
    const waitMs = this.backoff.remainingMs();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    this.ensureOpen();
  }

  /** A `ConnectionLostError` for an error that lost or could not make the connection; else undefined. */
  private lostOr(error: unknown, sql: string | undefined): ConnectionLostError | undefined {
    if (error instanceof ConnectionLostError) return error;
    if (isConnectFailure(error)) {
      this.backoff.failed();
      return new ConnectionLostError(this.name, `could not connect: ${messageOf(error)}`, sql, {
        cause: error,
      });
    }
    if (error instanceof Error && isConnectionError(error)) {
      return new ConnectionLostError(this.name, messageOf(error), sql, { cause: error });
    }
    return undefined;
  }

  private busyOr(error: unknown, started: number, waitedFor: string): Error {
    const waited = Date.now() - started;
    if (isLockTimeout(error) || /timeout exceeded when trying to connect/i.test(messageOf(error))) {
      return new DatabaseBusyError(this.name, waited, waitedFor, { cause: error });
    }
    return error instanceof Error ? error : new Error(messageOf(error));
  }

  private ensureOpen(): void {
    if (this.closed) throw new DatabaseClosedError(this.name);
  }
}

function toDriverValue(value: SqlParams[number]): unknown {
  return value instanceof Uint8Array ? Buffer.from(value) : value;
}

function isLockTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === LOCK_NOT_AVAILABLE;
}

/**
 * Errors after which the connection is unusable (terminated, reset; the server shutting down, crashed or
 * starting up), as opposed to a refused statement.
 */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof ConnectionLostError) return true;
  const code = (error as { code?: unknown }).code;
  return (
    isConnectFailure(error) ||
    (typeof code === 'string' &&
      (code.startsWith('08') || ['57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE'].includes(code))) ||
    /Connection terminated|connection is closed|not queryable/i.test(error.message)
  );
}

/** An attempt to connect that failed: nobody listens, the server is starting up, or it did not answer. */
function isConnectFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (typeof code === 'string' &&
      ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENOENT', '57P03'].includes(code)) ||
    // Not pg-pool's 'timeout exceeded when trying to connect': that is also a full pool, a busy timeout.
    /the database system is (starting up|shutting down)/i.test(messageOf(error))
  );
}
