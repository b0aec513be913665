/**
 * The real adapters behind the coordinator's ports (`src/core/ports.ts`): what a process runs it on
 * instead of the simulation's virtual clock, seeded entropy and shared sql.js database.
 */
export { SystemClock, type SystemClockOptions } from './systemClock.js';
export { CryptoEntropy } from './cryptoEntropy.js';
export { PostgresDatabase, type PostgresDatabaseOptions } from './postgres/postgresDatabase.js';
export { SqliteFileDatabase, type SqliteFileDatabaseOptions } from './sqliteFile/sqliteFileDatabase.js';
export {
  AdapterError,
  DatabaseBusyError,
  DatabaseClosedError,
  SqlError,
  TransactionEndedError,
  type AdapterErrorCode,
} from './errors.js';
