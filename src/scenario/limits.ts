/**
 * The ranges the scenario format accepts, named because the CLI and the page check their own inputs
 * (a seed, a duration, a count typed into a field) against the same bounds before they build a scenario.
 *
 * The caps below them bound what one scenario may cost, so that a file or a link cannot take the page
 * (or the CLI) down: each is checked when the scenario is read (`validation/caps.ts`), with an error that
 * names the field and the cap, and each is listed in the README's "Limits" section.
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

/**
 * Servers in all (those listed plus every `addServer`). The page starts one Web Worker per server, each with
 * its own copy of the coordinator (about 8 MB: 300 servers took 2.5 GB); 32 is four times the largest
 * example (eight-servers.json) and stays near 300 MB.
 */
export const MAX_SERVERS = 32;
/** Actions in the file. */
export const MAX_ACTIONS = 10_000;
/** Jobs defined in `jobs`. */
export const MAX_JOBS = 1_000;
/** Cron schedules in all: every job's `schedules` plus every `addSchedule`. */
export const MAX_SCHEDULES = 1_000;
/**
 * One cron expression, in characters. Every list a crontab may hold (all 60 seconds, "0,1,...,59", is 170
 * characters) fits; a longer one is refused before it is compiled or quoted (a 5 MB cron gave a 10 MB error).
 */
export const MAX_CRON_CHARS = 200;
/** Jobs enqueued by all the `enqueue` actions together (their `count`s added up): one full-size enqueue. */
export const MAX_TOTAL_JOBS = MAX_ENQUEUE_COUNT;
/** One `params` object, as JSON text (each enqueued job holds a copy in its row, its trace entries and memory). */
export const MAX_PARAMS_CHARS = 64 * 1_024;
/** Every job's params together: each enqueue's params times its count, plus every schedule's params. */
export const MAX_TOTAL_PARAMS_CHARS = 4 * 1_024 * 1_024;
/** How deeply `params` may nest objects and arrays (walking a deeper value is refused, not recursed). */
export const MAX_PARAMS_DEPTH = 32;
/**
 * The scenario's event budget, in server wake-ups: every server (listed or added) times `durationMs` over the
 * shortest interval anything wakes up at (heartbeatIntervalMs, pollIntervalMs, the shortest gap of a cron
 * schedule). A wake-up costs about 4 trace entries and 1 ms of wall time under Node (measured: 6 h of three
 * servers at 5 s is 12,960 wake-ups, 48,503 entries, 13 s), so the cap keeps a run near 400,000 entries
 * and two minutes. One server at the default 5 s may run 5.7 days; eight, 17 hours.
 */
export const MAX_WAKEUPS = 100_000;
/**
 * Problems kept when a file is refused: past it they are counted, not stored (a generated file can hold
 * millions). The error lists the first ones (`validation/problems.ts`).
 */
export const MAX_PROBLEMS_KEPT = 1_000;
/** A `#run=` link's fragment, in characters, and the scenario text it may inflate to. */
export const MAX_LINK_CHARS = 256 * 1_024;
export const MAX_LINK_SCENARIO_BYTES = 8 * 1_024 * 1_024;
