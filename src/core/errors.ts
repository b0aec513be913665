import { quoteCron } from './cron.js';

/**
 * Errors the coordinator raises on purpose. Each says what was wrong and where, so that a bad job
 * definition or a bad enqueue fails at the call site with a message a person can act on.
 */

/** A job definition that cannot work: a bad name, a missing `run`, bad options. */
export class JobDefinitionError extends Error {
  override name = 'JobDefinitionError';
}

/** A cron expression that croner refuses. Raised when the job is defined, never inside a loop. */
export class InvalidCronError extends JobDefinitionError {
  override name = 'InvalidCronError';
  constructor(
    readonly jobName: string,
    readonly cron: string,
    reason: string,
  ) {
    // Quoted cut short: an expression of megabytes must not make a message of megabytes.
    super(`job "${jobName}": invalid cron expression ${quoteCron(cron)}: ${reason}`);
  }
}

/** Params that are not plain JSON (functions, dates, NaN, cycles, undefined ...). */
export class InvalidParamsError extends Error {
  override name = 'InvalidParamsError';
  constructor(
    readonly jobName: string,
    readonly path: string,
    reason: string,
  ) {
    super(`job "${jobName}": params are not plain JSON at ${path}: ${reason}`);
  }
}

/** Enqueueing or running a job name that no definition declares. */
export class UnknownJobError extends Error {
  override name = 'UnknownJobError';
  constructor(
    readonly jobName: string,
    known: readonly string[],
  ) {
    super(`unknown job "${jobName}"; defined jobs: ${known.length ? known.join(', ') : '(none)'}`);
  }
}

/** An option outside its allowed range, named with its path. */
export class InvalidOptionError extends Error {
  override name = 'InvalidOptionError';
}

/** A job attempt that ran past its timeout. Counts as a failed attempt. */
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
  constructor(
    readonly jobName: string,
    readonly timeoutMs: number,
  ) {
    super(`job "${jobName}" did not settle within ${timeoutMs} ms`);
  }
}

/** Turns anything thrown into a short message for events and the dead-letter column. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `non-error thrown: ${JSON.stringify(error)}`;
  } catch {
    return `non-error thrown: ${String(error)}`;
  }
}
