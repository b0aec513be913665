import { cronGapMs, wakeupRate, wakeups } from '../scenario/validation/caps.js';
import type { Scenario } from '../scenario/types.js';

/**
 * Every run has a budget, so that no input makes it run on for hours: a number of trace entries
 * (deterministic: the same scenario and seed stop at the same entry) and, if its caller gives a wall
 * clock, a wall time. A run past either throws a RunBudgetError that says how far it got and how to give
 * it more. The default event budget is derived from what the scenario can cost (its wake-ups and jobs, see
 * `src/scenario/limits.ts`), with room to spare, so that only a run that goes wrong reaches it.
 */

/** Trace entries per server wake-up (measured: about 4; a busy lock queue adds waits). */
const ENTRIES_PER_WAKEUP = 20;
/** Trace entries per job and per server (measured: 16 with three servers, 35 with eight). */
const ENTRIES_PER_JOB = 40;
const ENTRIES_PER_JOB_AND_SERVER = 8;
/** Starts, migrations, elections and actions. */
const ENTRIES_BASE = 20_000;

export type RunBudgetKind = 'events' | 'wall';

export interface RunProgress {
  /** Virtual ms since the start that the run had reached. */
  reachedMs: number;
  /** Where it would have ended (ms since the start, the liveness phase included). */
  endMs: number;
  /** Trace entries recorded. */
  events: number;
}

/** A run stopped at its budget, before its end. Its message says how far it got and how to raise the budget. */
export class RunBudgetError extends Error {
  override name = 'RunBudgetError';

  constructor(
    readonly budget: RunBudgetKind,
    /** The budget: trace entries, or wall ms. */
    readonly limit: number,
    readonly progress: RunProgress,
  ) {
    const { reachedMs, endMs, events } = progress;
    const percent = endMs > 0 ? Math.floor((reachedMs / endMs) * 100) : 100;
    const where = `at ${virtual(reachedMs)} of ${virtual(endMs)} virtual time (${percent}%), ${events} trace entries`;
    super(
      budget === 'events'
        ? `the run went over its budget of ${limit} trace entries ${where}; raise it with --max-events N (RunOptions.maxEvents)`
        : `the run went over its wall-time budget of ${virtual(limit)} ${where}; raise it with --max-wall T, such as --max-wall 10m (RunOptions.maxWallMs)`,
    );
  }
}

function virtual(ms: number): string {
  return `${(ms / 1_000).toFixed(3)}s`;
}

/** The event budget a run of `scenario` to `endMs` gets unless told otherwise. */
export function defaultMaxEvents(scenario: Scenario, endMs: number): number {
  const timezone = scenario.coordinator?.timezone ?? 'UTC';
  const rate = wakeupRate(scenario, timezone);
  let jobs = 0;
  for (const action of scenario.actions) if (action.type === 'enqueue') jobs += action.count ?? 1;
  const crons = [
    ...scenario.jobs.flatMap((job) => (job.schedules ?? []).map((schedule) => schedule.cron)),
    ...scenario.actions.flatMap((action) => (action.type === 'addSchedule' ? [action.cron] : [])),
  ];
  for (const cron of crons) {
    const gap = cronGapMs(cron, timezone);
    if (gap !== undefined && gap > 0) jobs += Math.ceil(endMs / gap);
  }
  return (
    ENTRIES_BASE +
    ENTRIES_PER_WAKEUP * wakeups(endMs, rate) +
    (ENTRIES_PER_JOB + ENTRIES_PER_JOB_AND_SERVER * rate.servers) * jobs
  );
}

/**
 * Thrown by the conductor's guard inside a run when the trace passes `maxEvents`; runScenario turns it into
 * a RunBudgetError with the run's progress.
 */
export class EventBudgetReached extends Error {
  override name = 'EventBudgetReached';

  constructor(readonly maxEvents: number) {
    super(`the run's trace passed ${maxEvents} entries`);
  }
}

/** The EventBudgetReached inside what a run threw (alone, or among the errors of one step). */
export function eventBudgetReachedIn(error: unknown): EventBudgetReached | undefined {
  if (error instanceof EventBudgetReached) return error;
  if (error instanceof AggregateError)
    return error.errors.find((inner) => inner instanceof EventBudgetReached);
  return undefined;
}
