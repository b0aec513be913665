/**
 * Verification: the invariant checkers as reducers over one fold of a run's trace (checkAll on a finished
 * run, RunChecker on a run as it goes), the property helpers, and the Jepsen history.
 */
export {
  checkAll,
  checkDeterminism,
  CHECKERS,
  TITLES,
  type InvariantId,
  type InvariantReport,
  type Precondition,
  type Violation,
} from './checkers/index.js';
export { RunChecker, invariantReducers } from './runChecker.js';
export type { CheckContext, InvariantReducer, RunEnd } from './fold/reducer.js';
export { toJepsenHistory, historyToEdn, type HistoryOp } from './jepsenHistory.js';
export {
  assertInvariants,
  checkScenario,
  invariantProperty,
  findViolation,
  InvariantViolation,
  type AssertOptions,
  type AssertSummary,
  type CheckOptions,
  type FindOptions,
  type FoundViolation,
  type ScenarioCheck,
} from './properties.js';
