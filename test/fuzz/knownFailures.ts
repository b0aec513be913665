import type { FuzzCrash } from './harness';

/**
 * Crashes the fuzz suite found in code it does not own, each waiting for its fix: a case that ends in one
 * of them is counted and printed as a known failure instead of failing the run, so that the suite keeps
 * looking for new ones. Each entry says where the fault is and where it is tracked; remove it with the fix
 * (the suite then judges those cases again). Nothing else is ever skipped.
 */
export interface KnownFailure {
  id: string;
  /** Where it is tracked. */
  tracked: string;
  /** The fault and the file it is in. */
  fault: string;
  matches: (crash: FuzzCrash) => boolean;
}

/**
 * None: the three the suite found (a dispose after a failed restart, a whole cron quoted into a 10 MB
 * message, schedule params keyed before their depth cap) are fixed, and their cases are in harness.test.ts
 * as regression tests. An entry added here comes with a test there that it still happens.
 */
export const KNOWN_FAILURES: readonly KnownFailure[] = [];

/** The entry of `known` (by default the list above) that a crash matches, if any. */
export function knownFailureOf(
  crash: FuzzCrash,
  known: readonly KnownFailure[] = KNOWN_FAILURES,
): KnownFailure | undefined {
  return known.find((entry) => entry.matches(crash));
}
