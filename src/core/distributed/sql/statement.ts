import type { Row, SqlDialect, SqlExecutor, SqlValue } from '../../ports.js';

/**
 * A SQL statement with the types of its `?` parameters and of the columns it returns, so that a caller
 * cannot pass the parameters in the wrong number or read a column the statement does not select. The text
 * is what runs, byte for byte; the types exist only for the compiler.
 */
export interface Statement<Params extends readonly SqlValue[] = [], Column extends string = never> {
  /** The text in SQLite's dialect (sql.js, a SQLite file), and in PostgreSQL's unless `postgres` is set. */
  readonly sql: string;
  /** The same statement in PostgreSQL's dialect, where its text must differ; same parameters, same columns. */
  readonly postgres?: string;
  /** Never set: carries the types. */
  readonly types?: { params: Params; column: Column };
}

/** A row of a statement's result: the columns it names (their values as the database gave them). */
export type RowOf<Column extends string> = Readonly<Record<Column, SqlValue>>;

export function statement<Params extends readonly SqlValue[] = [], Column extends string = never>(
  sql: string,
  dialects: { postgres?: string } = {},
): Statement<Params, Column> {
  return dialects.postgres === undefined ? { sql } : { sql, postgres: dialects.postgres };
}

/** The text of a statement that `on` runs: its PostgreSQL text on PostgreSQL, where it has one. */
export function textFor(
  { sql, postgres }: Pick<Statement, 'sql' | 'postgres'>,
  dialect: SqlDialect | undefined,
): string {
  return dialect === 'postgres' && postgres !== undefined ? postgres : sql;
}

/** Runs a statement that returns rows (a SELECT, or a write with RETURNING). */
export function queryRows<Params extends readonly SqlValue[], Column extends string>(
  on: SqlExecutor,
  query: Statement<Params, Column>,
  ...params: Params extends [] ? [] : [Params]
): Promise<RowOf<Column>[]> {
  const sql = textFor(query, on.dialect);
  return (params.length === 0 ? on.query(sql) : on.query(sql, params[0])) as Promise<Row[]> as Promise<
    RowOf<Column>[]
  >;
}

/** Runs a statement for its effect; returns how many rows it changed. */
export function runStatement<Params extends readonly SqlValue[]>(
  on: SqlExecutor,
  effect: Statement<Params, string>,
  ...params: Params extends [] ? [] : [Params]
): Promise<{ changes: number }> {
  const sql = textFor(effect, on.dialect);
  return params.length === 0 ? on.run(sql) : on.run(sql, params[0]);
}
