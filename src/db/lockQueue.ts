/**
 * The database lock: one holder at a time, waiters served first come first served, and a busy timeout
 * measured on the database's clock.
 *
 * Grants are synchronous: when the lock is free, `request` grants at once, and `release` grants the next
 * waiter before it returns. So the holder is always known, there is never a moment where the lock is free
 * while someone waits, and no host timer is needed. A holder that finishes synchronously (a lone
 * statement) may release from inside its grant callback; the loop in `grantWaiters` then goes on with the
 * next waiter instead of recursing, so a long queue of statements cannot overflow the stack.
 */

import type { CancelTimer, Clock } from '../core/ports.js';
import { DatabaseBusyError } from './errors.js';
import type { Emit, LockKind } from './events.js';

/** Whoever asks for the lock: a connection. Compared by identity; the name is for messages. */
export interface LockOwner {
  readonly name: string;
}

/** Proof of holding the lock; hand it back to `release`. */
export interface LockTicket<Owner extends LockOwner> {
  readonly owner: Owner;
  readonly kind: LockKind;
}

export interface LockRequest<Owner extends LockOwner> {
  readonly owner: Owner;
  readonly kind: LockKind;
  /**
   * Called once, synchronously, the moment the request holds the lock. The holder must call
   * `release(ticket)` when done (possibly from inside this callback).
   */
  readonly onGranted: (ticket: LockTicket<Owner>, waitedMs: number) => void;
  /** Called once instead of `onGranted` when the request leaves the queue without the lock. */
  readonly onRejected: (error: Error) => void;
}

interface Entry<Owner extends LockOwner> extends LockTicket<Owner> {
  readonly request: LockRequest<Owner>;
  /** Database time when the request started waiting; `undefined` if it never waited. */
  enqueuedAt: number | undefined;
  cancelTimer: CancelTimer | undefined;
}

export class LockQueue<Owner extends LockOwner> {
  private held: Entry<Owner> | undefined;
  private readonly waiting: Entry<Owner>[] = [];
  private granting = false;

  constructor(
    private readonly clock: Clock,
    /** `Infinity` waits forever. */
    private readonly busyTimeoutMs: number,
    private readonly emit: Emit,
  ) {}

  request(request: LockRequest<Owner>): void {
    const entry: Entry<Owner> = {
      owner: request.owner,
      kind: request.kind,
      request,
      enqueuedAt: undefined,
      cancelTimer: undefined,
    };
    if (this.held === undefined && this.waiting.length === 0) {
      this.grant(entry);
      return;
    }
    this.enqueue(entry);
  }

  /** Gives the lock up and grants it to the next waiter. Releasing a ticket that no longer holds does nothing. */
  release(ticket: LockTicket<Owner>): void {
    if (this.held !== ticket) return;
    this.held = undefined;
    this.grantWaiters();
  }

  holder(): Owner | undefined {
    return this.held?.owner;
  }

  waiters(): Owner[] {
    return this.waiting.map((entry) => entry.owner);
  }

  /** Takes every waiter of `shouldCancel` out of the queue and rejects it with `error(owner)`. */
  cancelWaiters(
    shouldCancel: (owner: Owner) => boolean,
    reason: 'severed' | 'closed',
    error: (owner: Owner) => Error,
  ): void {
    const cancelled = this.waiting.filter((entry) => shouldCancel(entry.owner));
    if (cancelled.length === 0) return;
    this.removeWaiters(new Set(cancelled));
    for (const entry of cancelled) {
      this.emit?.({ type: 'waitCancelled', connection: entry.owner.name, kind: entry.kind, reason });
      entry.request.onRejected(error(entry.owner));
    }
  }

  private enqueue(entry: Entry<Owner>): void {
    entry.enqueuedAt = this.clock.now();
    if (Number.isFinite(this.busyTimeoutMs)) {
      entry.cancelTimer = this.clock.setTimer(this.busyTimeoutMs, () => this.giveUp(entry));
    }
    this.waiting.push(entry);
    this.emit?.({ type: 'lockWait', connection: entry.owner.name, kind: entry.kind });
  }

  private grantWaiters(): void {
    if (this.granting) return; // a holder released from inside its grant callback: the loop below goes on
    this.granting = true;
    try {
      while (this.held === undefined) {
        const next = this.waiting.shift();
        if (next === undefined) break;
        this.grant(next);
      }
    } finally {
      this.granting = false;
    }
  }

  private grant(entry: Entry<Owner>): void {
    entry.cancelTimer?.();
    entry.cancelTimer = undefined;
    const waitedMs = entry.enqueuedAt === undefined ? 0 : this.clock.now() - entry.enqueuedAt;
    this.held = entry;
    if (entry.kind === 'transaction' || entry.enqueuedAt !== undefined) {
      this.emit?.({ type: 'lockGranted', connection: entry.owner.name, kind: entry.kind, waitedMs });
    }
    try {
      entry.request.onGranted(entry, waitedMs);
    } catch (error) {
      // Grant callbacks are the adapter's own and should not throw; if one does, do not keep the lock forever.
      this.release(entry);
      entry.request.onRejected(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private giveUp(entry: Entry<Owner>): void {
    const index = this.waiting.indexOf(entry);
    if (index < 0) return; // granted or cancelled in the meantime
    this.waiting.splice(index, 1);
    const waitedMs = this.clock.now() - (entry.enqueuedAt ?? 0);
    const holder = this.held?.owner;
    this.emit?.({
      type: 'busyTimeout',
      connection: entry.owner.name,
      kind: entry.kind,
      waitedMs,
      holder: holder?.name,
    });
    entry.request.onRejected(
      new DatabaseBusyError(entry.owner.name, waitedMs, holder?.name, holder === entry.owner),
    );
  }

  private removeWaiters(removed: ReadonlySet<Entry<Owner>>): void {
    for (const entry of removed) entry.cancelTimer?.();
    const kept = this.waiting.filter((entry) => !removed.has(entry));
    this.waiting.splice(0, this.waiting.length, ...kept);
  }
}
