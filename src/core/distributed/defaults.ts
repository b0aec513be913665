/**
 * The distributed mode's timings when none are given: the seed's heartbeat every 5 s and takeover after
 * 15 s of silence. In a file of their own so that checking a scenario (in the page, too) does not load
 * the coordinator.
 */
export const DISTRIBUTED_DEFAULTS = {
  heartbeatIntervalMs: 5_000,
  leadershipTimeoutMs: 15_000,
  claimLeaseMs: 30_000,
  pollIntervalMs: 5_000,
} as const;
