/**
 * How long a SQLite file's `lock` and statements wait for the file's write lock by default. Its own file,
 * without imports, so that the cluster's protocol can name it without loading better-sqlite3.
 */
export const SQLITE_FILE_BUSY_TIMEOUT_MS = 5_000;
