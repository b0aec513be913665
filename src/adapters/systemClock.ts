import type { CancelTimer, Clock } from '../core/index.js';

/** How a system clock may be wrong, for faults: set off by an offset, and running fast or slow. */
export interface SystemClockOptions {
  /** Milliseconds added to the host's time. Default 0. */
  offsetMs?: number | undefined;
  /**
   * How fast this clock runs against the host's: 1 is true time, 1.01 gains 10 ms a second, 0.99 loses
   * them. Timers are measured on this clock, so a fast clock fires them early in real time. Default 1.
   */
  rate?: number | undefined;
}

/** The longest delay `setTimeout` takes; a longer timer is re-armed in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The Clock port on the host's real time and timers. With an offset and a rate it is a faulty server's
 * clock, as the simulation's clocks are (`src/sim/time`): `now()` is `host + offset` at the moment of the
 * last adjustment, then advances at `rate`. `setTime` jumps it, as an operator setting the time would.
 */
export class SystemClock implements Clock {
  private readonly rate: number;
  /** The host time and this clock's time at the last adjustment; drift counts from there. */
  private anchorHostMs: number;
  private anchorMs: number;

  constructor(options: SystemClockOptions = {}) {
    this.rate = options.rate ?? 1;
    if (!(this.rate > 0) || !Number.isFinite(this.rate)) {
      throw new RangeError(`SystemClock: rate must be a positive finite number, got ${this.rate}`);
    }
    this.anchorHostMs = Date.now();
    this.anchorMs = this.anchorHostMs + (options.offsetMs ?? 0);
  }

  now(): number {
    return this.anchorMs + (Date.now() - this.anchorHostMs) * this.rate;
  }

  /** Jumps this clock to `ms`; it keeps its rate from there. Timers already set keep their real delay. */
  setTime(ms: number): void {
    this.anchorHostMs = Date.now();
    this.anchorMs = ms;
  }

  /** How far this clock is from the host's, in ms (positive: ahead). */
  get offsetMs(): number {
    return this.now() - Date.now();
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    let handle: ReturnType<typeof setTimeout> | undefined;
    let remainingHostMs = Math.max(0, delayMs) / this.rate;
    const arm = () => {
      const step = Math.min(remainingHostMs, MAX_TIMEOUT_MS);
      remainingHostMs -= step;
      handle = setTimeout(() => {
        handle = undefined;
        if (remainingHostMs > 0) arm();
        else callback();
      }, step);
    };
    arm();
    return () => {
      if (handle !== undefined) clearTimeout(handle);
      handle = undefined;
    };
  }
}
