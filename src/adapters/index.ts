/**
 * The real adapters behind the coordinator's ports (`src/core/ports.ts`): what a process runs it on
 * instead of the simulation's virtual clock, seeded entropy and shared sql.js database. The databases have
 * entry points of their own (`./postgres/index.ts`, `./sqliteFile/index.ts`; in the package
 * `coordinator-playground/adapters/postgres` and `/adapters/sqlite-file`), so that importing this one
 * needs neither driver installed.
 */
export { SystemClock, type SystemClockOptions } from './systemClock.js';
export { CryptoEntropy } from './cryptoEntropy.js';
export {
  AdapterError,
  ConnectionLostError,
  DatabaseBusyError,
  DatabaseClosedError,
  SqlError,
  TransactionEndedError,
  type AdapterErrorCode,
} from './errors.js';
