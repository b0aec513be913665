import type { Clock } from '../../core/ports.js';
import type { VirtualTime } from './virtualTime.js';

/** The database's clock: virtual time plus a skew. Timers are plain virtual durations. */
export interface DatabaseClock extends Clock {
  setSkew(ms: number): void;
  skew(): number;
}

export function databaseClock(time: VirtualTime, skewMs = 0): DatabaseClock {
  if (!Number.isFinite(skewMs)) throw new RangeError(`databaseClock: skew must be finite, got ${skewMs}`);
  let skew = skewMs;
  return {
    now: () => time.now() + skew,
    setTimer: (delayMs, callback) => time.setTimer(delayMs, callback),
    setSkew(ms) {
      if (!Number.isFinite(ms)) throw new RangeError(`setSkew: must be finite, got ${ms}`);
      skew = ms;
    },
    skew: () => skew,
  };
}
