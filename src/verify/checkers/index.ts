import type { RunResult } from '../../sim/runResult';
import { checkCronExactlyOnce } from './cronExactlyOnce';
import { checkExactlyOnceClaim } from './exactlyOnceClaim';
import { checkFailoverBound } from './failoverBound';
import { checkGracefulHandover } from './gracefulHandover';
import { checkNothingLost } from './nothingLost';
import { checkOneLeaderPerTerm } from './oneLeaderPerTerm';
import { TITLES, type InvariantId, type InvariantReport } from './types';

export { checkCronExactlyOnce, scheduleKeyOf } from './cronExactlyOnce';
export { checkDeterminism } from './determinism';
export { checkExactlyOnceClaim } from './exactlyOnceClaim';
export { checkFailoverBound, FAILOVER_SLACK_MS } from './failoverBound';
export { checkGracefulHandover, HANDOVER_BOUND_MS } from './gracefulHandover';
export { checkNothingLost } from './nothingLost';
export { checkOneLeaderPerTerm } from './oneLeaderPerTerm';
export { TITLES, type InvariantId, type InvariantReport, type Violation } from './types';

/** The checkers that judge one run, in invariant order. I7 (determinism) needs two: `checkDeterminism`. */
export const CHECKERS: readonly ((result: RunResult) => InvariantReport)[] = [
  checkExactlyOnceClaim,
  checkNothingLost,
  checkOneLeaderPerTerm,
  checkCronExactlyOnce,
  checkFailoverBound,
  checkGracefulHandover,
];

/** I1-I6 on one run, in order. A checker that throws is reported as a failed check, not as a crash. */
export function checkAll(result: RunResult): InvariantReport[] {
  return CHECKERS.map((check, index) => {
    try {
      return check(result);
    } catch (error) {
      const id = `I${index + 1}` as InvariantId;
      return {
        id,
        title: TITLES[id],
        ok: false,
        violation: {
          message: `the ${id} checker itself failed: ${error instanceof Error ? error.message : String(error)}`,
          atVt: result.endedAt,
          evidence: [],
        },
      };
    }
  });
}
