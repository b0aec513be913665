/**
 * The ranges the scenario format accepts, named because the CLI and the page check their own inputs
 * (a seed, a duration, a count typed into a field) against the same bounds before they build a scenario.
 */

const SECOND = 1_000;
export const HOUR = 3_600 * SECOND;
export const DAY = 24 * HOUR;

export const MAX_DURATION_MS = 7 * DAY;
/** A server's clock offset and the database's skew, either way. */
export const MAX_OFFSET_MS = DAY;
export const MAX_LATENCY_MS = 10_000;
export const MAX_ENQUEUE_COUNT = 100_000;
/** Seeds are 32-bit: signed or unsigned, as a person or a shrinker happens to write them. */
export const SEED_MIN = -0x80000000;
export const SEED_MAX = 0xffffffff;
/** Server ids and job names: short, and safe in a file name, a URL and a trace line. */
export const ID_PATTERN = /^[\w.-]{1,40}$/;
