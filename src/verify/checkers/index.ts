import type { RunResult } from '../../sim/runResult.js';
import { RunChecker } from '../runChecker.js';
import { checkCronExactlyOnce } from './cronExactlyOnce.js';
import { checkExactlyOnceClaim } from './exactlyOnceClaim.js';
import { checkFailoverBound } from './failoverBound.js';
import { checkGracefulHandover } from './gracefulHandover.js';
import { checkLeadershipLiveness } from './leadershipLiveness.js';
import { checkNothingLost } from './nothingLost.js';
import { checkOneLeaderPerTerm } from './oneLeaderPerTerm.js';
import type { InvariantReport } from './types.js';

export { checkCronExactlyOnce } from './cronExactlyOnce.js';
export { checkDeterminism } from './determinism.js';
export { checkExactlyOnceClaim } from './exactlyOnceClaim.js';
export { checkFailoverBound, FAILOVER_SLACK_MS } from './failoverBound.js';
export { checkGracefulHandover, HANDOVER_BOUND_MS } from './gracefulHandover.js';
export { checkLeadershipLiveness } from './leadershipLiveness.js';
export { checkNothingLost } from './nothingLost.js';
export { checkOneLeaderPerTerm } from './oneLeaderPerTerm.js';
export {
  TITLES,
  type InvariantId,
  type InvariantReport,
  type Precondition,
  type Violation,
} from './types.js';

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
