import { InvalidOptionError } from './errors.js';

/** Exponential backoff between attempts of a failing job: base * factor^(attempt-1), capped, with jitter. */
export interface BackoffPolicy {
  baseMs: number;
  factor: number;
  maxMs: number;
  /** Spreads retries of many jobs that failed together: 0.1 means +-10%. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, factor: 2, maxMs: 60_000, jitter: 0.1 };

export function validateBackoff(policy: BackoffPolicy, where: string): BackoffPolicy {
  const check = (key: keyof BackoffPolicy, ok: boolean, expected: string) => {
    if (!ok)
      throw new InvalidOptionError(`${where}.${key}: expected ${expected}, got ${String(policy[key])}`);
  };
  check('baseMs', policy.baseMs >= 0 && Number.isFinite(policy.baseMs), 'a number >= 0');
  check('factor', policy.factor >= 1 && Number.isFinite(policy.factor), 'a number >= 1');
  check('maxMs', policy.maxMs >= policy.baseMs && Number.isFinite(policy.maxMs), 'a number >= baseMs');
  check('jitter', policy.jitter >= 0 && policy.jitter < 1, 'a number in [0, 1)');
  return policy;
}

/** Delay before the attempt after `failedAttempt` (1 for the first failure). `random` is in [0, 1). */
export function backoffDelay(policy: BackoffPolicy, failedAttempt: number, random: number): number {
  const raw = Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.max(0, failedAttempt - 1));
  return Math.round(raw * (1 + policy.jitter * (2 * random - 1)));
}
