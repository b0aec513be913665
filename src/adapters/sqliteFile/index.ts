/** The SQLite-file database behind the coordinator's Database port. Needs `better-sqlite3` 12 (an optional peer). */
export { SqliteFileDatabase, type SqliteFileDatabaseOptions } from './sqliteFileDatabase.js';
