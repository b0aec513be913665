/**
 * Virtual time: the simulation's one true time, and the clocks derived from it.
 *
 * - `VirtualTime` owns the time in milliseconds and one queue of timers. Nothing moves it but `advance`,
 *   `runUntil` and `runUntilIdle`; between timers it waits (`settle`) until every microtask the last
 *   timer woke has run, so a chain of `await`s finishes at the instant that started it.
 * - `serverClock` (./serverClock) is a server's own clock: virtual time scaled by a drift rate plus an offset.
 * - `databaseClock` (./databaseClock) is the database's clock: virtual time plus a skew.
 * - the timers wait in a `TimerQueue` (./timerQueue).
 *
 * All three implement `Clock` from `src/core/ports`. This file reads no host clock; the only host
 * scheduling API the simulation uses is the barrier in `./settle`.
 */

import type { CancelTimer, Clock } from '../../core/ports.js';
import { settle } from './settle.js';
import { TimerQueue, type TimerBatch, type TimerCallback, type TimerEntry } from './timerQueue.js';

export type { TimerBatch, TimerCallback } from './timerQueue.js';
// The derived clocks have files of their own; they stay importable from here.
export { serverClock, type ServerClock } from './serverClock.js';
export { databaseClock, type DatabaseClock } from './databaseClock.js';

/** `Date.UTC(2026, 0, 1)`, written as a literal because `src/sim` may not touch `Date`. */
export const DEFAULT_EPOCH_MS = 1_767_225_600_000;

export interface VirtualTimeOptions {
  /** Virtual time at the start, in ms. Default 0. */
  epochMs?: number;
  /**
   * Where errors from timer callbacks go. Without it, `advance` (and `runUntil`, `runUntilIdle`) stops
   * after the step in which a callback failed and rejects with the error; with it, errors are handed here
   * and time runs on. See `VirtualTime.advance`.
   */
  onError?: (error: unknown, atMs: number) => void;
}

/** Registration numbers of timers marked `first`: below every ordinary one (those count up from 0). */
const FIRST_BAND = -(2 ** 52);

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The simulation's clock and timer queue.
 *
 * Order: timers fire by virtual time, and timers due at the same instant fire in the order they were
 * registered. A timer registered while a callback runs, for the same instant, fires after every timer
 * already due at that instant (it has a later registration number), within the same `advance`.
 *
 * Errors: a callback that throws, or returns a promise that rejects, never corrupts the queue: the timer
 * is already off the queue when it runs, and every other timer stays where it was. Without `onError`, the
 * error is kept until the end of the step (the callback plus the settle after it), and then `advance`
 * stops there and rejects: `now()` is the failing timer's time, later timers are still queued, and a new
 * `advance` carries on from there. Several errors in one step reject as one `AggregateError`. A rejection
 * that arrives later than its own step is reported at the end of the step in which it is seen. With
 * `onError`, each error is handed to it (it should not throw) and time runs on to the target.
 *
 * Not reentrant: calling `advance` (or `runUntil`, `runUntilIdle`) while one is running throws.
 */
export class VirtualTime implements Clock {
  private nowMs: number;
  private readonly queue = new TimerQueue();
  private live = 0;
  private nextSeq = 0;
  private nextFirstSeq = 0;
  private running = false;
  private errors: unknown[] = [];
  private readonly onError: ((error: unknown, atMs: number) => void) | undefined;

  /** @param options the start time in ms, or options. */
  constructor(options: number | VirtualTimeOptions = {}) {
    const opts = typeof options === 'number' ? { epochMs: options } : options;
    const epoch = opts.epochMs ?? 0;
    if (!Number.isFinite(epoch)) throw new RangeError(`VirtualTime: epoch must be finite, got ${epoch}`);
    this.nowMs = epoch;
    this.onError = opts.onError;
  }

  /** Virtual time in ms. Inside a timer callback, that timer's time. */
  now(): number {
    return this.nowMs;
  }

  /** Calls `callback` once at virtual time `now() + delayMs`. A negative delay counts as 0. */
  setTimer(delayMs: number, callback: TimerCallback): CancelTimer {
    if (!Number.isFinite(delayMs)) throw new RangeError(`setTimer: delay must be finite, got ${delayMs}`);
    return this.setTimerAt(this.nowMs + Math.max(0, delayMs), callback);
  }

  /**
   * Calls `callback` once at virtual time `atMs` (or now, if `atMs` is already past).
   *
   * `first`: the timer fires before every ordinary timer due at the same instant, whenever it was
   * registered (timers marked first keep their registration order among themselves). The playground uses
   * it for an action taken while the run is under way, so that it lands where the same action, read from a
   * scenario file before the run began, would land: ahead of everything else at its instant.
   */
  setTimerAt(
    atMs: number,
    callback: TimerCallback,
    options: { first?: boolean; batch?: TimerBatch } = {},
  ): CancelTimer {
    if (!Number.isFinite(atMs)) throw new RangeError(`setTimerAt: time must be finite, got ${atMs}`);
    const seq = options.first ? FIRST_BAND + this.nextFirstSeq++ : this.nextSeq++;
    const entry: TimerEntry = {
      at: Math.max(atMs, this.nowMs),
      seq,
      callback,
      batch: options.batch,
      cancelled: false,
    };
    this.queue.push(entry);
    this.live++;
    return () => {
      if (entry.cancelled) return;
      entry.cancelled = true;
      this.live--;
      this.queue.compactIfMostlyCancelled(this.live);
    };
  }

  /** How many timers are waiting (cancelled and fired ones excluded). */
  pendingTimers(): number {
    return this.live;
  }

  /** The virtual time of the next timer, or `undefined` when none is waiting. */
  nextTimerAt(): number | undefined {
    return this.queue.peek()?.at;
  }

  /** Cancels every waiting timer. */
  clear(): void {
    this.queue.clear();
    this.live = 0;
  }

  /** Waits until the microtask queue has drained. See `./settle`. */
  settle(): Promise<void> {
    return settle();
  }

  /**
   * Moves time forward by `ms`. First settles (work already started runs at the current time); then
   * repeatedly takes the earliest timer due at or before the target, sets `now()` to its time, runs it and
   * settles; finally sets `now()` to the target and settles, running any timer that became due meanwhile.
   * Resolves with `now()` equal to the target and no timer due at or before it, unless a callback failed
   * (see the class comment).
   */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`advance: ms must be finite and >= 0, got ${ms}`);
    await this.run(this.nowMs + ms, false);
  }

  /** Advances to virtual time `timeMs`, which must not be in the past. */
  async runUntil(timeMs: number): Promise<void> {
    if (!Number.isFinite(timeMs) || timeMs < this.nowMs) {
      throw new RangeError(`runUntil: ${timeMs} is before now (${this.nowMs})`);
    }
    await this.run(timeMs, false);
  }

  /**
   * Runs timers until none is waiting, but no further than `now() + maxMs` (periodic timers never let the
   * queue empty). Resolves `true` when the queue emptied, with `now()` at the last timer that fired; or
   * `false` when the limit was reached first, with `now()` at the limit.
   */
  async runUntilIdle(maxMs: number): Promise<boolean> {
    if (!Number.isFinite(maxMs) || maxMs < 0) {
      throw new RangeError(`runUntilIdle: maxMs must be finite and >= 0, got ${maxMs}`);
    }
    await this.run(this.nowMs + maxMs, true);
    return this.live === 0;
  }

  private async run(target: number, stopWhenIdle: boolean): Promise<void> {
    if (this.running) throw new Error('VirtualTime: advance/runUntil/runUntilIdle is already running');
    this.running = true;
    try {
      await this.step();
      for (;;) {
        const next = this.queue.peek();
        if (next !== undefined && next.at <= target) {
          this.queue.pop();
          this.nowMs = next.at;
          this.live--;
          // A callback may return a promise (a delivery to a Web Worker resolves when the worker is idle):
          // time does not move on until it settles.
          if (next.batch) await this.fireBatch(this.takeBatch(next));
          else await this.fire(next);
          await this.step();
          continue;
        }
        if (this.nowMs === target || (stopWhenIdle && next === undefined)) break;
        this.nowMs = target;
        await this.step();
      }
    } finally {
      this.running = false;
    }
  }

  /** Settles, then throws what the callbacks of this step threw (when there is no `onError`). */
  private async step(): Promise<void> {
    await settle();
    if (this.errors.length === 0) return;
    const errors = this.errors;
    this.errors = [];
    if (errors.length === 1) throw errors[0];
    throw new AggregateError(errors, `${errors.length} timer callbacks failed at ${this.nowMs} ms`);
  }

  private async fire(entry: TimerEntry): Promise<void> {
    entry.cancelled = true; // a late cancel() of a fired timer must not touch `live`
    try {
      const result = entry.callback();
      if (isThenable(result)) await result;
    } catch (error) {
      this.fail(error, entry.at);
    }
  }

  /** `first` and the batchable timers right behind it in the queue (see TimerBatch), taken off the queue. */
  private takeBatch(first: TimerEntry): TimerEntry[] {
    const batch = first.batch!;
    const entries = [first];
    const keys = new Set<unknown>([batch.key]);
    for (;;) {
      const more = this.queue.peek();
      if (!more || more.at !== first.at || more.batch?.runner !== batch.runner || keys.has(more.batch.key))
        break;
      this.queue.pop();
      this.live--;
      keys.add(more.batch.key);
      entries.push(more);
    }
    return entries;
  }

  private async fireBatch(entries: TimerEntry[]): Promise<void> {
    for (const entry of entries) entry.cancelled = true;
    try {
      const result = entries[0]!.batch!.runner(entries.map((entry) => entry.batch!.item));
      if (isThenable(result)) await result;
    } catch (error) {
      this.fail(error, entries[0]!.at);
    }
  }

  private fail(error: unknown, atMs: number): void {
    if (this.onError) this.onError(error, atMs);
    else this.errors.push(error);
  }

  /** Waiting entries in the queue, cancelled ones included (for tests of compaction). */
  get queuedEntries(): number {
    return this.queue.size;
  }
}
