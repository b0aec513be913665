import type { Scenario } from '../scenario/types.js';
import type { ResolvedTimings } from '../sim/runResult.js';
import { CronExactlyOnce } from './checkers/cronExactlyOnce.js';
import { ExactlyOnceClaim } from './checkers/exactlyOnceClaim.js';
import { FailoverBound } from './checkers/failoverBound.js';
import { GracefulHandover } from './checkers/gracefulHandover.js';
import { LeadershipLiveness } from './checkers/leadershipLiveness.js';
import { NothingLost } from './checkers/nothingLost.js';
import { OneLeaderPerTerm } from './checkers/oneLeaderPerTerm.js';
import { FoldRunner } from './fold/foldRunner.js';
import type { InvariantReducer } from './fold/reducer.js';

/** The reducers of I1-I6 and I8, fresh, in invariant order (I7, determinism, needs two runs). */
export function invariantReducers(): InvariantReducer[] {
  return [
    new ExactlyOnceClaim(),
    new NothingLost(),
    new OneLeaderPerTerm(),
    new CronExactlyOnce(),
    new FailoverBound(),
    new GracefulHandover(),
    new LeadershipLiveness(),
  ];
}

/**
 * I1-I6 and I8 on a run as it goes, for the playground and for property runs that stop at the first violation.
 * Feed it trace entries as they are recorded; ask for the reports of the trace so far at any time:
 *
 *   const checker = new RunChecker(scenario, timings);
 *   checker.push(newEntries);                        // after each frame, with no throttle
 *   checker.reports({ final, endedAt, healedAt });   // I1-I6, I8, as checkAll gives on that prefix
 *   checker.violated;                                // a checker already judged a violation
 *
 * One fold derives, once and entry by entry, what the checkers share (job keys, process generations,
 * pauses and candidacy from the simulator's ServerStateFold, elections, the database clock); each
 * checker is a reducer on it (see fold/reducer.ts).
 */
export class RunChecker extends FoldRunner {
  constructor(scenario: Scenario, timings: ResolvedTimings) {
    super(scenario, timings, invariantReducers);
  }
}
