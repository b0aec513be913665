/**
 * How much wall time a run spends inside sql.js: the statements alone, what no coordinator change can go
 * below.
 *
 * `SqlJsProbe.install` wraps the public methods of sql.js's Database, Statement and StatementIterator
 * prototypes with a host-clock stopwatch, in this process only (src/ is untouched: the adapter calls the
 * same methods, now wrapped). Only the outermost call is timed, so sql.js calling its own methods (`exec`
 * steps a Statement, `bind` resets it) is counted once. Each interval goes to the SQL text of its statement,
 * so the statements can be ranked.
 *
 * SQL functions registered with `create_function` (the adapter's `db_now_ms()`) are JavaScript that SQLite
 * calls back in the middle of a `step`: their time is taken out of sql.js's and reported on its own.
 *
 * The probe costs two `performance.now()` reads and a closure per call; the report shows what that did to
 * the run's wall time. `uninstall` puts the original methods back.
 */
import type { SqlJsStatic, Statement } from 'sql.js';

/** Public methods the adapter (src/db/sqlRunner.ts, sharedSqlJsDatabase.ts) or sql.js's own helpers use. */
const DATABASE_METHODS = [
  'exec',
  'run',
  'each',
  'prepare',
  'iterateStatements',
  'getRowsModified',
  'export',
  'close',
] as const;
const STATEMENT_METHODS = [
  'bind',
  'step',
  'get',
  'getAsObject',
  'getColumnNames',
  'getSQL',
  'getNormalizedSQL',
  'run',
  'reset',
  'freemem',
  'free',
] as const;
const ITERATOR_METHODS = ['next', 'return'] as const;

/** Calls not tied to one statement's text (row counts, closing the database). */
const OTHER = '(other sql.js calls)';

export interface StatementTime {
  sql: string;
  /** Times the statement was bound (the adapter binds once per execution, even with no parameters) or exec'd. */
  executions: number;
  ms: number;
}

export interface SqlJsTotals {
  /** Wall ms inside sql.js, SQL function callbacks excluded. */
  ms: number;
  /** Outermost calls into sql.js. */
  calls: number;
  /** Wall ms in SQL functions (`db_now_ms()`) that SQLite called back. */
  callbackMs: number;
  callbacks: number;
  /** Per statement text, most expensive first. */
  statements: StatementTime[];
}

type AnyMethod = (this: object, ...args: unknown[]) => unknown;
type Prototype = Record<string, unknown>;

export class SqlJsProbe {
  private depth = 0;
  private startedAt = 0;
  private callbackMsAtStart = 0;
  private ms = 0;
  private calls = 0;
  private callbackMs = 0;
  private callbacks = 0;
  private readonly byStatement = new Map<string, StatementTime>();
  private readonly sqlOf = new WeakMap<object, string>();
  private readonly restore: (() => void)[] = [];

  private constructor() {}

  /** Wraps the prototypes of `sqlJs` (shared by every database it opens) until `uninstall`. */
  static install(sqlJs: SqlJsStatic): SqlJsProbe {
    const probe = new SqlJsProbe();
    // Statement and StatementIterator are not exported: reach their prototypes through instances.
    const scratch = new sqlJs.Database();
    let statementPrototype: Prototype;
    let iteratorPrototype: Prototype;
    try {
      const statement: Statement = scratch.prepare('SELECT 1');
      statementPrototype = Object.getPrototypeOf(statement) as Prototype;
      statement.free();
      const iterator: Iterator<Statement> = scratch.iterateStatements('SELECT 1');
      iteratorPrototype = Object.getPrototypeOf(iterator) as Prototype;
      iterator.return?.();
    } finally {
      scratch.close();
    }
    const databasePrototype = sqlJs.Database.prototype as unknown as Prototype;
    for (const name of DATABASE_METHODS) {
      probe.wrap(databasePrototype, name, (_db, args) => (typeof args[0] === 'string' ? args[0] : OTHER));
    }
    for (const name of STATEMENT_METHODS) probe.wrap(statementPrototype, name, (s) => probe.textOf(s));
    for (const name of ITERATOR_METHODS) probe.wrap(iteratorPrototype, name, () => OTHER);
    probe.wrapPrepare(databasePrototype);
    probe.wrapCreateFunction(databasePrototype);
    return probe;
  }

  uninstall(): void {
    for (const undo of this.restore.splice(0).reverse()) undo();
  }

  totals(): SqlJsTotals {
    return {
      ms: this.ms,
      calls: this.calls,
      callbackMs: this.callbackMs,
      callbacks: this.callbacks,
      statements: [...this.byStatement.values()].sort((a, b) => b.ms - a.ms),
    };
  }

  /** Times every outermost call of `name` and books it under `key(receiver, args)`. */
  private wrap(prototype: Prototype, name: string, key: (receiver: object, args: unknown[]) => string): void {
    const original = prototype[name];
    if (typeof original !== 'function') return;
    const method = original as AnyMethod;
    const execution = name === 'bind' || name === 'exec' || name === 'run';
    // Arrow functions reach the probe; the wrapper itself needs sql.js's `this`.
    const outermost = () => this.depth === 0;
    // Outermost calls never overlap (one thread; SQL functions do not call back into sql.js), so one
    // start mark is enough.
    const enter = () => {
      this.depth = 1;
      this.callbackMsAtStart = this.callbackMs;
      this.startedAt = performance.now();
    };
    const leave = (receiver: object, args: unknown[]) => {
      const elapsed = performance.now() - this.startedAt - (this.callbackMs - this.callbackMsAtStart);
      this.depth = 0;
      this.book(key(receiver, args), elapsed, execution);
    };
    prototype[name] = function (this: object, ...args: unknown[]): unknown {
      if (!outermost()) return method.apply(this, args);
      enter();
      try {
        return method.apply(this, args);
      } finally {
        leave(this, args);
      }
    };
    this.restore.push(() => {
      prototype[name] = original;
    });
  }

  /** Remembers which SQL text each prepared statement holds (prepare itself is timed by `wrap`). */
  private wrapPrepare(prototype: Prototype): void {
    const timed = prototype.prepare as AnyMethod;
    const remember = (statement: unknown, sql: unknown) => {
      if (typeof statement === 'object' && statement !== null && typeof sql === 'string')
        this.sqlOf.set(statement, sql);
    };
    prototype.prepare = function (this: object, ...args: unknown[]): unknown {
      const statement = timed.apply(this, args);
      remember(statement, args[0]);
      return statement;
    };
    this.restore.push(() => {
      prototype.prepare = timed;
    });
  }

  /** SQL functions run JavaScript inside sql.js's calls: time them apart, and keep their arity. */
  private wrapCreateFunction(prototype: Prototype): void {
    const original = prototype.create_function as AnyMethod;
    const count = (ms: number) => {
      this.callbackMs += ms;
      this.callbacks += 1;
    };
    prototype.create_function = function (this: object, name: unknown, fn: unknown, ...rest: unknown[]) {
      if (typeof fn !== 'function') return original.call(this, name, fn, ...rest);
      const callback = fn as (...args: unknown[]) => unknown;
      const timed = function (this: unknown, ...args: unknown[]): unknown {
        const start = performance.now();
        try {
          return callback.apply(this, args);
        } finally {
          count(performance.now() - start);
        }
      };
      // sql.js registers the function with `fn.length` arguments.
      Object.defineProperty(timed, 'length', { value: callback.length });
      return original.call(this, name, timed, ...rest);
    };
    this.restore.push(() => {
      prototype.create_function = original;
    });
  }

  private textOf(statement: object): string {
    return this.sqlOf.get(statement) ?? '(statement prepared before the probe)';
  }

  private book(sql: string, ms: number, execution: boolean): void {
    this.ms += ms;
    this.calls += 1;
    let entry = this.byStatement.get(sql);
    if (entry === undefined) {
      entry = { sql, executions: 0, ms: 0 };
      this.byStatement.set(sql, entry);
    }
    entry.ms += ms;
    if (execution) entry.executions += 1;
  }
}
