/** Verification: the invariant checkers over a run's trace, the property helpers, and the Jepsen history. */
export {
  checkAll,
  checkDeterminism,
  CHECKERS,
  TITLES,
  type InvariantId,
  type InvariantReport,
  type Violation,
} from './checkers';
export { toJepsenHistory, historyToEdn, type HistoryOp } from './jepsenHistory';
export { checkScenario, invariantProperty, findViolation, InvariantViolation } from './properties';
