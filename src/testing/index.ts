/**
 * What a suite needs to build its own harness around the real coordinator: the faultable clock, a cluster
 * builder on the conductor's fault primitives, virtual time and the seeded entropy. For scenario files,
 * traces and the invariant checkers, use the `sim` and `verify` entry points.
 */
export { FaultableClock } from './faultableClock.js';
export {
  TestCluster,
  type TestClusterOptions,
  type TestServer,
  type AddServerOptions,
  type RecordedEvent,
} from './testCluster.js';
export { VirtualTime, DEFAULT_EPOCH_MS } from '../sim/time/virtualTime.js';
export { serverClock, type ServerClock } from '../sim/time/serverClock.js';
export { databaseClock, type DatabaseClock } from '../sim/time/databaseClock.js';
export { SeededEntropy } from '../sim/seededEntropy.js';
