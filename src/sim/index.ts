/**
 * The simulator's public API: virtual time, the conductor, the server transports and the trace. The scenario
 * format is in src/scenario, the checkers in src/verify, the playground's backend in src/playground.
 */
export { runScenario, type RunOptions } from './runScenario';
export { RunBudgetError, defaultMaxEvents, type RunBudgetKind, type RunProgress } from './runBudget';
export {
  Conductor,
  type ConductorOptions,
  type ClusterSnapshot,
  type ServerSnapshot,
  type ProcessState,
  type HealPlan,
  type NetworkOptions,
} from './conductor/conductor';
export {
  ServerStateFold,
  newServerState,
  applyCoordinatorEvent,
  canLead,
  isLeading,
  hasEnded,
  serverStatesOf,
  type ServerState,
} from './trace/serverState';
export type { RunResult, ResolvedTimings } from './runResult';
export { Trace, traceToJson, type TraceEntry, type TraceBody, type TraceStamp } from './trace/trace';
export {
  inThreadTransport,
  ServerHost,
  type ServerTransport,
  type TransportFactory,
} from './server/transport';
export {
  workerTransport,
  type SpawnedWorker,
  type PortEndpoint,
  type ToServerWorker,
  type FromServerWorker,
} from './server/workerTransport';
export type { ServerConfig, ToServer, FromServer, Command } from './server/protocol';
export { ServerRuntime } from './server/serverRuntime';
export { VirtualTime, DEFAULT_EPOCH_MS, type TimerBatch, type TimerCallback } from './time/virtualTime';
export { serverClock, type ServerClock } from './time/serverClock';
export { databaseClock, type DatabaseClock } from './time/databaseClock';
export { SeededEntropy, deriveSeed } from './seededEntropy';
