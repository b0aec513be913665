import type { Row } from '../core/ports.js';
import type { Scenario } from '../scenario/types.js';
import type { TraceEntry } from './trace/trace.js';

/** The timings every server ran with, after defaults. */
export interface ResolvedTimings {
  heartbeatIntervalMs: number;
  leadershipTimeoutMs: number;
  claimLeaseMs: number;
  pollIntervalMs: number;
  stopGraceMs: number;
}

/** Everything a checker needs about a finished run: what happened, and what the database held at the end. */
export interface RunResult {
  scenario: Scenario;
  seed: number;
  trace: readonly TraceEntry[];
  timings: ResolvedTimings;
  /** Virtual time at the end of the run. */
  endedAt: number;
  /**
   * When every fault had been healed (paused servers resumed, cut-off ones healed, crashed ones restarted)
   * and the cluster was left to run: the liveness phase. Null when the run did not heal (then I2, nothing
   * lost, is not checked: a run that ends with every server dead cannot finish its jobs).
   */
  healedAt: number | null;
  /** Rows of the coordinator's tables at the end of the run. */
  final: {
    distributedJobs: Row[];
    jobCronTicks: Row[];
    jobSchedules: Row[];
    leadJobCoordinators: Row[];
  };
}
