/* eslint-disable no-restricted-globals -- croner speaks Date. This file is the one place core touches
   Date, and only as a calendar converter for instants that came from a Clock port: it never asks the host
   what time it is (no Date.now(), no argument-less new Date()). */
import { Cron } from 'croner';

/** Characters of an expression an error quotes before it cuts it short. */
const QUOTED_CHARS = 60;

/**
 * A cron expression quoted for an error message: whole when short, else its first 60 characters, "..."
 * and its length (found by the fuzz suite: a 5 MB expression, quoted whole twice, gave a 10 MB error).
 */
export function quoteCron(expression: string): string {
  if (expression.length <= QUOTED_CHARS) return JSON.stringify(expression);
  let shown = expression.slice(0, QUOTED_CHARS);
  // Never end on the first half of a character written as two UTF-16 units.
  if (/[\uD800-\uDBFF]$/.test(shown)) shown = shown.slice(0, -1);
  return `${JSON.stringify(`${shown}...`)} (${expression.length} characters)`;
}

/**
 * A compiled cron expression (5 or 6 fields, seconds allowed) evaluated in one time zone.
 * Instants are milliseconds on whichever clock the caller uses; this class never reads a clock.
 */
export class CronExpression {
  private readonly cron: Cron;

  /**
   * Throws for an expression that does not have 5 or 6 fields (croner would take a seventh, a year, and
   * a schedule pinned to a year is one that stops for good: not what the docs promise), and croner's own
   * error (with its reason) for an otherwise invalid one. croner's nicknames (`@daily`, `@hourly` ...)
   * stand for a 5-field expression and are left to croner.
   */
  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    const fields = expression
      .trim()
      .split(/\s+/)
      .filter((field) => field !== '');
    if (!expression.trim().startsWith('@') && fields.length !== 5 && fields.length !== 6) {
      throw new Error(
        `cron expression ${quoteCron(expression)} has ${fields.length} fields; it needs 5 (minute first) or 6 (seconds first)`,
      );
    }
    // For UTC, a fixed offset gives croner's same answers without Intl.DateTimeFormat, 35x faster.
    this.cron = new Cron(
      expression,
      timezone === 'UTC' ? { utcOffset: 0, paused: true } : { timezone, paused: true },
    );
  }

  /** The first tick strictly after `afterMs`, or undefined when the expression never fires again. */
  nextAfter(afterMs: number): number | undefined {
    // Each look of a scheduler walks a window that overlaps the previous one, and croner takes tens of
    // microseconds per answer: remember recent answers (a pure function of afterMs).
    // Ticks fall on whole seconds, so the tick after any instant is the tick after its whole second.
    const second = Math.floor(afterMs / 1000) * 1000;
    const known = this.recent.get(second);
    if (known !== undefined || this.recent.has(second)) return known;
    const next = this.cron.nextRun(new Date(second))?.getTime();
    if (this.recent.size >= 512) this.recent.clear();
    this.recent.set(second, next);
    return next;
  }

  private readonly recent = new Map<number, number | undefined>();

  /** Ticks t with afterMs < t <= untilMs, oldest first, at most `max`; `more` says whether some were cut. */
  ticksBetween(afterMs: number, untilMs: number, max: number): { ticks: number[]; more: boolean } {
    const ticks: number[] = [];
    let cursor = afterMs;
    while (ticks.length < max) {
      const next = this.nextAfter(cursor);
      if (next === undefined || next > untilMs) return { ticks, more: false };
      ticks.push(next);
      cursor = next;
    }
    const next = this.nextAfter(cursor);
    return { ticks, more: next !== undefined && next <= untilMs };
  }

  /**
   * The newest `count` ticks t with afterMs < t <= untilMs, oldest first. Costs at most twice the ticks it
   * returns, whatever the gap and however large `count` is: croner's previousRuns walks back as far as it
   * is asked, even past afterMs, so it is asked only for ticks known to be in the window.
   */
  latestBetween(afterMs: number, untilMs: number, count: number): number[] {
    if (count <= 0 || untilMs <= afterMs) return [];
    const inWindow = this.countBetween(afterMs, untilMs, count);
    if (inWindow === 0) return [];
    return this.cron
      .previousRuns(inWindow, new Date(untilMs + 1))
      .map((date) => date.getTime())
      .filter((tick) => tick > afterMs)
      .reverse();
  }

  /** How many ticks t with afterMs < t <= untilMs, counting no further than `cap`. */
  countBetween(afterMs: number, untilMs: number, cap: number): number {
    return this.ticksBetween(afterMs, untilMs, cap).ticks.length;
  }
}
