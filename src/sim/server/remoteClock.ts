import type { CancelTimer, Clock } from '../../core/ports.js';
import type { FromServer } from './protocol.js';

/**
 * A server's clock inside the server process. It cannot ask the conductor the time synchronously, so it
 * keeps the virtual time of the last message it received (time does not move while a server reacts to
 * one message) and its own offset and rate. Timers are durations on this clock, turned into the virtual
 * instant at which the conductor should fire them.
 */
export class RemoteClock implements Clock {
  private vt: number;
  private anchorVt: number;
  private anchorLocal: number;
  private currentRate: number;
  private nextId = 1;
  private readonly callbacks = new Map<number, () => void>();

  constructor(
    startVt: number,
    offsetMs: number,
    rate: number,
    private readonly send: (message: FromServer) => void,
  ) {
    this.vt = this.anchorVt = startVt;
    this.anchorLocal = startVt + offsetMs;
    this.currentRate = rate;
  }

  /** Called with every message's virtual time, before the message is handled. */
  observe(vt: number): void {
    this.vt = vt;
  }

  now(): number {
    return this.anchorLocal + this.currentRate * (this.vt - this.anchorVt);
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    const id = this.nextId++;
    this.callbacks.set(id, callback);
    this.send({ kind: 'setTimer', id, atVt: this.vt + Math.max(0, delayMs) / this.currentRate });
    return () => {
      if (this.callbacks.delete(id)) this.send({ kind: 'cancelTimer', id });
    };
  }

  fire(id: number): void {
    const callback = this.callbacks.get(id);
    if (!callback) return;
    this.callbacks.delete(id);
    callback();
  }

  /** Jumps the clock (offset) and/or changes its rate from now on; pending timers keep their instants. */
  set(offsetMs: number | undefined, rate: number | undefined): void {
    const local = offsetMs === undefined ? this.now() : this.vt + offsetMs;
    this.anchorVt = this.vt;
    this.anchorLocal = local;
    if (rate !== undefined) this.currentRate = rate;
  }

  get offsetMs(): number {
    return this.now() - this.vt;
  }

  get rate(): number {
    return this.currentRate;
  }
}
