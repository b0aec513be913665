/** The coordinator's public API: what an application, the simulation and the playground use. */
export type {
  Clock,
  CancelTimer,
  Database,
  Entropy,
  LockKind,
  LockOptions,
  Row,
  SqlDialect,
  SqlExecutor,
  SqlParams,
  SqlValue,
  Transaction,
} from './ports.js';
export { defineJob, JobRegistry, checkParams, DEFAULT_MAX_ATTEMPTS, DEFAULT_JOB_TIMEOUT_MS } from './job.js';
export type { JobDefinition, JobContext, CronScheduleDefinition } from './job.js';
export type { Json, JsonObject } from './json.js';
export { JobQueue } from './jobQueue.js';
export type { QueuedJob } from './jobQueue.js';
export { SingleServerJobCoordinator, type JobCoordinator, type CoordinatorState } from './jobCoordinator.js';
export type { JobCoordinatorOptions } from './options.js';
export {
  DistributedJobCoordinator,
  DISTRIBUTED_DEFAULTS,
  type DistributedJobCoordinatorOptions,
} from './distributed/distributedJobCoordinator.js';
export { MIGRATIONS, migrate } from './distributed/migrations.js';
export {
  DISTRIBUTED_JOBS,
  JOB_CRON_TICKS,
  JOB_MIGRATIONS,
  JOB_SCHEDULES,
  JOB_STATUS,
  LEAD_JOB_COORDINATORS,
  TABLES,
  type JobStatus,
} from './distributed/sql/tables.js';
export {
  HAZARDS,
  resolveHazards,
  type HazardName,
  type HazardCode,
  type HazardSelection,
  type Hazards,
} from './hazards.js';
export { DEFAULT_MISFIRE_POLICY, planTicks, type MisfirePolicy } from './misfire.js';
export { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff.js';
export { CronExpression } from './cron.js';
export type { CoordinatorEvent, CoordinatorEventBody, EventSink, StopReport } from './events.js';
export { FencedWriteError } from './distributed/fencing.js';
export {
  InvalidCronError,
  InvalidOptionError,
  InvalidParamsError,
  JobDefinitionError,
  JobTimeoutError,
  UnknownJobError,
} from './errors.js';
