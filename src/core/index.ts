/** The coordinator's public API: what an application, the simulation and the playground use. */
export type {
  Clock,
  CancelTimer,
  Database,
  Entropy,
  Row,
  SqlExecutor,
  SqlParams,
  SqlValue,
  Transaction,
} from './ports';
export { defineJob, JobRegistry, checkParams, DEFAULT_MAX_ATTEMPTS, DEFAULT_JOB_TIMEOUT_MS } from './job';
export type { JobDefinition, JobContext, CronScheduleDefinition } from './job';
export type { Json, JsonObject } from './json';
export { JobQueue } from './jobQueue';
export type { QueuedJob } from './jobQueue';
export { SingleServerJobCoordinator, type JobCoordinator, type CoordinatorState } from './jobCoordinator';
export type { JobCoordinatorOptions } from './options';
export {
  DistributedJobCoordinator,
  DISTRIBUTED_DEFAULTS,
  type DistributedJobCoordinatorOptions,
} from './distributed/distributedJobCoordinator';
export { MIGRATIONS, migrate } from './distributed/migrations';
export {
  DISTRIBUTED_JOBS,
  JOB_CRON_TICKS,
  JOB_MIGRATIONS,
  JOB_SCHEDULES,
  JOB_STATUS,
  LEAD_JOB_COORDINATORS,
  TABLES,
  type JobStatus,
} from './distributed/sql/tables';
export {
  HAZARDS,
  resolveHazards,
  type HazardName,
  type HazardCode,
  type HazardSelection,
  type Hazards,
} from './hazards';
export { DEFAULT_MISFIRE_POLICY, planTicks, type MisfirePolicy } from './misfire';
export { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff';
export { CronExpression } from './cron';
export type { CoordinatorEvent, CoordinatorEventBody, EventSink, StopReport } from './events';
export { FencedWriteError } from './distributed/fencing';
export {
  InvalidCronError,
  InvalidOptionError,
  InvalidParamsError,
  JobDefinitionError,
  JobTimeoutError,
  UnknownJobError,
} from './errors';
