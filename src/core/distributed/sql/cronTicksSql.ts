import { statement } from './statement.js';

/**
 * Every statement on the cron tick record: `jobSchedules` (per schedule, a cursor: every tick at or
 * before it has been decided) and `jobCronTicks` (one row per fired tick). Each write carries the leader's
 * term (null when unfenced, hazard H4), so the fencing triggers refuse a deposed leader's whole look.
 */

export const SELECT_SCHEDULE_CURSOR = statement<[scheduleKey: string], 'cursorAt'>(
  'SELECT cursorAt FROM jobSchedules WHERE scheduleKey = ?',
);

/** A schedule seen for the first time starts at the database's now. */
export const INSERT_SCHEDULE_CURSOR = statement<[scheduleKey: string, cursorAt: number, term: number | null]>(
  'INSERT INTO jobSchedules (scheduleKey, cursorAt, term) VALUES (?, ?, ?)',
);

export const ADVANCE_SCHEDULE_CURSOR = statement<
  [cursorAt: number, term: number | null, scheduleKey: string]
>('UPDATE jobSchedules SET cursorAt = ?, term = ? WHERE scheduleKey = ?');

/** Whether a tick already produced its job. */
export const SELECT_FIRED_TICK = statement<[scheduleKey: string, tickAt: number], '1'>(
  'SELECT 1 FROM jobCronTicks WHERE scheduleKey = ? AND tickAt = ?',
);

export const INSERT_FIRED_TICK = statement<
  [scheduleKey: string, tickAt: number, jobId: number, term: number | null]
>('INSERT INTO jobCronTicks (scheduleKey, tickAt, jobId, term) VALUES (?, ?, ?, ?)');
