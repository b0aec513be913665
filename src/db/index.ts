/** The shared sql.js database: one in-memory database, many connections, SQLite-like lock semantics. */

export {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_TRANSACTION_TIMEOUT_MS,
  SQLJS_PRAGMAS,
  SharedSqlJsDatabase,
  type SharedSqlJsDatabaseOptions,
} from './sharedSqlJsDatabase.js';
export { SqlJsConnection } from './sqlJsConnection.js';
export type { SqlJsModule, SqlJsDatabase, SqlJsStatement, SqlJsValue } from './sqlJsModule.js';
export type { DatabaseEvent, DatabaseObserver, LockKind } from './events.js';
export {
  ConnectionLostError,
  DatabaseBusyError,
  DatabaseClosedError,
  DatabaseError,
  type DatabaseErrorCode,
  SqlError,
  TransactionEndedError,
  TransactionTimeoutError,
  UnsupportedStatementError,
} from './errors.js';
export type { TransactionState } from './transaction.js';
// Node only when called (it imports `node:module` lazily); browsers pass their own `sqlJs` to `open`.
export { loadSqlJs } from './loadSqlJs.js';
