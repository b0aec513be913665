import type { CronExpression } from './cron.js';
import { InvalidOptionError } from './errors.js';

/**
 * What to do with cron ticks that were missed: ones found later than `thresholdMs` after their time,
 * because no leader existed, the scheduler was paused, or the server was down.
 * - skip: fire none of them;
 * - fireOnce: fire only the most recent one;
 * - backfill: fire the most recent `limit` of them, oldest first.
 * Ticks found in time always fire.
 */
export type MisfirePolicy =
  | { kind: 'skip'; thresholdMs?: number | undefined }
  | { kind: 'fireOnce'; thresholdMs?: number | undefined }
  | { kind: 'backfill'; limit: number; thresholdMs?: number | undefined };

export const DEFAULT_MISFIRE_POLICY: MisfirePolicy = { kind: 'backfill', limit: 100, thresholdMs: 5_000 };
const DEFAULT_THRESHOLD_MS = 5_000;

export function validateMisfirePolicy(policy: MisfirePolicy, where: string): MisfirePolicy {
  const kinds = ['skip', 'fireOnce', 'backfill'];
  if (!policy || !kinds.includes(policy.kind)) {
    throw new InvalidOptionError(`${where}.kind: expected one of ${kinds.join(', ')}`);
  }
  if (policy.kind === 'backfill' && !(Number.isInteger(policy.limit) && policy.limit >= 1)) {
    throw new InvalidOptionError(`${where}.limit: expected a whole number >= 1, got ${String(policy.limit)}`);
  }
  if (policy.thresholdMs !== undefined && !(policy.thresholdMs >= 0 && Number.isFinite(policy.thresholdMs))) {
    throw new InvalidOptionError(`${where}.thresholdMs: expected a number >= 0, got ${policy.thresholdMs}`);
  }
  return policy;
}

/** The ticks to fire now, how many were skipped, and where the cursor moves. */
export interface TickPlan {
  fire: number[];
  /** Late ticks the policy did not fire; counted up to SKIPPED_COUNT_CAP, beyond which it is a lower bound. */
  skipped: number;
  /** Every tick at or before this instant has been decided. */
  cursor: number;
}

/**
 * Walking ticks one by one costs tens of microseconds each, and a per-second schedule after a day-long
 * outage has 86,400 of them, all inside the database lock. So the plan only ever lists what it fires
 * (found backwards from the newest), and counts the skipped ones up to this cap.
 */
export const SKIPPED_COUNT_CAP = 1_000;
/** Hazard H6 replays every missed tick; even the reference's replay has to stop somewhere. */
export const REPLAY_CAP = 10_000;
const ON_TIME_CAP = 10_000;

/**
 * Decides the ticks in (cursor, now]. Pure: the same inputs give the same plan, whichever clock `now`
 * came from. A tick is late when it is found more than the threshold after its time. A clock that went
 * backwards (now < cursor) fires nothing and keeps the cursor, so a tick is never decided twice.
 * `replayAll` is hazard H6: every missed tick fires, whatever the policy says.
 */
export function planTicks(
  cron: CronExpression,
  cursor: number,
  now: number,
  policy: MisfirePolicy,
  replayAll = false,
): TickPlan {
  // Stryker disable next-line EqualityOperator: at now === cursor the rest of the plan is empty as well, with cursor === now.
  if (now <= cursor) return { fire: [], skipped: 0, cursor };
  const threshold = policy.thresholdMs ?? DEFAULT_THRESHOLD_MS;
  // Ticks at or before lateUntil are late: now - tick > threshold.
  const lateUntil = Math.max(cursor, Math.floor(now - threshold - 1));
  const onTime = cron.ticksBetween(lateUntil, now, ON_TIME_CAP).ticks;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a shortcut; with no late window, latestBetween and countBetween find nothing either.
  if (lateUntil <= cursor) return { fire: onTime, skipped: 0, cursor: now };
  const keepLate = replayAll
    ? REPLAY_CAP
    : policy.kind === 'skip'
      ? 0
      : policy.kind === 'fireOnce'
        ? 1
        : policy.limit;
  const late = cron.latestBetween(cursor, lateUntil, keepLate);
  // Stryker disable next-line ConditionalExpression: a shortcut; fewer late ticks than keepLate means late holds them all, which is what counting finds.
  const lateCount =
    late.length < keepLate ? late.length : cron.countBetween(cursor, lateUntil, SKIPPED_COUNT_CAP + keepLate);
  return { fire: [...late, ...onTime], skipped: Math.max(0, lateCount - late.length), cursor: now };
}
