import { CronExpression, quoteCron } from '../../core/cron.js';
import { DISTRIBUTED_DEFAULTS } from '../../core/distributed/defaults.js';
import { findNonJson, type JsonObject } from '../../core/json.js';
import { scheduleKey } from '../../core/scheduleKey.js';
import {
  ID_PATTERN,
  MAX_CRON_CHARS,
  MAX_DURATION_MS,
  MAX_ENQUEUE_COUNT,
  MAX_PARAMS_CHARS,
  MAX_PARAMS_DEPTH,
  MAX_PROBLEMS_KEPT,
  MAX_SERVERS,
  MAX_TOTAL_JOBS,
  MAX_TOTAL_PARAMS_CHARS,
} from '../limits.js';
import { isServerTarget, SERVER_TARGETS, TARGETED_ACTIONS } from '../targets.js';
import { eventBudgetProblem } from './caps.js';
import { describeValue, isPlainObject } from './messages.js';
import type { ScenarioProblem } from './problems.js';
import { isTimeZone } from './scenarioSchema.js';

/**
 * The second pass of checking a scenario: what refers to what (server ids, job names, times within the run,
 * cron expressions, duplicate schedules), in the terms the engine would refuse it. It reads the raw input,
 * since the shape check may have refused parts of it, and skips whatever is not the expected shape: that is
 * the shape check's problem to report.
 */

type Loose = Record<string, unknown>;
const objectsIn = (value: unknown): [Loose, number][] =>
  Array.isArray(value)
    ? value.flatMap((item, index): [Loose, number][] => (isPlainObject(item) ? [[item, index]] : []))
    : [];
const isWhole = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/**
 * The key core stores a schedule under, for the duplicate check: only for params that passed their caps
 * (checkSchedule says), since the key is their JSON text and JSON.stringify recurses (params nested 5,000
 * deep overflowed the stack here before the depth cap was reported, found by the fuzz suite).
 */
const keyOf = (job: string, cron: string, params: JsonObject | undefined) => scheduleKey(job, cron, params);

function cronProblem(cron: string, timezone: string): string | undefined {
  try {
    new CronExpression(cron, timezone);
    return undefined;
  } catch (error) {
    return `invalid cron expression ${quoteCron(cron)}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The actions whose only reference is `server`. */
const SERVER_ACTIONS = new Set(['crash', 'stop', 'restart', 'pause', 'resume', 'cutOff', 'heal']);

export interface CrossCheckOptions {
  /**
   * Check the event budget (servers x durationMs over the shortest interval; default true). The page
   * checks each action it takes against the longest duration, and plays only as long as it is played.
   */
  eventBudget?: boolean;
}

export class CrossCheck {
  /** The first MAX_PROBLEMS_KEPT problems; `omitted` counts the rest. */
  readonly problems: ScenarioProblem[] = [];
  omitted = 0;
  private readonly timezone: string;
  private readonly acceptBadCron: boolean;
  private readonly jobs = new Map<string, string>();
  /** Where each schedule is defined, by the key core stores it under: an addSchedule of one is refused. */
  private readonly schedules = new Map<string, string>();

  /** What the scenario costs so far, in the order the engine applies the actions (see limits.ts). */
  private serverCount = 0;
  private jobCount = 0;
  private paramsChars = 0;

  constructor(
    private readonly input: Loose,
    private readonly options: CrossCheckOptions = {},
  ) {
    const coordinator = isPlainObject(input.coordinator) ? input.coordinator : {};
    const zone = coordinator.timezone;
    this.timezone = typeof zone === 'string' && isTimeZone(zone) ? zone : 'UTC';
    const hazards = Array.isArray(input.hazards) ? input.hazards : [];
    // Hazard H13 is about invalid crontabs: with it on from the start, they are the point of the scenario.
    this.acceptBadCron = hazards.includes('crashOnBadCrontab') || hazards.includes('H13');
  }

  add(path: string, message: string): void {
    if (this.problems.length < MAX_PROBLEMS_KEPT) this.problems.push({ path, message });
    else this.omitted++;
  }

  run(): ScenarioProblem[] {
    this.checkCoordinator();
    this.checkDatabase();
    this.checkJobs();
    this.checkActions(this.checkServers());
    this.checkPlaygroundParts();
    if (this.options.eventBudget ?? true) {
      const overBudget = eventBudgetProblem(this.input, this.timezone);
      if (overBudget) this.add(overBudget.path, overBudget.message);
    }
    return this.problems;
  }

  /**
   * The parts only the page reads (`lesson`, each `watch` item's `when`) are free JSON here: they get the
   * params' depth cap, so that printing or walking them cannot overflow the stack (found by the link fuzz:
   * a `when` nested 10,000 deep was accepted, then crashed the printer).
   */
  private checkPlaygroundParts(): void {
    const free: [unknown, string][] = [[this.input.lesson, 'lesson']];
    const watch = this.input.watch;
    if (Array.isArray(watch))
      watch.forEach((item: unknown, i) => {
        if (isPlainObject(item)) free.push([item.when, `watch[${i}].when`]);
      });
    for (const [value, path] of free) {
      if (!isPlainObject(value)) continue;
      const found = findNonJson(value, path, MAX_PARAMS_DEPTH);
      if (found) this.add(found.path, `expected plain JSON, got ${found.reason}`);
    }
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
      for (const [schedule, at] of objectsIn(job.schedules)) {
        const checked = this.checkSchedule(schedule, `${path}.schedules[${at}]`);
        if (checked)
          this.schedules.set(keyOf(job.name, checked.cron, checked.params), `${path}.schedules[${at}]`);
      }
    }
  }

  /**
   * A schedule's cron and params (a job's, or an addSchedule's), with the caps an enqueue's params get.
   * Returns them when they may be keyed for the duplicate check: a string cron within its cap and params
   * that are absent or a plain object within theirs; anything else is reported here or by the shape check.
   */
  private checkSchedule(
    schedule: Loose,
    path: string,
  ): { cron: string; params: JsonObject | undefined } | undefined {
    // A cron past its cap is the shape check's to report, and is neither compiled nor keyed here.
    const cron =
      typeof schedule.cron === 'string' && schedule.cron.length <= MAX_CRON_CHARS ? schedule.cron : undefined;
    if (cron !== undefined && !this.acceptBadCron) {
      const problem = cronProblem(cron, this.timezone);
      if (problem) this.add(`${path}.cron`, problem);
    }
    const params = schedule.params;
    const keyable =
      params === undefined || (isPlainObject(params) && this.checkParams(params, `${path}.params`, 1));
    if (cron === undefined || !keyable) return undefined;
    return { cron, params: params as JsonObject | undefined };
  }

  /**
   * Plain JSON, within the depth and size caps; `copies` is how many jobs will hold it (an enqueue's
   * count), for the cap on all params together. Returns whether it is within the depth and size caps of
   * one params object (and so may be walked with recursion, as JSON.stringify does).
   */
  private checkParams(params: Loose, path: string, copies: number): boolean {
    const found = findNonJson(params, path, MAX_PARAMS_DEPTH);
    if (found) {
      this.add(found.path, `expected plain JSON, got ${found.reason}`);
      return false;
    }
    const chars = JSON.stringify(params).length;
    if (chars > MAX_PARAMS_CHARS) {
      this.add(path, `expected params of at most ${MAX_PARAMS_CHARS} characters as JSON, got ${chars}`);
      return false;
    }
    const before = this.paramsChars;
    this.paramsChars += chars * copies;
    if (before <= MAX_TOTAL_PARAMS_CHARS && this.paramsChars > MAX_TOTAL_PARAMS_CHARS) {
      this.add(
        path,
        `expected every job's params together to hold at most ${MAX_TOTAL_PARAMS_CHARS} characters as JSON, got ${this.paramsChars} with these (${chars} x ${copies} jobs)`,
      );
    }
    return true;
  }

  /** Server ids from the start; returns them, in the order listed. */
  private checkServers(): Map<string, string> {
    const servers = new Map<string, string>();
    this.serverCount = Array.isArray(this.input.servers) ? this.input.servers.length : 0;
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
    // A relative target (`@leader` ...) stands for a server id where an action names one server; the
    // conductor resolves it when the action happens (see ../targets.ts).
    const serverRef = (value: unknown, at: string, targets = true) => {
      if (typeof value === 'string' && value.startsWith('@')) return this.targetRef(value, at, targets);
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
        this.serverCount++;
        if (this.serverCount === MAX_SERVERS + 1) {
          this.add(
            path,
            `expected at most ${MAX_SERVERS} servers in all (servers and addServer actions; the page runs each in a Web Worker), this one is server number ${MAX_SERVERS + 1}`,
          );
        }
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
          action.servers.forEach((id, at) => serverRef(id, `${path}.servers[${at}]`, false));
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
        this.countJobs(action, path);
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

  /** A server reference written with `@`: one of the relative targets, and only where one may stand. */
  private targetRef(value: string, path: string, allowed: boolean): void {
    if (!allowed) {
      this.add(
        path,
        `expected a server id, got ${describeValue(value)}: a relative target names one server, in an action on one server (${[...TARGETED_ACTIONS].join(', ')})`,
      );
    } else if (!isServerTarget(value)) {
      this.add(
        path,
        `expected a server id or one of ${SERVER_TARGETS.join(', ')}, got ${describeValue(value)}`,
      );
    }
  }

  /** An enqueue's jobs and their params, against the caps on all of them together. */
  private countJobs(action: Loose, path: string): void {
    const count = action.count;
    const copies = isWhole(count) && count >= 1 && count <= MAX_ENQUEUE_COUNT ? count : 1;
    const before = this.jobCount;
    this.jobCount += copies;
    if (before <= MAX_TOTAL_JOBS && this.jobCount > MAX_TOTAL_JOBS) {
      this.add(
        action.count === undefined ? path : `${path}.count`,
        `expected the enqueue actions to add up to at most ${MAX_TOTAL_JOBS} jobs, got ${this.jobCount} with this one`,
      );
    }
    if (isPlainObject(action.params)) this.checkParams(action.params, `${path}.params`, copies);
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
    const checked = this.checkSchedule(action, path);
    if (!known || !checked) return;
    const key = keyOf(action.job as string, checked.cron, checked.params);
    const first = this.schedules.get(key);
    if (first !== undefined) {
      this.add(
        path,
        `expected a schedule that job "${String(action.job)}" does not have yet, got the one ${first} has`,
      );
    } else {
      this.schedules.set(key, path);
    }
  }
}
