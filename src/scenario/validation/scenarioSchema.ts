import * as v from 'valibot';
import { quoteCron } from '../../core/cron.js';
import { HAZARDS, type HazardCode, type HazardName } from '../../core/hazards.js';
import {
  DAY,
  HOUR,
  MAX_CRON_CHARS,
  MAX_DURATION_MS,
  MAX_ENQUEUE_COUNT,
  MAX_LATENCY_MS,
  MAX_OFFSET_MS,
  SEED_MAX,
  SEED_MIN,
} from '../limits.js';
import { SCENARIO_VERSION } from '../types.js';
import { decimal, flag, id, jsonObject, list, oneOf, record, strict, text, wholeNumber } from './blocks.js';
import { described, describeValue, expecting, isPlainObject, quoteList } from './messages.js';

/**
 * The shape of a scenario file, and the one definition of the format: `types.ts` derives the TypeScript
 * types from these schemas. Times (`atMs`, `durationMs`) are milliseconds of virtual time since the start of
 * the run. Defaults are not filled in: the engine does that, and the scenario stays as written.
 * What refers to what (server ids, job names, times within the run) is checked in `crossChecks.ts`.
 */

const HAZARD_NAMES = Object.keys(HAZARDS) as HazardName[];
const HAZARD_CODES = HAZARD_NAMES.map((name) => HAZARDS[name].code) as HazardCode[];
const hazardKeys: (HazardName | HazardCode)[] = [...HAZARD_NAMES, ...HAZARD_CODES];
const HAZARD_EXPECTED = `a hazard name (${HAZARD_NAMES.join(', ')}) or code (H1-H${HAZARD_CODES.length})`;

const hazard = described(
  v.picklist(hazardKeys, (issue) => {
    const base = `expected ${HAZARD_EXPECTED}, got ${describeValue(issue.input)}`;
    return issue.input === 'H14'
      ? `${base}: H14 (two single-server coordinators) is no switch; write "mode": "single" with several servers`
      : base;
  }),
  HAZARD_EXPECTED,
);
export const hazardList = list('a list of hazards', hazard);

const offsetMs = wholeNumber(-MAX_OFFSET_MS, MAX_OFFSET_MS, 'ms, within a day either way');
const clockRate = decimal(0.5, 2, '1 is exact, 1.001 runs 1 ms fast per second');
const failureRate = decimal(0, 1, 'the chance that one attempt fails');
const jobDuration = wholeNumber(0, DAY, 'ms');
const thresholdMs = wholeNumber(0, DAY, 'ms');

const misfireKinds = ['skip', 'fireOnce', 'backfill'] as const;
/** Core's MisfirePolicy, as a file writes it (`types.ts` checks that the two agree). */
export const misfirePolicy = described(
  v.pipe(
    v.custom<unknown>(isPlainObject, expecting('a misfire policy object')),
    v.variant(
      'kind',
      [
        strict('a misfire policy', { kind: v.literal('skip'), thresholdMs: v.optional(thresholdMs) }),
        strict('a misfire policy', { kind: v.literal('fireOnce'), thresholdMs: v.optional(thresholdMs) }),
        strict('a misfire policy', {
          kind: v.literal('backfill'),
          limit: wholeNumber(1, 100_000),
          thresholdMs: v.optional(thresholdMs),
        }),
      ],
      expecting(`one of ${quoteList(misfireKinds)}`),
    ),
  ),
  'a misfire policy object',
);

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const timeZone = described(
  v.pipe(
    v.string(expecting('a time zone name')),
    v.check(isTimeZone, expecting('an IANA time zone such as "UTC" or "Europe/Paris"')),
  ),
  'a time zone name',
);

export const coordinatorSettings = record('an object of coordinator settings', {
  heartbeatIntervalMs: v.optional(wholeNumber(10, HOUR, 'ms')),
  leadershipTimeoutMs: v.optional(wholeNumber(10, DAY, 'ms')),
  claimLeaseMs: v.optional(wholeNumber(30, DAY, 'ms')),
  pollIntervalMs: v.optional(wholeNumber(1, HOUR, 'ms')),
  concurrency: v.optional(wholeNumber(1, 1_000)),
  stopGraceMs: v.optional(wholeNumber(0, DAY, 'ms')),
  maxAttempts: v.optional(wholeNumber(1, 1_000)),
  misfire: v.optional(misfirePolicy),
  timezone: v.optional(timeZone),
});

const latency = wholeNumber(0, MAX_LATENCY_MS, 'ms');
export const databaseSettings = record('an object of database settings', {
  /** The database clock minus virtual time. */
  skewMs: v.optional(offsetMs),
  busyTimeoutMs: v.optional(wholeNumber(0, HOUR, 'ms')),
  /** Each statement's answer arrives this long after it was asked, drawn from the seed. Default 0-2 ms. */
  latencyMs: v.optional(record('an object { "min": ms, "max": ms }', { min: latency, max: latency })),
});

/** At most MAX_CRON_CHARS characters: one past it is quoted cut short, not compiled (see limits.ts). */
const cronText = described(
  v.pipe(
    v.string(expecting('a cron expression')),
    v.check(
      (cron) => cron.length <= MAX_CRON_CHARS,
      (issue) =>
        `expected a cron expression of at most ${MAX_CRON_CHARS} characters, got ${quoteCron(String(issue.input))}`,
    ),
  ),
  'a cron expression',
);

export const schedule = record('a schedule object', {
  cron: cronText,
  params: v.optional(jsonObject),
  misfire: v.optional(misfirePolicy),
});

/** A job as the simulation runs it: it takes `durationMs` and fails with probability `failureRate`. */
export const jobModel = record('a job object', {
  name: id('a job name'),
  durationMs: v.optional(jobDuration),
  failureRate: v.optional(failureRate),
  maxAttempts: v.optional(wholeNumber(1, 1_000)),
  timeoutMs: v.optional(wholeNumber(1, DAY, 'ms')),
  schedules: v.optional(list('a list of schedules', schedule)),
});

export const serverSpec = record('a server object', {
  id: id('a server id'),
  withoutJobs: v.optional(flag()),
  /** This server's clock minus virtual time, at its start. */
  offsetMs: v.optional(offsetMs),
  /** How fast its clock runs: 1 exact, 1.001 one ms fast per second. */
  rate: v.optional(clockRate),
});

const atMs = wholeNumber(0, MAX_DURATION_MS, 'ms of virtual time');
// Where an action names one server, the cross-checks also take a relative target (`@leader`, ../targets.ts).
const serverRef = described(v.string(expecting('a server id')), 'a server id');
const jobRef = described(v.string(expecting('a job name')), 'a job name');

const serverAction = <const T extends string>(type: T) =>
  strict(`a "${type}" action`, { atMs, type: v.literal(type), server: serverRef });

const actionOptions = [
  strict('an "addServer" action', { atMs, type: v.literal('addServer'), server: serverSpec }),
  /** Dies at once: no cleanup, its open transaction rolled back, its lock freed. */
  serverAction('crash'),
  /** Graceful stop: releases leadership, lets running jobs finish within `graceMs`. */
  strict('a "stop" action', {
    atMs,
    type: v.literal('stop'),
    server: serverRef,
    graceMs: v.optional(wholeNumber(0, DAY, 'ms')),
  }),
  /** Starts a crashed or stopped server again: a new process with the same id and nothing in memory. */
  serverAction('restart'),
  /** A stall: no code of it runs; its timers and answers wait and arrive late on resume. */
  serverAction('pause'),
  serverAction('resume'),
  /** Cut off from the database: its statements fail, its open transaction is rolled back. */
  serverAction('cutOff'),
  serverAction('heal'),
  strict('a "setClock" action', {
    atMs,
    type: v.literal('setClock'),
    server: serverRef,
    offsetMs: v.optional(offsetMs),
    rate: v.optional(clockRate),
  }),
  strict('a "setDatabaseSkew" action', { atMs, type: v.literal('setDatabaseSkew'), skewMs: offsetMs }),
  strict('an "enqueue" action', {
    atMs,
    type: v.literal('enqueue'),
    server: serverRef,
    job: jobRef,
    count: v.optional(wholeNumber(1, MAX_ENQUEUE_COUNT)),
    params: v.optional(jsonObject),
  }),
  strict('a "setJob" action', {
    atMs,
    type: v.literal('setJob'),
    job: jobRef,
    durationMs: v.optional(jobDuration),
    failureRate: v.optional(failureRate),
  }),
  strict('an "addSchedule" action', {
    atMs,
    type: v.literal('addSchedule'),
    job: jobRef,
    cron: cronText,
    params: v.optional(jsonObject),
  }),
  /** Exactly these hazards on, on the named servers (default: all). */
  strict('a "setHazards" action', {
    atMs,
    type: v.literal('setHazards'),
    hazards: hazardList,
    servers: v.optional(list('a list of server ids', serverRef)),
  }),
] as const;

export const ACTION_TYPES = actionOptions.map((option) => option.entries.type.literal);

export const action = described(
  v.pipe(
    v.custom<unknown>(isPlainObject, expecting('an action object')),
    v.variant('type', actionOptions, expecting(`one of ${quoteList(ACTION_TYPES)}`)),
  ),
  'an action object',
);

/**
 * A scenario: a cluster, its jobs, and what happens to it at which virtual time. Plain JSON, versioned, so
 * that a failing property run can be printed as a file and replayed, in the CLI or in the browser.
 */
export const scenarioSchema = record('a scenario object', {
  version: described(
    v.literal(SCENARIO_VERSION, (issue) =>
      issue.input === undefined
        ? `expected ${SCENARIO_VERSION} (the scenario format version), got nothing`
        : `expected ${SCENARIO_VERSION}, got ${describeValue(issue.input)}: this program reads version ${SCENARIO_VERSION} of the scenario format only`,
    ),
    `${SCENARIO_VERSION} (the scenario format version)`,
  ),
  name: v.optional(text('a name', 200)),
  description: v.optional(text('a description', 10_000)),
  /** Orders everything random in the run: database latencies, job failures, ids. */
  seed: wholeNumber(SEED_MIN, SEED_MAX),
  /** How long the run lasts. */
  durationMs: wholeNumber(1, MAX_DURATION_MS, 'ms, at most 7 days'),
  /** `single` runs each server as a single-server coordinator (hazard H14 when there are several). */
  mode: v.optional(oneOf('', ['distributed', 'single'])),
  coordinator: v.optional(coordinatorSettings),
  /** Hazards on for every server from the start. */
  hazards: v.optional(hazardList),
  database: v.optional(databaseSettings),
  jobs: list('a list of jobs', jobModel),
  /** Servers running from time 0. */
  servers: list('a list of servers', serverSpec),
  /** In time order; equal times keep their order in the file. */
  actions: list('a list of actions', action),
  /**
   * A lesson of the playground (lessons/*.json): the steps a learner takes on this scenario. The run ignores
   * it; its shape is src/lessons/lessonSchema.ts's to check, so that this room does not depend on that one.
   */
  lesson: v.optional(jsonObject),
  /**
   * What to watch for in the playground: two to four things the trace will show, each ticked off when its
   * `when` holds. The run ignores it; `when` is a lesson condition (src/lessons/lessonSchema.ts checks it).
   */
  watch: v.optional(
    described(
      v.pipe(
        list('a list of things to watch', watchItem()),
        v.check(
          (items) => items.length >= 2 && items.length <= 4,
          (issue) => `expected 2 to 4 things to watch, got ${(issue.input as unknown[]).length}`,
        ),
      ),
      'a list of 2 to 4 things to watch',
    ),
  ),
});

function watchItem() {
  return record('a thing to watch', {
    text: text('what to watch', 200),
    /** A lesson condition (a JSON object), judged on the run's trace by the page. */
    when: jsonObject,
  });
}
