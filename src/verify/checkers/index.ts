import type { RunResult } from '../../sim/runResult';
import { RunChecker } from '../runChecker';
import { checkCronExactlyOnce } from './cronExactlyOnce';
import { checkExactlyOnceClaim } from './exactlyOnceClaim';
import { checkFailoverBound } from './failoverBound';
import { checkGracefulHandover } from './gracefulHandover';
import { checkLeadershipLiveness } from './leadershipLiveness';
import { checkNothingLost } from './nothingLost';
import { checkOneLeaderPerTerm } from './oneLeaderPerTerm';
import type { InvariantReport } from './types';

export { checkCronExactlyOnce } from './cronExactlyOnce';
export { checkDeterminism } from './determinism';
export { checkExactlyOnceClaim } from './exactlyOnceClaim';
export { checkFailoverBound, FAILOVER_SLACK_MS } from './failoverBound';
export { checkGracefulHandover, HANDOVER_BOUND_MS } from './gracefulHandover';
export { checkLeadershipLiveness } from './leadershipLiveness';
export { checkNothingLost } from './nothingLost';
export { checkOneLeaderPerTerm } from './oneLeaderPerTerm';
export { TITLES, type InvariantId, type InvariantReport, type Precondition, type Violation } from './types';

/**
 * The checkers that judge one run, in invariant order, each on its own fold of the trace (checkAll runs
 * them all on one). I7 (determinism) needs two runs: `checkDeterminism`.
 */
export const CHECKERS: readonly ((result: RunResult) => InvariantReport)[] = [
  checkExactlyOnceClaim,
  checkNothingLost,
  checkOneLeaderPerTerm,
  checkCronExactlyOnce,
  checkFailoverBound,
  checkGracefulHandover,
  checkLeadershipLiveness,
];

/**
 * I1-I6 and I8 on one run, in order, from one fold over its trace. A checker that throws is reported as a
 * failed check, not as a crash.
 */
export function checkAll(result: RunResult): InvariantReport[] {
  const checker = new RunChecker(result.scenario, result.timings);
  checker.push(result.trace);
  return checker.finish(result);
}
