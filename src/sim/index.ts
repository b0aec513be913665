/**
 * The simulation's public API: what the CLI, the playground and other projects' property suites use.
 */
export { runScenario, type RunOptions } from './runScenario';
export {
  Conductor,
  type ConductorOptions,
  type ClusterSnapshot,
  type ServerSnapshot,
  type ProcessState,
} from './conductor/conductor';
export type { Scenario, Action, ActionBody, ActionType, JobModel, ServerSpec, HazardList } from '../scenario/types';
export { SCENARIO_VERSION } from '../scenario/types';
export { parseScenario, parseScenarioJson, serializeScenario, ScenarioError } from '../scenario/schema';
export type { RunResult, ResolvedTimings } from './runResult';
export { Trace, traceToJson, type TraceEntry, type TraceBody, type TraceStamp } from './trace/trace';
export {
  checkAll,
  checkDeterminism,
  CHECKERS,
  TITLES,
  type InvariantId,
  type InvariantReport,
  type Violation,
} from '../verify/checkers';
export { toJepsenHistory, historyToEdn, type HistoryOp } from '../verify/jepsenHistory';
export {
  scenarioArbitrary,
  planArbitrary,
  planToScenario,
  onlyFaults,
  FAULT_PROFILES,
  type ScenarioArbitraryOptions,
  type FaultKind,
} from '../scenario/arbitraries/scenarioArbitrary';
export { checkScenario, invariantProperty, findViolation, InvariantViolation } from '../verify/properties';
export { inThreadTransport, ServerHost, type ServerTransport, type TransportFactory } from './server/transport';
export {
  workerTransport,
  type SpawnedWorker,
  type PortEndpoint,
  type ToServerWorker,
  type FromServerWorker,
} from './server/workerTransport';
export type { ServerConfig, ToServer, FromServer, Command } from './server/protocol';
export { ServerRuntime } from './server/serverRuntime';
export { VirtualTime, serverClock, databaseClock, DEFAULT_EPOCH_MS } from './time/virtualTime';
export { SeededEntropy, deriveSeed } from './seededEntropy';
export { PlaygroundSession, ActionError, type SessionView, type LiveInvariant } from '../playground/session';
export { PlaygroundEngine } from '../playground/engine';
export {
  historyArbitrary,
  actionArbitrary,
  replayHistory,
  HISTORY_CLUSTER,
  type Move,
  type HistoryReplay,
} from '../playground/histories';
