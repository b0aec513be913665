import { FencedWriteError } from './distributed/fencing.js';
import { describeError, InvalidCronError } from './errors.js';
import type { Emitter } from './events.js';
import type { Clock } from './ports.js';
import { Sleeper } from './sleeper.js';
import type { TickLedger } from './tickLedger.js';

export interface JobSchedulerOptions {
  clock: Clock;
  ledger: TickLedger;
  events: Emitter;
  /**
   * Longest sleep between looks, so that a clock that jumps or drifts is noticed soon. The reference looks
   * every second; so do we, but we also wake exactly when the next tick is due.
   */
  maxSleepMs?: number | undefined;
  /**
   * The database refused a write: this server is no longer leader. Returns whether the loop should end
   * (it should; hazard H5 keeps a deposed leader's scheduler running until its next election tick).
   */
  onFenced(error: FencedWriteError): boolean;
  /** An invalid cron expression reached the loop (hazard H13): the reference's process dies here. */
  onFatal(error: Error): void;
}

/**
 * The seed's jobScheduler: a loop that fires each due cron tick through its ledger, then sleeps until the
 * next one (at most `maxSleepMs`). Errors other than fencing and fatal ones are reported and retried.
 */
export class JobScheduler {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly sleeper: Sleeper;

  constructor(private readonly options: JobSchedulerOptions) {
    this.sleeper = new Sleeper(options.clock);
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops the loop and waits for a look in progress to end. */
  async stop(): Promise<void> {
    if (!this.running) return this.loop;
    this.running = false;
    this.sleeper.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { ledger, events, onFenced, onFatal } = this.options;
    const maxSleepMs = this.options.maxSleepMs ?? 1_000;
    while (this.running) {
      let sleepMs = maxSleepMs;
      try {
        const { nextTickInMs } = await ledger.fireDue();
        if (nextTickInMs !== undefined) sleepMs = Math.max(0, Math.min(maxSleepMs, nextTickInMs));
      } catch (error) {
        if (error instanceof FencedWriteError) {
          events.emit({ type: 'fenced', term: error.term, what: error.what });
          if (onFenced(error)) {
            this.running = false;
            return;
          }
        } else if (error instanceof InvalidCronError) {
          this.running = false;
          onFatal(error);
          return;
        } else {
          events.emit({ type: 'error', where: 'scheduler', error: describeError(error) });
        }
      }
      if (!this.running) break;
      await this.sleeper.sleep(sleepMs);
    }
  }
}
