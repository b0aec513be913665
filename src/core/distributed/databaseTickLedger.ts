import type { Emitter } from '../events.js';
import type { CompiledSchedule, JobRegistry } from '../job.js';
import { cronOf } from '../memoryTickLedger.js';
import { planTicks } from '../misfire.js';
import type { TickLedger } from '../tickLedger.js';
import { asFenced } from './fencing.js';
import type { Locked } from './serverLock.js';
import { SELECT_DB_NOW } from './sql/clockSql.js';
import {
  ADVANCE_SCHEDULE_CURSOR,
  INSERT_FIRED_TICK,
  INSERT_SCHEDULE_CURSOR,
  SELECT_FIRED_TICK,
  SELECT_SCHEDULE_CURSOR,
} from './sql/cronTicksSql.js';
import { INSERT_TICK_JOB } from './sql/distributedJobsSql.js';
import { queryRows, runStatement } from './sql/statement.js';

/**
 * Cron ticks decided on the database's clock and recorded in the database, one transaction per look:
 * per schedule a cursor (every tick up to it has been decided) and one row per fired tick. Whoever leads,
 * and however often leadership changes, a tick produces at most one job; ticks missed while nobody led
 * follow the schedule's misfire policy. Every write carries the leader's term, so the fencing triggers
 * refuse the whole look of a leader that has been replaced.
 */
export class DatabaseTickLedger implements TickLedger {
  constructor(
    private readonly options: {
      locked: Locked;
      registry: JobRegistry;
      events: Emitter;
      serverId: string;
      term: number;
      /** Hazard H6, read for each schedule at each look: fire every missed tick, whatever the policy. */
      replayAll: () => boolean;
      /** The term this look's writes carry, read at each look (none under hazard H4, see fencing.ts). */
      writeTerm: () => number | null;
      /** Tells of the jobs a look fired, once it committed (the leader's own worker first: ownWorkFirst.ts). */
      announce: (jobs: number) => Promise<void>;
    },
  ) {}

  async fireDue(): Promise<{ nextTickInMs: number | undefined }> {
    const { locked, term } = this.options;
    // Nothing to decide: no lock, no statement (the scheduler still looks every second, for added schedules).
    if (this.options.registry.schedules.length === 0) return { nextTickInMs: undefined };
    const fired: { scheduleKey: string; tickAt: number; jobId: string }[] = [];
    const skipped: { scheduleKey: string; count: number }[] = [];
    let result: { nextTickInMs: number | undefined };
    try {
      result = await locked(async (tx) => {
        const now = Number((await queryRows(tx, SELECT_DB_NOW))[0]!.now);
        const termWritten = this.options.writeTerm();
        let nextTickInMs: number | undefined;
        for (const schedule of this.options.registry.schedules) {
          const cron = cronOf(schedule);
          const rows = await queryRows(tx, SELECT_SCHEDULE_CURSOR, [schedule.key]);
          let cursor: number;
          if (rows[0]) {
            cursor = Number(rows[0].cursorAt);
          } else {
            // A schedule seen for the first time starts now: it has no past to make up.
            await runStatement(tx, INSERT_SCHEDULE_CURSOR, [schedule.key, now, termWritten]);
            cursor = now;
          }
          const plan = planTicks(cron, cursor, now, schedule.misfire, this.options.replayAll());
          for (const tickAt of plan.fire) {
            const jobId = await this.fireTick(tx, schedule, tickAt, now, termWritten);
            if (jobId !== undefined) fired.push({ scheduleKey: schedule.key, tickAt, jobId });
          }
          if (plan.skipped > 0) skipped.push({ scheduleKey: schedule.key, count: plan.skipped });
          if (plan.cursor !== cursor) {
            await runStatement(tx, ADVANCE_SCHEDULE_CURSOR, [plan.cursor, termWritten, schedule.key]);
          }
          const next = cron.nextAfter(Math.max(plan.cursor, now));
          if (next !== undefined) nextTickInMs = Math.min(nextTickInMs ?? Infinity, next - now);
        }
        return { nextTickInMs };
      });
      if (fired.length > 0) await this.options.announce(fired.length);
    } catch (error) {
      throw asFenced(error, term, 'pushing scheduled jobs');
    }
    for (const entry of fired) this.options.events.emit({ type: 'cronFired', ...entry, term });
    for (const entry of skipped) this.options.events.emit({ type: 'cronSkipped', ...entry });
    return result;
  }

  /** Records the tick and its job, unless the tick already has one. Returns the job's id. */
  private async fireTick(
    tx: Parameters<Parameters<Locked>[0]>[0],
    schedule: CompiledSchedule,
    tickAt: number,
    now: number,
    termWritten: number | null,
  ): Promise<string | undefined> {
    const existing = await queryRows(tx, SELECT_FIRED_TICK, [schedule.key, tickAt]);
    if (existing.length > 0) return undefined;
    const job = this.options.registry.get(schedule.jobName);
    const inserted = await queryRows(tx, INSERT_TICK_JOB, [
      job.name,
      JSON.stringify(schedule.params),
      now,
      now,
      job.maxAttempts,
      this.options.serverId,
      schedule.key,
      tickAt,
      termWritten,
    ]);
    const jobId = String(inserted[0]!.id);
    await runStatement(tx, INSERT_FIRED_TICK, [schedule.key, tickAt, Number(jobId), termWritten]);
    return jobId;
  }
}
