/**
 * The part of sql.js this room uses, as its own types. The package's declarations name these instead of
 * sql.js's own (`@types/sql.js`), whose emscripten types need the DOM lib: a Node project that type-checks
 * its dependencies would fail on them. The real module is assignable to these: the playground's browser
 * loader passes sql.js's own `SqlJsStatic` to `SharedSqlJsDatabase.open`, and tsc checks it there.
 */

/** A value sql.js binds or returns. */
export type SqlJsValue = number | string | Uint8Array | null;

export interface SqlJsStatement {
  bind(values?: SqlJsValue[]): boolean;
  step(): boolean;
  get(): SqlJsValue[];
  getColumnNames(): string[];
  reset(): unknown;
  free(): unknown;
}

export interface SqlJsDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqlJsStatement;
  iterateStatements(sql: string): Iterator<SqlJsStatement>;
  getRowsModified(): number;
  /** Registers a scalar SQL function (the database clock, `db_now_ms`). */
  create_function(name: string, fn: () => SqlJsValue): unknown;
  close(): void;
}

/** What `initSqlJs()` resolves to: the sql.js module with its wasm loaded. */
export interface SqlJsModule {
  Database: new () => SqlJsDatabase;
}
