import type { JsonObject } from './json.js';

/**
 * The key under which the coordinator stores a cron schedule (`jobSchedules`, `jobCronTicks`,
 * `distributedJobs.scheduleKey`): the job, its cron expression and its params. Two schedules with the same
 * key are one schedule. Whoever needs to name a stored schedule (the scenario format refusing a duplicate, a
 * checker matching ticks to schedules) computes it here, so that the key has one spelling.
 */
export function scheduleKey(jobName: string, cron: string, params?: JsonObject): string {
  return `${jobName}|${cron}|${JSON.stringify(params ?? {})}`;
}

/** The job a schedule key names (the part before the first `|`: job names cannot hold one). */
export function jobNameOfScheduleKey(key: string): string {
  return key.slice(0, Math.max(0, key.indexOf('|')));
}
