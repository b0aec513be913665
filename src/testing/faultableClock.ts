import type { CancelTimer, Clock } from '../core/ports.js';
import type { ServerClock } from '../sim/time/serverClock.js';
import type { VirtualTime } from '../sim/time/virtualTime.js';

/**
 * A server's clock for a test harness: virtual time with its own offset and drift (the conductor's
 * `serverClock`), whose timers can be held back, released late in order, or stopped for good.
 *
 * Holding timers is not the conductor's pause. The conductor holds every message to a paused server,
 * database answers included, so none of its code runs; holding timers only stops what the server starts
 * by itself (heartbeats, polls, cron looks) while work already waiting on the database goes on. That is the
 * stalled leader of a GC pause or a blocked event loop: enough for fencing and late pushes.
 */
export class FaultableClock implements Clock {
  private dead = false;
  private holding = false;
  private held: (() => void)[] = [];
  private readonly live = new Set<CancelTimer>();

  constructor(
    /** The drifting clock underneath: set its offset or rate to skew this server's time. */
    readonly inner: ServerClock,
    private readonly time: VirtualTime,
  ) {}

  now(): number {
    return this.inner.now();
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    if (this.dead) return () => {};
    let cancelled = false;
    const cancelInner = this.inner.setTimer(delayMs, () => {
      this.live.delete(cancel);
      if (cancelled || this.dead) return;
      if (this.holding) this.held.push(() => !cancelled && !this.dead && callback());
      else callback();
    });
    const cancel = () => {
      cancelled = true;
      cancelInner();
      this.live.delete(cancel);
    };
    this.live.add(cancel);
    return cancel;
  }

  /** From now on, timers that come due wait (work already waiting on the database goes on). */
  holdTimers(): void {
    this.holding = true;
  }

  /** Fires the timers that came due while held, late, in the order they came due. */
  releaseTimers(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const fire of held) this.time.setTimer(0, fire);
  }

  /** No timer fires again, held ones included: the server crashed. */
  stopTimers(): void {
    this.dead = true;
    for (const cancel of [...this.live]) cancel();
    this.held = [];
  }

  /** Whether timers are being held. */
  get isHolding(): boolean {
    return this.holding;
  }

  /** Jumps this server's clock to read virtual time plus `offsetMs` from now on (timers already set keep their durations). */
  setOffset(offsetMs: number): void {
    this.inner.setOffset(offsetMs);
  }

  /** Changes how fast this server's clock runs (1.001 gains 1 ms per virtual second). */
  setRate(rate: number): void {
    this.inner.setRate(rate);
  }
}
