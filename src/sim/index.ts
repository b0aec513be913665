/**
 * The simulator's public API: virtual time, the conductor, the server transports and the trace. The scenario
 * format is in src/scenario, the checkers in src/verify, the playground's backend in src/playground.
 */
export { runScenario, type RunOptions } from './runScenario.js';
export type { OwnJobs } from './ownJobs.js';
export { defineJob, type JobDefinition, type JobContext } from '../core/job.js';
export { RunBudgetError, defaultMaxEvents, type RunBudgetKind, type RunProgress } from './runBudget.js';
export {
  Conductor,
  type ConductorOptions,
  type ClusterSnapshot,
  type ServerSnapshot,
  type ProcessState,
  type HealPlan,
  type NetworkOptions,
} from './conductor/conductor.js';
export {
  ServerStateFold,
  newServerState,
  applyCoordinatorEvent,
  canLead,
  isLeading,
  hasEnded,
  serverStatesOf,
  type ServerState,
} from './trace/serverState.js';
export type { RunResult, ResolvedTimings } from './runResult.js';
export { Trace, traceToJson, type TraceEntry, type TraceBody, type TraceStamp } from './trace/trace.js';
export {
  inThreadTransport,
  ServerHost,
  type ServerTransport,
  type TransportFactory,
} from './server/transport.js';
export {
  workerTransport,
  type SpawnedWorker,
  type PortEndpoint,
  type ToServerWorker,
  type FromServerWorker,
} from './server/workerTransport.js';
export type { ServerConfig, ToServer, FromServer, Command } from './server/protocol.js';
export { ServerRuntime } from './server/serverRuntime.js';
export { VirtualTime, DEFAULT_EPOCH_MS, type TimerBatch, type TimerCallback } from './time/virtualTime.js';
export { serverClock, type ServerClock } from './time/serverClock.js';
export { databaseClock, type DatabaseClock } from './time/databaseClock.js';
export { SeededEntropy, deriveSeed } from './seededEntropy.js';
