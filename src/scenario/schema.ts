import * as v from 'valibot';
import { CronExpression } from '../core/cron';
import { DISTRIBUTED_DEFAULTS } from '../core/distributed/defaults';
import { HAZARDS, type HazardCode, type HazardName } from '../core/hazards';
import { findNonJson, type JsonObject } from '../core/json';
import { SCENARIO_VERSION, type Scenario } from './types';

/**
 * Checks a scenario written by a person or printed by a shrinker, and says what is wrong with it in terms of
 * the file: every problem as `path: expected X, got Y`. Two passes: valibot checks the shape (types, ranges,
 * unknown keys), then `crossCheck` checks what refers to what (server ids, job names, times within the run,
 * cron expressions). Defaults are not filled in: the engine does that, and the scenario stays as written.
 */

const SECOND = 1_000;
const HOUR = 3_600 * SECOND;
const DAY = 24 * HOUR;
export const MAX_DURATION_MS = 7 * DAY;
export const MAX_OFFSET_MS = DAY;
export const MAX_LATENCY_MS = 10_000;
export const MAX_ENQUEUE_COUNT = 100_000;
export const SEED_MIN = -0x80000000;
export const SEED_MAX = 0xffffffff;
export const ID_PATTERN = /^[\w.-]{1,40}$/;
const MAX_PROBLEMS_LISTED = 30;

/** One thing wrong with a scenario: where (`actions[3].server`) and what (`expected ..., got ...`). */
export interface ScenarioProblem {
  path: string;
  message: string;
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
  /** Each problem as one line, `path: message`. */
  readonly problems: string[];

  constructor(
    readonly issues: ScenarioProblem[],
    readonly source?: string,
  ) {
    const problems = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
    const listed = problems.slice(0, MAX_PROBLEMS_LISTED);
    if (problems.length > listed.length) listed.push(`... and ${problems.length - listed.length} more`);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${source ?? 'scenario'}: invalid scenario (${count}):\n  ${listed.join('\n  ')}`);
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Describing values and expectations.

/** How a received value reads in a message: strings quoted, containers by kind, a missing key as nothing. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    return quoted.length > 60 ? `${quoted.slice(0, 56)}..."` : quoted;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

type Message = (issue: v.BaseIssue<unknown>) => string;
const expecting =
  (what: string): Message =>
  (issue) =>
    `expected ${what}, got ${describeValue(issue.input)}`;

/** What each schema expects, in words: used when a required key is missing. */
const expectations = new WeakMap<object, string>();
function described<T extends object>(schema: T, what: string): T {
  expectations.set(schema, what);
  return schema;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const quoteList = (values: readonly string[]) => values.map((value) => JSON.stringify(value)).join(', ');

// ---------------------------------------------------------------------------------------------------------
// Building blocks.

function wholeNumber(min: number, max: number, note?: string) {
  const what = `a whole number from ${min} to ${max}${note ? ` (${note})` : ''}`;
  const message = expecting(what);
  const schema = v.pipe(
    v.number(message),
    v.check((n) => Number.isInteger(n) && n >= min && n <= max, message),
  );
  return described(schema, what);
}

function decimal(min: number, max: number, note?: string) {
  const what = `a number from ${min} to ${max}${note ? ` (${note})` : ''}`;
  const message = expecting(what);
  const schema = v.pipe(
    v.number(message),
    v.check((n) => Number.isFinite(n) && n >= min && n <= max, message),
  );
  return described(schema, what);
}

function text(what: string, maxLength: number) {
  const expected = `${what} of at most ${maxLength} characters`;
  const message = expecting(expected);
  return described(
    v.pipe(
      v.string(message),
      v.check((s) => s.length <= maxLength, message),
    ),
    expected,
  );
}

function flag(what = 'true or false') {
  return described(v.boolean(expecting(what)), what);
}

function id(kind: string) {
  const what = `${kind} of 1 to 40 letters, digits, "_", "." or "-"`;
  const message = expecting(what);
  return described(
    v.pipe(
      v.string(message),
      v.check((s) => ID_PATTERN.test(s), message),
    ),
    what,
  );
}

/** An object with exactly these keys (the optional ones may be left out); anything else is reported. */
function strict<const E extends v.ObjectEntries>(what: string, entries: E) {
  const keys = Object.keys(entries);
  const message: Message = (issue) => {
    const key = issue.path?.[0]?.key;
    if (issue.expected === 'never')
      return `expected only the keys ${keys.join(', ')}, got the key ${describeValue(key)}`;
    if (typeof key === 'string' && issue.input === undefined && issue.expected === `"${key}"`) {
      const schema = entries[key];
      return `expected ${(schema && expectations.get(schema)) ?? 'a value'}, got nothing`;
    }
    return `expected ${what}, got ${describeValue(issue.input)}`;
  };
  return described(v.strictObject(entries, message), what);
}

/** `strict`, refusing arrays too (valibot takes any object for an object). */
function record<const E extends v.ObjectEntries>(what: string, entries: E) {
  return described(v.pipe(v.custom<unknown>(isPlainObject, expecting(what)), strict(what, entries)), what);
}

function list<const T extends v.BaseSchema<unknown, unknown, v.BaseIssue<unknown>>>(what: string, item: T) {
  return described(v.array(item, expecting(what)), what);
}

function oneOf<const T extends readonly string[]>(what: string, options: T) {
  const expected = `${what}${what ? ' ' : ''}one of ${quoteList(options)}`;
  return described(v.picklist(options, expecting(expected)), expected);
}

const jsonObject = described(
  v.custom<JsonObject>(isPlainObject, expecting('a JSON object')),
  'a JSON object',
);

// ---------------------------------------------------------------------------------------------------------
// The parts of a scenario.

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
const hazardList = list('a list of hazards', hazard);

const offsetMs = wholeNumber(-MAX_OFFSET_MS, MAX_OFFSET_MS, 'ms, within a day either way');
const clockRate = decimal(0.5, 2, '1 is exact, 1.001 runs 1 ms fast per second');
const failureRate = decimal(0, 1, 'the chance that one attempt fails');
const jobDuration = wholeNumber(0, DAY, 'ms');
const thresholdMs = wholeNumber(0, DAY, 'ms');

const misfireKinds = ['skip', 'fireOnce', 'backfill'] as const;
const misfirePolicy = described(
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

function isTimeZone(zone: string): boolean {
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

const coordinatorSettings = record('an object of coordinator settings', {
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
const databaseSettings = record('an object of database settings', {
  skewMs: v.optional(offsetMs),
  busyTimeoutMs: v.optional(wholeNumber(0, HOUR, 'ms')),
  latencyMs: v.optional(record('an object { "min": ms, "max": ms }', { min: latency, max: latency })),
});

const cronText = described(v.string(expecting('a cron expression')), 'a cron expression');

const schedule = record('a schedule object', {
  cron: cronText,
  params: v.optional(jsonObject),
  misfire: v.optional(misfirePolicy),
});

const jobModel = record('a job object', {
  name: id('a job name'),
  durationMs: v.optional(jobDuration),
  failureRate: v.optional(failureRate),
  maxAttempts: v.optional(wholeNumber(1, 1_000)),
  timeoutMs: v.optional(wholeNumber(1, DAY, 'ms')),
  schedules: v.optional(list('a list of schedules', schedule)),
});

const serverSpec = record('a server object', {
  id: id('a server id'),
  withoutJobs: v.optional(flag()),
  offsetMs: v.optional(offsetMs),
  rate: v.optional(clockRate),
});

const atMs = wholeNumber(0, MAX_DURATION_MS, 'ms of virtual time');
const serverRef = described(v.string(expecting('a server id')), 'a server id');
const jobRef = described(v.string(expecting('a job name')), 'a job name');

const serverAction = <const T extends string>(type: T) =>
  strict(`a "${type}" action`, { atMs, type: v.literal(type), server: serverRef });

const actionOptions = [
  strict('an "addServer" action', { atMs, type: v.literal('addServer'), server: serverSpec }),
  serverAction('crash'),
  strict('a "stop" action', {
    atMs,
    type: v.literal('stop'),
    server: serverRef,
    graceMs: v.optional(wholeNumber(0, DAY, 'ms')),
  }),
  serverAction('restart'),
  serverAction('pause'),
  serverAction('resume'),
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
  strict('a "setHazards" action', {
    atMs,
    type: v.literal('setHazards'),
    hazards: hazardList,
    servers: v.optional(list('a list of server ids', serverRef)),
  }),
] as const;

export const ACTION_TYPES = actionOptions.map((option) => option.entries.type.literal);

const action = described(
  v.pipe(
    v.custom<unknown>(isPlainObject, expecting('an action object')),
    v.variant('type', actionOptions, expecting(`one of ${quoteList(ACTION_TYPES)}`)),
  ),
  'an action object',
);

const scenarioSchema = record('a scenario object', {
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
  seed: wholeNumber(SEED_MIN, SEED_MAX),
  durationMs: wholeNumber(1, MAX_DURATION_MS, 'ms, at most 7 days'),
  mode: v.optional(oneOf('', ['distributed', 'single'])),
  coordinator: v.optional(coordinatorSettings),
  hazards: v.optional(hazardList),
  database: v.optional(databaseSettings),
  jobs: list('a list of jobs', jobModel),
  servers: list('a list of servers', serverSpec),
  actions: list('a list of actions', action),
});

// The schema and the contract in scenario.ts must describe the same thing.
type Parsed = v.InferOutput<typeof scenarioSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesContract: Same<Parsed, Scenario> = true;
void schemaMatchesContract;

// ---------------------------------------------------------------------------------------------------------
// Paths.

function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out;
}

function problemOf(issue: v.BaseIssue<unknown>): ScenarioProblem {
  const keys = (issue.path ?? []).map((item) => item.key as string | number);
  // An unknown key is a problem of the object that holds it.
  if (issue.expected === 'never') keys.pop();
  return { path: formatPath(keys) || 'scenario', message: issue.message };
}

// ---------------------------------------------------------------------------------------------------------
// Cross-checks: what refers to what. They read the raw input and skip whatever the shape check refused.

type Loose = Record<string, unknown>;
const objectsIn = (value: unknown): [Loose, number][] =>
  Array.isArray(value)
    ? value.flatMap((item, index): [Loose, number][] => (isPlainObject(item) ? [[item, index]] : []))
    : [];
const isWhole = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

function cronProblem(cron: string, timezone: string): string | undefined {
  try {
    new CronExpression(cron, timezone);
    return undefined;
  } catch (error) {
    return `invalid cron expression ${JSON.stringify(cron)}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function scheduleKey(cron: string, params: unknown): string {
  return `${cron}|${JSON.stringify(params ?? {})}`;
}

/** The actions whose only reference is `server`. */
const SERVER_ACTIONS = new Set(['crash', 'stop', 'restart', 'pause', 'resume', 'cutOff', 'heal']);

class CrossCheck {
  readonly problems: ScenarioProblem[] = [];
  private readonly timezone: string;
  private readonly acceptBadCron: boolean;
  private readonly jobs = new Map<string, string>();
  /** Schedules per job name, to catch an addSchedule the engine would refuse as a duplicate. */
  private readonly schedules = new Map<string, Map<string, string>>();

  constructor(private readonly input: Loose) {
    const coordinator = isPlainObject(input.coordinator) ? input.coordinator : {};
    const zone = coordinator.timezone;
    this.timezone = typeof zone === 'string' && isTimeZone(zone) ? zone : 'UTC';
    const hazards = Array.isArray(input.hazards) ? input.hazards : [];
    // Hazard H13 is about invalid crontabs: with it on from the start, they are the point of the scenario.
    this.acceptBadCron = hazards.includes('crashOnBadCrontab') || hazards.includes('H13');
  }

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  run(): ScenarioProblem[] {
    this.checkCoordinator();
    this.checkDatabase();
    this.checkJobs();
    this.checkActions(this.checkServers());
    return this.problems;
  }

  private checkCoordinator(): void {
    const coordinator = this.input.coordinator;
    if (!isPlainObject(coordinator)) return;
    const heartbeat = coordinator.heartbeatIntervalMs;
    const timeout = coordinator.leadershipTimeoutMs;
    if (!isWhole(heartbeat) && !isWhole(timeout)) return;
    const beat = isWhole(heartbeat) ? heartbeat : DISTRIBUTED_DEFAULTS.heartbeatIntervalMs;
    const lease = isWhole(timeout) ? timeout : DISTRIBUTED_DEFAULTS.leadershipTimeoutMs;
    if (lease > beat) return;
    const beatText = isWhole(heartbeat) ? `${beat}` : `${beat}, the default`;
    const path = isWhole(timeout) ? 'coordinator.leadershipTimeoutMs' : 'coordinator.heartbeatIntervalMs';
    const message = isWhole(timeout)
      ? `expected more than heartbeatIntervalMs (${beatText}), got ${lease}: a live leader would lose its lease between heartbeats`
      : `expected less than leadershipTimeoutMs (${lease}, the default), got ${beat}: a live leader would lose its lease between heartbeats`;
    this.add(path, message);
  }

  private checkDatabase(): void {
    const database = this.input.database;
    const latency = isPlainObject(database) ? database.latencyMs : undefined;
    if (!isPlainObject(latency) || !isWhole(latency.min) || !isWhole(latency.max)) return;
    if (latency.min > latency.max) {
      this.add('database.latencyMs.max', `expected a number >= min (${latency.min}), got ${latency.max}`);
    }
  }

  private checkJobs(): void {
    for (const [job, index] of objectsIn(this.input.jobs)) {
      const path = `jobs[${index}]`;
      if (typeof job.name !== 'string' || !ID_PATTERN.test(job.name)) continue;
      const first = this.jobs.get(job.name);
      if (first !== undefined) {
        this.add(
          `${path}.name`,
          `expected a job name not used before, got "${job.name}", which ${first} has`,
        );
        continue;
      }
      this.jobs.set(job.name, path);
      const keys = new Map<string, string>();
      this.schedules.set(job.name, keys);
      for (const [schedule, at] of objectsIn(job.schedules)) {
        this.checkSchedule(schedule, `${path}.schedules[${at}]`);
        if (typeof schedule.cron === 'string')
          keys.set(scheduleKey(schedule.cron, schedule.params), `${path}.schedules[${at}]`);
      }
    }
  }

  private checkSchedule(schedule: Loose, path: string): void {
    if (typeof schedule.cron === 'string' && !this.acceptBadCron) {
      const problem = cronProblem(schedule.cron, this.timezone);
      if (problem) this.add(`${path}.cron`, problem);
    }
    if (isPlainObject(schedule.params)) this.checkParams(schedule.params, `${path}.params`);
  }

  private checkParams(params: Loose, path: string): void {
    const found = findNonJson(params, path);
    if (found) this.add(found.path, `expected plain JSON, got ${found.reason}`);
  }

  /** Server ids from the start; returns them, in the order listed. */
  private checkServers(): Map<string, string> {
    const servers = new Map<string, string>();
    for (const [server, index] of objectsIn(this.input.servers)) {
      if (typeof server.id !== 'string' || !ID_PATTERN.test(server.id)) continue;
      const first = servers.get(server.id);
      if (first !== undefined) {
        this.add(
          `servers[${index}].id`,
          `expected a server id not used before, got "${server.id}", which ${first} has`,
        );
      } else {
        servers.set(server.id, `servers[${index}]`);
      }
    }
    return servers;
  }

  /** Walks the actions in time order (equal times in file order), as the engine applies them. */
  private checkActions(servers: Map<string, string>): void {
    const actions = objectsIn(this.input.actions);
    const duration = isWhole(this.input.durationMs) ? this.input.durationMs : undefined;
    const validDuration = duration !== undefined && duration >= 1 && duration <= MAX_DURATION_MS;
    const laterServers = new Map<string, string>();
    for (const [action, index] of actions) {
      const spec = action.server;
      if (action.type === 'addServer' && isPlainObject(spec) && typeof spec.id === 'string') {
        if (!laterServers.has(spec.id)) laterServers.set(spec.id, `actions[${index}]`);
      }
    }
    const timeOf = (action: Loose) => (isWhole(action.atMs) ? action.atMs : Number.POSITIVE_INFINITY);
    const ordered = actions
      .map((entry, position) => ({ entry, position }))
      .sort((a, b) => timeOf(a.entry[0]) - timeOf(b.entry[0]) || a.position - b.position)
      .map(({ entry }) => entry);
    for (const [action, index] of ordered) {
      const path = `actions[${index}]`;
      if (isWhole(action.atMs) && validDuration && action.atMs > duration && action.atMs <= MAX_DURATION_MS) {
        this.add(
          `${path}.atMs`,
          `expected a whole number from 0 to ${duration} (durationMs), got ${action.atMs}`,
        );
      }
      this.checkAction(action, path, servers, laterServers);
    }
  }

  private checkAction(action: Loose, path: string, servers: Map<string, string>, later: Map<string, string>) {
    const serverRef = (value: unknown, at: string) => {
      // With no list of servers to go by, every reference would be reported: the list's own problem is enough.
      if (!Array.isArray(this.input.servers)) return;
      if (typeof value !== 'string' || servers.has(value)) return;
      const ids = [...servers.keys()];
      const known = ids.length
        ? `one of the server ids ${ids.join(', ')}`
        : 'a server id (there are none yet)';
      const addedLater = later.get(value);
      const note = addedLater ? ` (that server is added only later, by ${addedLater})` : '';
      this.add(at, `expected ${known}, got ${describeValue(value)}${note}`);
    };
    switch (action.type) {
      case 'addServer': {
        const spec = action.server;
        if (!isPlainObject(spec) || typeof spec.id !== 'string' || !ID_PATTERN.test(spec.id)) return;
        const first = servers.get(spec.id);
        if (first !== undefined) {
          this.add(
            `${path}.server.id`,
            `expected a server id not used before, got "${spec.id}", which ${first} has`,
          );
        } else {
          servers.set(spec.id, path);
        }
        return;
      }
      case 'setHazards':
        if (Array.isArray(action.servers))
          action.servers.forEach((id, at) => serverRef(id, `${path}.servers[${at}]`));
        return;
      case 'setDatabaseSkew':
        return;
      case 'setJob':
        this.jobRef(action.job, `${path}.job`);
        if (action.durationMs === undefined && action.failureRate === undefined) {
          this.add(path, 'expected durationMs or failureRate to change, got neither');
        }
        return;
      case 'addSchedule':
        this.checkAddSchedule(action, path);
        return;
      case 'enqueue':
        serverRef(action.server, `${path}.server`);
        this.jobRef(action.job, `${path}.job`);
        if (isPlainObject(action.params)) this.checkParams(action.params, `${path}.params`);
        return;
      case 'setClock':
        serverRef(action.server, `${path}.server`);
        if (action.offsetMs === undefined && action.rate === undefined) {
          this.add(path, 'expected offsetMs or rate to change, got neither');
        }
        return;
      default:
        if (SERVER_ACTIONS.has(action.type as string)) serverRef(action.server, `${path}.server`);
    }
  }

  private jobRef(value: unknown, path: string): boolean {
    if (typeof value !== 'string' || !Array.isArray(this.input.jobs)) return false;
    if (this.jobs.has(value)) return true;
    const names = [...this.jobs.keys()];
    const known = names.length
      ? `one of the job names ${names.join(', ')}`
      : 'a job defined in jobs (there are none)';
    this.add(path, `expected ${known}, got ${describeValue(value)}`);
    return false;
  }

  private checkAddSchedule(action: Loose, path: string): void {
    const known = this.jobRef(action.job, `${path}.job`);
    this.checkSchedule(action, path);
    if (!known || typeof action.cron !== 'string') return;
    const keys = this.schedules.get(action.job as string)!;
    const key = scheduleKey(action.cron, action.params);
    const first = keys.get(key);
    if (first !== undefined) {
      this.add(
        path,
        `expected a schedule that job "${String(action.job)}" does not have yet, got the one ${first} has`,
      );
    } else {
      keys.set(key, path);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The API.

/** Checks a scenario and returns it as written (no defaults filled in), or throws a ScenarioError. */
export function parseScenario(input: unknown, source?: string): Scenario {
  const result = v.safeParse(scenarioSchema, input);
  const problems = (result.issues ?? []).map(problemOf);
  if (isPlainObject(input)) {
    const refused = problems.map((problem) => problem.path);
    const covered = (path: string) =>
      refused.some((bad) => path === bad || path.startsWith(`${bad}.`) || path.startsWith(`${bad}[`));
    problems.push(...new CrossCheck(input).run().filter((problem) => !covered(problem.path)));
  }
  if (problems.length > 0 || !result.success) throw new ScenarioError(inFileOrder(problems), source);
  return result.output;
}

/** Problems sorted by where they are in the file: top-level key, then item; stable otherwise. */
function inFileOrder(problems: ScenarioProblem[]): ScenarioProblem[] {
  const rank = (path: string): [number, number] => {
    const top = /^(\w+)(?:\[(\d+)\])?/.exec(path);
    const at = top ? (KEY_ORDER.scenario as readonly string[]).indexOf(top[1]!) : -1;
    return [at < 0 ? -1 : at, top?.[2] === undefined ? -1 : Number(top[2])];
  };
  return problems
    .map((problem, position) => ({ problem, position, rank: rank(problem.path) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.position - b.position)
    .map(({ problem }) => problem);
}

/** Parses scenario JSON text; syntax errors name the source and the line and column. */
export function parseScenarioJson(text: string, source?: string): Scenario {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const { line, column } = lineAndColumn(body, syntaxErrorPosition(body, reason));
    throw new ScenarioError(
      [{ path: `line ${line}, column ${column}`, message: `invalid JSON: ${cleanJsonReason(reason)}` }],
      source,
    );
  }
  return parseScenario(value, source);
}

/**
 * Where JSON.parse gave up. V8 says so for most errors ("at position 12") but not for an unexpected token,
 * so for those the shortest prefix that fails for another reason than its end is found by bisection.
 */
function syntaxErrorPosition(text: string, reason: string): number {
  const stated = /at position (\d+)/.exec(reason);
  if (stated) return Number(stated[1]);
  const failsInside = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      return !(error instanceof Error && /end of JSON input/.test(error.message));
    }
  };
  if (!failsInside(text.length)) return text.length;
  let low = 0;
  let high = text.length;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (failsInside(middle)) high = middle;
    else low = middle;
  }
  return high - 1;
}

function cleanJsonReason(reason: string): string {
  return reason
    .replace(/ at position \d+.*$/s, '')
    .replace(/ in JSON$/, '')
    .replace(/, ".*" is not valid JSON$/s, '')
    .trim();
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, position));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

// ---------------------------------------------------------------------------------------------------------
// Printing a scenario as a clean file.

const KEY_ORDER = {
  scenario: [
    'version',
    'name',
    'description',
    'seed',
    'durationMs',
    'mode',
    'coordinator',
    'hazards',
    'database',
    'jobs',
    'servers',
    'actions',
  ],
  coordinator: [
    'heartbeatIntervalMs',
    'leadershipTimeoutMs',
    'claimLeaseMs',
    'pollIntervalMs',
    'concurrency',
    'stopGraceMs',
    'maxAttempts',
    'misfire',
    'timezone',
  ],
  misfire: ['kind', 'limit', 'thresholdMs'],
  database: ['skewMs', 'busyTimeoutMs', 'latencyMs'],
  latency: ['min', 'max'],
  job: ['name', 'durationMs', 'failureRate', 'maxAttempts', 'timeoutMs', 'schedules'],
  schedule: ['cron', 'params', 'misfire'],
  server: ['id', 'withoutJobs', 'offsetMs', 'rate'],
  action: [
    'atMs',
    'type',
    'server',
    'job',
    'count',
    'graceMs',
    'offsetMs',
    'rate',
    'skewMs',
    'durationMs',
    'failureRate',
    'cron',
    'params',
    'hazards',
    'servers',
  ],
} as const;

/** A copy with keys in `order` first, then any others as they were; undefined values left out. */
function ordered(value: unknown, order: readonly string[]): Loose {
  const source = value as Loose;
  const out: Loose = {};
  for (const key of [...order, ...Object.keys(source).filter((key) => !order.includes(key))]) {
    if (source[key] !== undefined) out[key] = source[key];
  }
  return out;
}

function canonical(scenario: Scenario): Loose {
  const misfire = (policy: unknown) =>
    policy === undefined ? undefined : ordered(policy, KEY_ORDER.misfire);
  const schedule = (s: unknown) => ({
    ...ordered(s, KEY_ORDER.schedule),
    ...((s as Loose).misfire !== undefined && { misfire: misfire((s as Loose).misfire) }),
  });
  const job = (j: Scenario['jobs'][number]) =>
    ordered({ ...j, schedules: j.schedules?.map(schedule) }, KEY_ORDER.job);
  const server = (s: unknown) => ordered(s, KEY_ORDER.server);
  const action = (a: Scenario['actions'][number]) =>
    ordered(a.type === 'addServer' ? { ...a, server: server(a.server) } : a, KEY_ORDER.action);
  const actions = scenario.actions
    .map((a, position) => ({ a, position }))
    .sort((x, y) => x.a.atMs - y.a.atMs || x.position - y.position)
    .map(({ a }) => action(a));
  const { coordinator, database } = scenario;
  return ordered(
    {
      ...scenario,
      coordinator:
        coordinator &&
        ordered({ ...coordinator, misfire: misfire(coordinator.misfire) }, KEY_ORDER.coordinator),
      database:
        database &&
        ordered(
          { ...database, latencyMs: database.latencyMs && ordered(database.latencyMs, KEY_ORDER.latency) },
          KEY_ORDER.database,
        ),
      jobs: scenario.jobs.map(job),
      servers: scenario.servers.map(server),
      actions,
    },
    KEY_ORDER.scenario,
  );
}

const PRINT_WIDTH = 110;

/**
 * Prints JSON the way prettier formats a JSON file (2 spaces, width 110), so that a printed scenario is
 * already clean. An object is spread over lines when asked (the top level, its settings objects) or when it
 * does not fit on the rest of its line (`column` where it starts, `tail` characters after it); an array when
 * it does not fit, or when prettier would always break it.
 */
function printJson(
  value: unknown,
  indent: string,
  column: number,
  tail: number,
  spread: boolean,
  spreadKeys?: ReadonlySet<string>,
): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const flat = flatJson(value);
  const fits = column + flat.length + tail <= PRINT_WIDTH;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (!mustBreakArray(value) && fits) return flat;
    const last = value.length - 1;
    const items = value.map(
      (item, index) => inner + printJson(item, inner, inner.length, index < last ? 1 : 0, false),
    );
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return '{}';
  if (!spread && fits) return flat;
  const last = entries.length - 1;
  const lines = entries.map(([key, item], index) => {
    const head = `${JSON.stringify(key)}: `;
    const comma = index < last ? 1 : 0;
    const spreadItem = spreadKeys?.has(key) ?? false;
    return inner + head + printJson(item, inner, inner.length + head.length, comma, spreadItem);
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

/** Prettier always breaks an array of several objects (or arrays) that each have more than one member. */
function mustBreakArray(items: unknown[]): boolean {
  if (items.length < 2) return false;
  const first = items[0];
  return items.every((item) => {
    if (Array.isArray(item)) return Array.isArray(first) && item.length > 1;
    return isPlainObject(item) && isPlainObject(first) && Object.keys(item).length > 1;
  });
}

function flatJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(flatJson).join(', ')}]`;
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([key, item]) => `${JSON.stringify(key)}: ${flatJson(item)}`).join(', ')} }`;
}

/**
 * The scenario as a clean file: keys in a fixed order, actions sorted by time (equal times keep their
 * order), 2-space JSON with one job, server or action per line where it fits, and a final newline.
 */
export function serializeScenario(scenario: Scenario): string {
  return `${printJson(canonical(scenario), '', 0, 0, true, new Set(['coordinator', 'database']))}\n`;
}
