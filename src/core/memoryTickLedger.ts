import type { CronExpression } from './cron.js';
import { InvalidCronError } from './errors.js';
import type { Emitter } from './events.js';
import type { CompiledSchedule } from './job.js';
import { planTicks } from './misfire.js';
import type { TickLedger } from './tickLedger.js';

/** Compiles a schedule's cron; under hazard H13 an invalid one surfaces here, inside the loop. */
export function cronOf(schedule: CompiledSchedule): CronExpression {
  try {
    return schedule.compiled();
  } catch (error) {
    throw new InvalidCronError(
      schedule.jobName,
      schedule.cron,
      error instanceof Error ? error.message : String(error),
    );
  }
}

/**
 * Ticks measured on one server's clock and remembered in its memory: right for a single server, and the
 * reference's behaviour for a distributed leader (hazard H7): a new leader starts from its own now, so
 * ticks that fell in the gap between leaders are never decided by anyone.
 */
export class MemoryTickLedger implements TickLedger {
  private readonly cursors = new Map<string, number>();

  constructor(
    private readonly options: {
      schedules: readonly CompiledSchedule[];
      now: () => number;
      events: Emitter;
      /** Records the job for one tick and returns its id. */
      push: (schedule: CompiledSchedule, tickAt: number) => Promise<string>;
      /** Hazard H6: fire every missed tick, whatever the misfire policy says. Read on every look. */
      replayAll: () => boolean;
      /** The leader's term, for the events. */
      term: number | null;
      /**
       * The reference's scheduler (hazard H7): when the server's clock is set back behind the last tick it
       * fired, it aims at the next tick after its new now, as croner does, and so fires those ticks again.
       * Off, the cursor holds: a tick fires once per process however the clock moves.
       */
      followClockBack?: boolean;
    },
  ) {}

  async fireDue(): Promise<{ nextTickInMs: number | undefined }> {
    const { schedules, now, events, push, replayAll, term } = this.options;
    let nextTickInMs: number | undefined;
    for (const schedule of schedules) {
      const cron = cronOf(schedule);
      const current = now();
      // A schedule seen for the first time (at start, or added while running) starts now.
      const remembered = this.cursors.get(schedule.key) ?? current;
      const cursor = this.options.followClockBack && current < remembered ? current : remembered;
      const plan = planTicks(cron, cursor, current, schedule.misfire, replayAll());
      for (const tickAt of plan.fire) {
        const jobId = await push(schedule, tickAt);
        events.emit({ type: 'cronFired', scheduleKey: schedule.key, tickAt, jobId, term });
      }
      if (plan.skipped > 0)
        events.emit({ type: 'cronSkipped', scheduleKey: schedule.key, count: plan.skipped });
      this.cursors.set(schedule.key, plan.cursor);
      const next = cron.nextAfter(Math.max(plan.cursor, current));
      if (next !== undefined) nextTickInMs = Math.min(nextTickInMs ?? Infinity, next - current);
    }
    return { nextTickInMs };
  }
}
