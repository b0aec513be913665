import { MAX_LINK_SCENARIO_BYTES } from '../../src/scenario/limits';
import type { RunSettings } from './harness';

/**
 * How the fast suite in `npm test` runs what it accepts: one case in RUN_ONE_IN, for one virtual second,
 * without the liveness phase, so that 2,000 cases take seconds. The hang limit is a detector sized for a
 * busy machine (2 cores shared by several runs), not a timing assertion.
 */
export const QUICK_RUN: RunSettings = { untilMs: 1_000, heal: false, maxEvents: 50_000, hangMs: 60_000 };
export const QUICK_RUN_ONE_IN = 100;

/** The long run (scripts/fuzz.ts): longer runs, healed, with their liveness phase, on a tighter event budget. */
export const LONG_RUN: RunSettings = { untilMs: 5_000, heal: true, maxEvents: 100_000, hangMs: 120_000 };
export const LONG_RUN_ONE_IN = 50;

const MIB = 1024 * 1024;
/**
 * Inflated sizes of the deflate bombs, around the link's cap on what it may inflate to: under it, just over
 * it, far over it (64 MiB deflates to a fragment under the link's own cap, so only the inflation cap can stop
 * it), and in the long run at the cap, near the most a fragment within its cap can inflate to, and 1 GiB
 * (whose fragment is past its cap).
 */
export const QUICK_BOMB_SIZES = [MIB, MAX_LINK_SCENARIO_BYTES + 1, 64 * MIB];
export const LONG_BOMB_SIZES = [...QUICK_BOMB_SIZES, MAX_LINK_SCENARIO_BYTES, 180 * MIB, 1024 * MIB];
