/* eslint-disable no-restricted-globals -- croner speaks Date. This file is the one place core touches
   Date, and only as a calendar converter for instants that came from a Clock port: it never asks the host
   what time it is (no Date.now(), no argument-less new Date()). */
import { Cron } from 'croner';

/**
 * A compiled cron expression (5 or 6 fields, seconds allowed) evaluated in one time zone.
 * Instants are milliseconds on whichever clock the caller uses; this class never reads a clock.
 */
export class CronExpression {
  private readonly cron: Cron;

  /** Throws croner's own error (with its reason) for an invalid expression. */
  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    this.cron = new Cron(expression, { timezone, paused: true });
  }

  /** The first tick strictly after `afterMs`, or undefined when the expression never fires again. */
  nextAfter(afterMs: number): number | undefined {
    return this.cron.nextRun(new Date(afterMs))?.getTime();
  }

  /**
   * Ticks t with afterMs < t <= untilMs, oldest first, at most `limit` of them: the most recent ones
   * when there are more, since those are the ones a misfire policy keeps. `total` counts all of them
   * up to `countLimit` (a per-second schedule after a long outage has too many to list).
   */
  ticksBetween(afterMs: number, untilMs: number, limit: number, countLimit = 100_000): { ticks: number[]; total: number } {
    const ticks: number[] = [];
    let total = 0;
    let cursor = afterMs;
    for (;;) {
      const next = this.nextAfter(cursor);
      if (next === undefined || next > untilMs) break;
      total++;
      ticks.push(next);
      if (ticks.length > limit) ticks.shift();
      if (total >= countLimit) {
        // Too many to walk one by one: keep the count so far and take the newest directly.
        const newest = this.cron
          .previousRuns(limit, new Date(untilMs + 1))
          .map((date) => date.getTime())
          .filter((tick) => tick > afterMs)
          .reverse();
        return { ticks: newest, total: Math.max(total, newest.length) };
      }
      cursor = next;
    }
    return { ticks, total };
  }
}
