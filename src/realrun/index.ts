// A scenario file run on a real cluster of server processes, and its history judged by the invariant
// checkers: what `coordinator-sim real` does (docs/architecture.md, the src/realrun row).

export { historyToRun, type FinalRows, type RealHistory, type RealRunFacts } from './historyToRun.js';
export {
  planRealRun,
  UnmappableScenarioError,
  MIN_HEARTBEAT_MS,
  type RealDatabaseKind,
  type RealRunPlan,
  type RealStep,
} from './realRunPlan.js';
export {
  openRunDatabase,
  RunDatabaseError,
  type RunDatabase,
  type RunDatabaseTarget,
} from './runDatabase.js';
export {
  runScenarioOnRealCluster,
  type RealRunOptions,
  type RealRunOutcome,
  type StepRecord,
} from './scenarioOnRealCluster.js';
