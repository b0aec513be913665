/**
 * What the real runs under faults share (`realClusterFaults.test.ts`, `postgresRestart.test.ts` and the
 * real soak, `scripts/realSoak.ts`): a tenth of the default timings, and the jobs the servers define. No
 * vitest here: the soak script imports it too.
 */
import type { SleepJob } from '../../../src/adapters/cluster/protocol';

/** A tenth of the defaults: heartbeat 500 ms, leadership timeout 1.5 s, claim lease 3 s. */
export const TENTH_TIMINGS = {
  heartbeatIntervalMs: 500,
  leadershipTimeoutMs: 1_500,
  claimLeaseMs: 3_000,
  pollIntervalMs: 500,
};

/** A quick job, and one long enough to be running when its server is paused. */
export const FAULT_JOBS: SleepJob[] = [
  { name: 'demo', durationMs: 20, maxAttempts: 3 },
  { name: 'slow', durationMs: 1_500, maxAttempts: 3 },
];

export const STOP_GRACE_MS = 2_000;
export const CONCURRENCY = 4;
