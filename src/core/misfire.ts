import type { CronExpression } from './cron';
import { InvalidOptionError } from './errors';

/**
 * What to do with cron ticks that were missed: ones found later than `thresholdMs` after their time,
 * because no leader existed, the scheduler was paused, or the server was down.
 * - skip: fire none of them;
 * - fireOnce: fire only the most recent one;
 * - backfill: fire the most recent `limit` of them, oldest first.
 * Ticks found in time always fire.
 */
export type MisfirePolicy =
  | { kind: 'skip'; thresholdMs?: number }
  | { kind: 'fireOnce'; thresholdMs?: number }
  | { kind: 'backfill'; limit: number; thresholdMs?: number };

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
  skipped: number;
  /** Every tick at or before this instant has been decided. */
  cursor: number;
}

/**
 * Decides the ticks in (cursor, now]. Pure: the same inputs give the same plan, whichever clock `now`
 * came from. A clock that went backwards (now < cursor) fires nothing and keeps the cursor, so a tick is
 * never decided twice. `replayAll` is hazard H6: every missed tick fires, whatever the policy says.
 */
export function planTicks(
  cron: CronExpression,
  cursor: number,
  now: number,
  policy: MisfirePolicy,
  replayAll = false,
): TickPlan {
  if (now <= cursor) return { fire: [], skipped: 0, cursor };
  const threshold = policy.thresholdMs ?? DEFAULT_THRESHOLD_MS;
  const keepLate = replayAll
    ? Number.MAX_SAFE_INTEGER
    : policy.kind === 'skip'
      ? 0
      : policy.kind === 'fireOnce'
        ? 1
        : policy.limit;
  // Late ticks come before on-time ones, so listing the newest (keepLate + on-time) ticks is enough.
  const onTimeCount = cron.ticksBetween(now - threshold - 1, now, Number.MAX_SAFE_INTEGER).total;
  const listLimit = replayAll ? 100_000 : keepLate + onTimeCount;
  const { ticks, total } = cron.ticksBetween(cursor, now, listLimit);
  const onTime = ticks.filter((tick) => now - tick <= threshold);
  const late = ticks.filter((tick) => now - tick > threshold);
  const keptLate = keepLate === 0 ? [] : late.slice(-keepLate);
  const fire = [...keptLate, ...onTime];
  return { fire, skipped: total - fire.length, cursor: now };
}
