/**
 * How long to wait before connecting again after failed attempts: nothing after a success, then
 * `initialMs`, doubling with each failure up to `maxMs`. A server that is down (restarting, say) is then
 * tried a few times a second rather than in a busy loop, and one that is back is found within `maxMs`.
 */
export class ReconnectBackoff {
  private failures = 0;
  private lastFailureAt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The delay after the latest failure, whether or not it has passed. */
  get delayMs(): number {
    if (this.failures === 0) return 0;
    return Math.min(this.maxMs, this.initialMs * 2 ** (this.failures - 1));
  }

  /** How much longer to wait before the next attempt (0: try now). */
  remainingMs(): number {
    return Math.max(0, this.lastFailureAt + this.delayMs - this.now());
  }

  failed(): void {
    this.failures++;
    this.lastFailureAt = this.now();
  }

  succeeded(): void {
    this.failures = 0;
  }
}
