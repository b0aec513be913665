import type { CancelTimer, Clock } from './ports.js';

/**
 * A loop's pause that something else can cut short: the worker sleeps until a timer fires or until new
 * work is announced, whichever comes first. A wake that arrives while the loop is busy is remembered, so
 * the next sleep returns at once instead of missing it.
 */
export class Sleeper {
  private pendingWake = false;
  private current: { resolve: (reason: 'timer' | 'woken') => void; cancel: CancelTimer } | undefined;

  constructor(private readonly clock: Clock) {}

  sleep(ms: number): Promise<'timer' | 'woken'> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve('woken');
    }
    this.current?.resolve('woken');
    return new Promise((resolve) => {
      const done = (reason: 'timer' | 'woken') => {
        if (this.current?.resolve !== done) return;
        this.current.cancel();
        this.current = undefined;
        resolve(reason);
      };
      this.current = { resolve: done, cancel: () => {} };
      this.current.cancel = this.clock.setTimer(Math.max(0, ms), () => done('timer'));
    });
  }

  wake(): void {
    if (this.current) this.current.resolve('woken');
    else this.pendingWake = true;
  }
}

/** Waits `ms` on `clock`. */
export function delay(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(ms, resolve);
  });
}
