import { CronExpression } from './cron.js';
import { DEFAULT_BACKOFF, validateBackoff, type BackoffPolicy } from './backoff.js';
import {
  InvalidCronError,
  InvalidOptionError,
  InvalidParamsError,
  JobDefinitionError,
  UnknownJobError,
} from './errors.js';
import { findNonJson, type JsonObject } from './json.js';
import { DEFAULT_MISFIRE_POLICY, validateMisfirePolicy, type MisfirePolicy } from './misfire.js';
import { scheduleKey } from './scheduleKey.js';

/** What a running job sees besides its params. */
export interface JobContext {
  readonly jobId: string;
  readonly jobName: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The server running it. */
  readonly serverId: string;
  /** The cron tick that produced this job, on the scheduler's clock, if it came from a schedule. */
  readonly tickAt: number | undefined;
  /** This server's clock. */
  now(): number;
  /** Waits on this server's clock; resolves early when the attempt is cancelled. */
  sleep(ms: number): Promise<void>;
  /** Enqueues another job through the same coordinator. */
  enqueue(name: string, params?: JsonObject): Promise<string>;
  /**
   * True once this attempt no longer counts: it timed out, its claim was lost to another server, or the
   * server is stopping past its grace period. A long job should check it and return.
   */
  readonly cancelled: boolean;
}

export interface CronScheduleDefinition {
  /** 5 fields, or 6 with seconds first; evaluated in the coordinator's time zone. */
  cron: string;
  params?: JsonObject | undefined;
  /** Overrides the coordinator's misfire policy for this schedule. */
  misfire?: MisfirePolicy | undefined;
}

export interface JobDefinition {
  name: string;
  run(params: JsonObject, context: JobContext): unknown;
  schedules?: readonly CronScheduleDefinition[] | undefined;
  /** Attempts before the job is kept as dead. Default 5. */
  maxAttempts?: number | undefined;
  /** An attempt that has not settled by then counts as failed. Default 60 s. */
  timeoutMs?: number | undefined;
  backoff?: Partial<BackoffPolicy> | undefined;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_JOB_TIMEOUT_MS = 60_000;
const JOB_NAME = /^[A-Za-z_][\w.:-]{0,99}$/;

/** A schedule ready to evaluate: compiled cron (or the reason it failed, under hazard H13). */
export interface CompiledSchedule {
  /** Stable identity of (job, cron, params): the key of its tick records. */
  readonly key: string;
  readonly jobName: string;
  readonly cron: string;
  readonly params: JsonObject;
  readonly misfire: MisfirePolicy;
  /** Throws the croner error for an invalid expression accepted under hazard H13. */
  compiled(): CronExpression;
}

export interface CompiledJob {
  readonly name: string;
  readonly run: JobDefinition['run'];
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly backoff: BackoffPolicy;
}

/**
 * Checks a job definition where it is written, so that mistakes surface at definition time, not inside
 * the scheduler loop. Returns the definition unchanged.
 */
export function defineJob<T extends JobDefinition>(definition: T): T {
  checkDefinition(definition, { timezone: 'UTC', acceptBadCron: false });
  return definition;
}

function checkDefinition(definition: JobDefinition, options: { timezone: string; acceptBadCron: boolean }) {
  if (!definition || typeof definition !== 'object')
    throw new JobDefinitionError('a job definition must be an object');
  const { name } = definition;
  if (typeof name !== 'string' || !JOB_NAME.test(name)) {
    throw new JobDefinitionError(
      `job name ${JSON.stringify(name)}: expected 1-100 characters of letters, digits, _ . : -, starting with a letter or _`,
    );
  }
  if (typeof definition.run !== 'function')
    throw new JobDefinitionError(`job "${name}": run must be a function`);
  const positiveInteger = (value: unknown, key: string) => {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) {
      throw new InvalidOptionError(
        `job "${name}": ${key}: expected a whole number >= 1, got ${String(value)}`,
      );
    }
  };
  positiveInteger(definition.maxAttempts, 'maxAttempts');
  positiveInteger(definition.timeoutMs, 'timeoutMs');
  if (definition.backoff)
    validateBackoff({ ...DEFAULT_BACKOFF, ...definition.backoff }, `job "${name}": backoff`);
  const schedules = definition.schedules ?? [];
  if (!Array.isArray(schedules)) throw new JobDefinitionError(`job "${name}": schedules must be an array`);
  schedules.forEach((schedule, index) => {
    const where = `job "${name}": schedules[${index}]`;
    if (typeof schedule?.cron !== 'string') throw new JobDefinitionError(`${where}.cron: expected a string`);
    if (!options.acceptBadCron) compileCron(name, schedule.cron, options.timezone);
    checkParams(name, schedule.params ?? {}, `schedules[${index}].params`);
    if (schedule.misfire) validateMisfirePolicy(schedule.misfire, `${where}.misfire`);
  });
}

function compileCron(jobName: string, cron: string, timezone: string): CronExpression {
  try {
    return new CronExpression(cron, timezone);
  } catch (error) {
    throw new InvalidCronError(jobName, cron, error instanceof Error ? error.message : String(error));
  }
}

/** Throws InvalidParamsError unless `params` is a plain JSON object. */
export function checkParams(jobName: string, params: unknown, path = 'params'): asserts params is JsonObject {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new InvalidParamsError(jobName, path, 'expected a plain object');
  }
  const found = findNonJson(params, path);
  if (found) throw new InvalidParamsError(jobName, found.path, found.reason);
}

/** The jobs one application defines, validated and compiled once. */
export class JobRegistry {
  private readonly jobs = new Map<string, CompiledJob>();
  private readonly compiledSchedules: CompiledSchedule[] = [];
  private readonly timezone: string;
  private readonly acceptBadCron: boolean;
  private readonly defaultMisfire: MisfirePolicy;

  constructor(
    definitions: readonly JobDefinition[],
    options: {
      timezone?: string | undefined;
      misfire?: MisfirePolicy | undefined;
      /** Hazard H13: keep invalid cron expressions and fail when the scheduler evaluates them. */
      acceptBadCron?: boolean | undefined;
      maxAttempts?: number | undefined;
      backoff?: Partial<BackoffPolicy> | undefined;
    } = {},
  ) {
    const timezone = (this.timezone = options.timezone ?? 'UTC');
    const acceptBadCron = (this.acceptBadCron = options.acceptBadCron ?? false);
    this.defaultMisfire = validateMisfirePolicy(options.misfire ?? DEFAULT_MISFIRE_POLICY, 'misfire');
    const defaultBackoff = validateBackoff({ ...DEFAULT_BACKOFF, ...options.backoff }, 'backoff');
    if (!Array.isArray(definitions)) throw new JobDefinitionError('jobs must be an array of job definitions');
    for (const definition of definitions) {
      checkDefinition(definition, { timezone, acceptBadCron });
      if (this.jobs.has(definition.name))
        throw new JobDefinitionError(`job "${definition.name}" is defined twice`);
      this.jobs.set(definition.name, {
        name: definition.name,
        run: definition.run,
        maxAttempts: definition.maxAttempts ?? options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        timeoutMs: definition.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS,
        backoff: { ...defaultBackoff, ...definition.backoff },
      });
      for (const schedule of definition.schedules ?? []) this.compile(definition.name, schedule);
    }
  }

  /** Every schedule, those added while running included. The ledgers read this same array on each look. */
  get schedules(): readonly CompiledSchedule[] {
    return this.compiledSchedules;
  }

  /** Adds a schedule to a defined job, checked as at definition. Returns its key. */
  addSchedule(jobName: string, schedule: CronScheduleDefinition): string {
    this.get(jobName);
    checkDefinition(
      { name: jobName, run: () => {}, schedules: [schedule] },
      { timezone: this.timezone, acceptBadCron: this.acceptBadCron },
    );
    const key = scheduleKey(jobName, schedule.cron, schedule.params);
    if (this.compiledSchedules.some((existing) => existing.key === key)) {
      throw new JobDefinitionError(
        `job "${jobName}" already has the schedule "${schedule.cron}" with these params`,
      );
    }
    this.compile(jobName, schedule);
    return key;
  }

  private compile(jobName: string, schedule: CronScheduleDefinition): void {
    const params = schedule.params ?? {};
    let compiled: CronExpression | undefined;
    this.compiledSchedules.push({
      key: scheduleKey(jobName, schedule.cron, schedule.params),
      jobName,
      cron: schedule.cron,
      params,
      misfire: schedule.misfire ?? this.defaultMisfire,
      compiled: () => (compiled ??= new CronExpression(schedule.cron, this.timezone)),
    });
  }

  get(name: string): CompiledJob {
    const job = this.jobs.get(name);
    if (!job) throw new UnknownJobError(name, this.names());
    return job;
  }

  has(name: string): boolean {
    return this.jobs.has(name);
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }

  /** Validates an enqueue request at the call site: the job exists and its params are plain JSON. */
  checkEnqueue(name: string, params: unknown): asserts params is JsonObject {
    this.get(name);
    checkParams(name, params);
  }
}
