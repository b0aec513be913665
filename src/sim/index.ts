/**
 * The simulator's public API: virtual time, the conductor, the server transports and the trace. The scenario
 * format is in src/scenario, the checkers in src/verify, the playground's backend in src/playground.
 */
export { runScenario, type RunOptions } from './runScenario';
export {
  Conductor,
  type ConductorOptions,
  type ClusterSnapshot,
  type ServerSnapshot,
  type ProcessState,
} from './conductor/conductor';
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
export { VirtualTime, serverClock, databaseClock, DEFAULT_EPOCH_MS } from './time/virtualTime';
export { SeededEntropy, deriveSeed } from './seededEntropy';
