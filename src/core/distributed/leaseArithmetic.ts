/**
 * How the election measures a lease's age on the database's clock, and when it may be taken over.
 * Exact milliseconds; or, under hazard H3, the reference's whole seconds, which make a 15 s timeout up to
 * 16 s. The election picks one of the two at one line, per look.
 */
export interface LeaseArithmetic {
  /** Time since the last heartbeat. */
  elapsed(now: number, heartbeatAt: number): number;
  /** How long until the lease may be taken over, plus a hair to be past it. */
  untilExpiry(now: number, heartbeatAt: number, timeoutMs: number): number;
}

export const EXACT_LEASE: LeaseArithmetic = {
  elapsed: (now, heartbeatAt) => now - heartbeatAt,
  untilExpiry: (now, heartbeatAt, timeoutMs) => heartbeatAt + timeoutMs - now + 1,
};

/** Hazard H3. */
export const WHOLE_SECOND_LEASE: LeaseArithmetic = {
  elapsed: (now, heartbeatAt) => (Math.floor(now / 1000) - Math.floor(heartbeatAt / 1000)) * 1000,
  untilExpiry: (now, heartbeatAt, timeoutMs) =>
    (Math.floor(heartbeatAt / 1000) + Math.floor(timeoutMs / 1000) + 1) * 1000 - now,
};
