import { CronExpression } from '../../core/cron.js';
import { DISTRIBUTED_DEFAULTS } from '../../core/distributed/defaults.js';
import {
  MAX_ACTIONS,
  MAX_CRON_CHARS,
  MAX_DURATION_MS,
  MAX_JOBS,
  MAX_SCHEDULES,
  MAX_SERVERS,
  MAX_WAKEUPS,
} from '../limits.js';
import { isPlainObject } from './messages.js';
import type { ScenarioProblem } from './problems.js';

/**
 * The caps on what a scenario may cost (`limits.ts`), in two parts: the lists' lengths, checked before
 * anything else so that a list past its cap is not walked at all, and the scenario's event budget, checked
 * once the shape is known. The caps on jobs, params and servers added later are counted where the
 * cross-checks walk the actions (`crossChecks.ts`).
 */

type Loose = Record<string, unknown>;
const isWhole = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);
const lengthOf = (value: unknown) => (Array.isArray(value) ? value.length : 0);

/** The lists past their cap: reported alone, since walking them is what the cap is there to prevent. */
export function listCapProblems(input: unknown): ScenarioProblem[] {
  if (!isPlainObject(input)) return [];
  const problems: ScenarioProblem[] = [];
  const over = (path: string, count: number, cap: number, what: string) => {
    if (count > cap) problems.push({ path, message: `expected at most ${cap} ${what}, got ${count}` });
  };
  over('servers', lengthOf(input.servers), MAX_SERVERS, 'servers (the page runs each in a Web Worker)');
  over('jobs', lengthOf(input.jobs), MAX_JOBS, 'jobs');
  over('actions', lengthOf(input.actions), MAX_ACTIONS, 'actions');
  let schedules = 0;
  if (Array.isArray(input.jobs) && input.jobs.length <= MAX_JOBS)
    for (const job of input.jobs) if (isPlainObject(job)) schedules += lengthOf(job.schedules);
  if (Array.isArray(input.actions) && input.actions.length <= MAX_ACTIONS)
    for (const action of input.actions)
      if (isPlainObject(action) && action.type === 'addSchedule') schedules++;
  over('jobs', schedules, MAX_SCHEDULES, 'cron schedules in all (jobs[].schedules and addSchedule actions)');
  return problems;
}

/** How often the scenario wakes its servers up, and why: the shortest interval and where it comes from. */
export interface WakeupRate {
  servers: number;
  intervalMs: number;
  /** What sets the interval: `coordinator.pollIntervalMs`, `jobs[0].schedules[1].cron` ... */
  source: string;
}

/** Server wake-ups over the run: servers times durationMs over the shortest interval (see MAX_WAKEUPS). */
export function wakeups(durationMs: number, rate: WakeupRate): number {
  return rate.servers * Math.ceil(durationMs / rate.intervalMs);
}

/** The shortest gap between a cron's first ticks: its period, for the schedules one writes. */
export function cronGapMs(cron: string, timezone: string): number | undefined {
  let expression: CronExpression;
  try {
    expression = new CronExpression(cron, timezone);
  } catch {
    return undefined; // an invalid cron is the cross-checks' to report
  }
  let shortest: number | undefined;
  let previous = expression.nextAfter(0);
  for (let tick = 0; tick < 8 && previous !== undefined; tick++) {
    const next = expression.nextAfter(previous);
    if (next === undefined) break;
    shortest = Math.min(shortest ?? Number.POSITIVE_INFINITY, next - previous);
    previous = next;
  }
  return shortest;
}

/**
 * The scenario's wake-up rate from its raw input: the servers it will ever have, and the shortest of the
 * heartbeat, the poll interval and every cron schedule's gap.
 */
export function wakeupRate(scenario: object, timezone: string): WakeupRate {
  const input = scenario as Loose;
  const coordinator = isPlainObject(input.coordinator) ? input.coordinator : {};
  const actions = Array.isArray(input.actions) ? input.actions.filter(isPlainObject) : [];
  const servers = lengthOf(input.servers) + actions.filter((action) => action.type === 'addServer').length;
  let rate: WakeupRate = { servers, intervalMs: Number.POSITIVE_INFINITY, source: '' };
  const consider = (ms: number | undefined, source: string) => {
    if (ms !== undefined && ms > 0 && ms < rate.intervalMs) rate = { servers, intervalMs: ms, source };
  };
  const setting = (key: 'heartbeatIntervalMs' | 'pollIntervalMs') =>
    isWhole(coordinator[key]) ? coordinator[key] : DISTRIBUTED_DEFAULTS[key];
  consider(setting('heartbeatIntervalMs'), 'coordinator.heartbeatIntervalMs');
  consider(setting('pollIntervalMs'), 'coordinator.pollIntervalMs');
  const gaps = new Map<string, number | undefined>();
  const cron = (value: unknown, source: string) => {
    // A cron past its cap is refused by the shape check: not worth compiling for a rate.
    if (typeof value !== 'string' || value.length > MAX_CRON_CHARS) return;
    if (!gaps.has(value)) gaps.set(value, cronGapMs(value, timezone));
    consider(gaps.get(value), source);
  };
  (Array.isArray(input.jobs) ? input.jobs : []).forEach((job: unknown, index) => {
    if (isPlainObject(job) && Array.isArray(job.schedules))
      job.schedules.forEach((schedule: unknown, at) => {
        if (isPlainObject(schedule)) cron(schedule.cron, `jobs[${index}].schedules[${at}].cron`);
      });
  });
  (Array.isArray(input.actions) ? input.actions : []).forEach((action: unknown, index) => {
    if (isPlainObject(action) && action.type === 'addSchedule') cron(action.cron, `actions[${index}].cron`);
  });
  return rate;
}

/** The event budget's problem, if the scenario is over it. */
export function eventBudgetProblem(input: Loose, timezone: string): ScenarioProblem | undefined {
  const duration = input.durationMs;
  if (!isWhole(duration) || duration < 1 || duration > MAX_DURATION_MS) return undefined;
  const rate = wakeupRate(input, timezone);
  const total = wakeups(duration, rate);
  if (total <= MAX_WAKEUPS) return undefined;
  return {
    path: 'durationMs',
    message:
      `expected at most ${MAX_WAKEUPS} server wake-ups (servers x durationMs / shortest interval), got ` +
      `${rate.servers} servers x ${duration} ms / ${rate.intervalMs} ms (${rate.source}) = ${total}: ` +
      `shorten the run, use fewer servers or a longer interval`,
  };
}
