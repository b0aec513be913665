import type { BackoffPolicy } from './backoff.js';
import { InvalidOptionError } from './errors.js';
import type { EventSink } from './events.js';
import type { HazardSelection } from './hazards.js';
import type { JobDefinition } from './job.js';
import type { MisfirePolicy } from './misfire.js';
import type { Clock, Entropy } from './ports.js';

/** What every coordinator needs, in either mode. */
export interface JobCoordinatorOptions {
  /** This server's name in the lease, claims and events. Unique within a cluster. */
  serverId: string;
  clock: Clock;
  entropy: Entropy;
  jobs: readonly JobDefinition[];
  /** A server that only enqueues: no scheduler, no worker (the seed's `--without-jobs`). */
  withoutJobs?: boolean | undefined;
  /** Jobs run at the same time on this server. Default 4. */
  concurrency?: number | undefined;
  /** Time zone of cron expressions. Default UTC, so that a schedule means the same on every server. */
  timezone?: string | undefined;
  /** What happens to cron ticks that were missed. Default: backfill the latest 100. */
  misfire?: MisfirePolicy | undefined;
  /** Attempts before a failing job is kept as dead, unless the job says otherwise. Default 5. */
  maxAttempts?: number | undefined;
  backoff?: Partial<BackoffPolicy> | undefined;
  /** How long a graceful stop lets running jobs finish. Default 10 s. */
  stopGraceMs?: number | undefined;
  /** The reference's weaknesses to put back on purpose. Default: none. */
  hazards?: HazardSelection | undefined;
  onEvent?: EventSink | undefined;
}

export function checkRange(
  value: number | undefined,
  where: string,
  min: number,
  max: number,
  integer = false,
) {
  if (value === undefined) return;
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
  if (!ok || (integer && !Number.isInteger(value))) {
    throw new InvalidOptionError(
      `${where}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${String(value)}`,
    );
  }
}

export function checkCommonOptions(options: JobCoordinatorOptions): void {
  if (!options || typeof options !== 'object') throw new InvalidOptionError('options: expected an object');
  if (
    typeof options.serverId !== 'string' ||
    options.serverId.length === 0 ||
    options.serverId.length > 200
  ) {
    throw new InvalidOptionError(
      `serverId: expected a non-empty string, got ${JSON.stringify(options.serverId)}`,
    );
  }
  if (!options.clock || typeof options.clock.now !== 'function')
    throw new InvalidOptionError('clock: expected a Clock');
  if (!options.entropy || typeof options.entropy.newId !== 'function') {
    throw new InvalidOptionError('entropy: expected an Entropy');
  }
  checkRange(options.concurrency, 'concurrency', 1, 1_000, true);
  checkRange(options.stopGraceMs, 'stopGraceMs', 0, 24 * 3_600_000);
  checkRange(options.maxAttempts, 'maxAttempts', 1, 1_000, true);
}
