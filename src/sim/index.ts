/**
 * The simulation's public API: what the CLI, the playground and other projects' property suites use.
 */
export { runScenario, type RunOptions } from './engine';
export {
  Conductor,
  type ConductorOptions,
  type ClusterSnapshot,
  type ServerSnapshot,
  type ProcessState,
} from './conductor';
export type { Scenario, Action, ActionBody, ActionType, JobModel, ServerSpec, HazardList } from './scenario';
export { SCENARIO_VERSION } from './scenario';
export { parseScenario, parseScenarioJson, serializeScenario, ScenarioError } from './scenarioSchema';
export type { RunResult, ResolvedTimings } from './runResult';
export { Trace, traceToJson, type TraceEntry, type TraceBody, type TraceStamp } from './trace';
export {
  checkAll,
  checkDeterminism,
  CHECKERS,
  TITLES,
  type InvariantId,
  type InvariantReport,
  type Violation,
} from './checkers';
export { toJepsenHistory, historyToEdn, type HistoryOp } from './history';
export {
  scenarioArbitrary,
  planArbitrary,
  planToScenario,
  onlyFaults,
  FAULT_PROFILES,
  type ScenarioArbitraryOptions,
  type FaultKind,
} from './arbitraries';
export { checkScenario, invariantProperty, findViolation, InvariantViolation } from './properties';
export { inThreadTransport, ServerHost, type ServerTransport, type TransportFactory } from './transport';
export {
  workerTransport,
  type SpawnedWorker,
  type PortEndpoint,
  type ToServerWorker,
  type FromServerWorker,
} from './workerTransport';
export type { ServerConfig, ToServer, FromServer, Command } from './protocol';
export { ServerRuntime } from './serverRuntime';
export { VirtualTime, serverClock, databaseClock, DEFAULT_EPOCH_MS } from './virtualTime';
export { SeededEntropy, deriveSeed } from './seededEntropy';
export { PlaygroundSession, ActionError, type SessionView, type LiveInvariant } from './playgroundSession';
export { PlaygroundEngine } from './playgroundEngine';
export {
  historyArbitrary,
  actionArbitrary,
  replayHistory,
  HISTORY_CLUSTER,
  type Move,
  type HistoryReplay,
} from './playgroundHistories';
