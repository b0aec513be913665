/**
 * Where cron ticks are decided and recorded. The scheduler loop asks its ledger to fire what is due; the
 * ledger owns the clock the ticks are measured on and the record that makes each tick fire once:
 * in memory for a single server, in the database (fenced by the leader's term) in distributed mode.
 */
export interface TickLedger {
  /** Fires every due tick of every schedule. Returns the time until the earliest next tick, if any. */
  fireDue(): Promise<{ nextTickInMs: number | undefined }>;
}
