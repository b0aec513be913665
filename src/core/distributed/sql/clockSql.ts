import { statement } from './statement.js';

/**
 * The database's clock, read on its own. SQL never reads the host's clock: `db_now_ms()` is the one "now"
 * that leases, claims and cron ticks are measured on, whatever the servers' clocks say.
 */
export const SELECT_DB_NOW = statement<[], 'now'>('SELECT db_now_ms() AS now');

/** The SQL expression for the database's clock, for statements that write it. */
export const DB_NOW = 'db_now_ms()';
