import type { CancelTimer, Clock } from '../../core/ports.js';
import type { VirtualTime } from './virtualTime.js';

/** A server's clock: virtual time, scaled by a drift rate, plus an offset. */
export interface ServerClock extends Clock {
  /**
   * Milliseconds on this clock: `anchorLocal + rate * (virtual - anchorVirtual)`. Starts at virtual time
   * plus the initial offset.
   */
  now(): number;
  /**
   * Calls `callback` once after `delayMs` ms of this clock, that is at virtual time `+ delayMs / rate`,
   * with the rate at the moment of registration: a later `setRate` does not move timers already set.
   * Offsets do not move timers either: timers are durations, not dates.
   */
  setTimer(delayMs: number, callback: () => void): CancelTimer;
  /** Jumps the clock so that `now()` reads virtual time plus `ms`, from this instant on (then drifts). */
  setOffset(ms: number): void;
  /** Moves the clock by `deltaMs` (positive: forward, negative: back). */
  jump(deltaMs: number): void;
  /** `now()` minus virtual time, at this instant. */
  offset(): number;
  /** Changes the rate (1 = exact, 1.001 = 1 ms fast per virtual second). `now()` stays continuous. */
  setRate(rate: number): void;
  rate(): number;
}

function checkRate(rate: number): number {
  if (!Number.isFinite(rate) || rate <= 0)
    throw new RangeError(`clock rate must be finite and > 0, got ${rate}`);
  return rate;
}

export function serverClock(
  time: VirtualTime,
  options: { offsetMs?: number | undefined; rate?: number | undefined } = {},
): ServerClock {
  let rate = checkRate(options.rate ?? 1);
  let anchorVt = time.now();
  let anchorLocal = anchorVt + (options.offsetMs ?? 0);

  const now = (): number => anchorLocal + rate * (time.now() - anchorVt);
  const reanchor = (local: number): void => {
    anchorVt = time.now();
    anchorLocal = local;
  };

  return {
    now,
    setTimer(delayMs, callback) {
      if (!Number.isFinite(delayMs)) throw new RangeError(`setTimer: delay must be finite, got ${delayMs}`);
      return time.setTimer(Math.max(0, delayMs) / rate, callback);
    },
    setOffset(ms) {
      if (!Number.isFinite(ms)) throw new RangeError(`setOffset: must be finite, got ${ms}`);
      reanchor(time.now() + ms);
    },
    jump(deltaMs) {
      if (!Number.isFinite(deltaMs)) throw new RangeError(`jump: must be finite, got ${deltaMs}`);
      reanchor(now() + deltaMs);
    },
    offset: () => now() - time.now(),
    setRate(newRate) {
      checkRate(newRate);
      reanchor(now());
      rate = newRate;
    },
    rate: () => rate,
  };
}
