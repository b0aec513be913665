/** What the shared database reports to its observer: for traces, the playground's lock view and tests. */

/** A `lock()` transaction, or a lone statement (an implicit one-statement transaction). */
export type LockKind = 'transaction' | 'statement';

export type DatabaseEvent =
  /** A request could not be granted at once and joined the queue. */
  | { readonly type: 'lockWait'; readonly connection: string; readonly kind: LockKind }
  /**
   * A request got the lock. Reported for every transaction, and for lone statements only when they had to
   * wait (an unhindered statement would flood the observer).
   */
  | {
      readonly type: 'lockGranted';
      readonly connection: string;
      readonly kind: LockKind;
      readonly waitedMs: number;
    }
  /** A transaction ended and gave the lock up. (A lone statement gives it up in the step it got it.) */
  | { readonly type: 'lockReleased'; readonly connection: string; readonly outcome: 'commit' | 'rollback' }
  /** A transaction was rolled back because its connection was severed. */
  | { readonly type: 'rolledBack'; readonly connection: string; readonly reason: string }
  /** A waiter gave up after the busy timeout. */
  | {
      readonly type: 'busyTimeout';
      readonly connection: string;
      readonly kind: LockKind;
      readonly waitedMs: number;
      readonly holder: string | undefined;
    }
  /** A waiter was taken out of the queue because its connection was severed or the database closed. */
  | {
      readonly type: 'waitCancelled';
      readonly connection: string;
      readonly kind: LockKind;
      readonly reason: 'severed' | 'closed';
    }
  /** A `listen` callback threw; the database caught it and went on delivering. */
  | {
      readonly type: 'listenerError';
      readonly connection: string;
      readonly channel: string;
      readonly error: unknown;
    };

export type DatabaseObserver = (event: DatabaseEvent) => void;

/**
 * The observer, guarded so that a throwing observer cannot break the lock queue, or `undefined` when there
 * is none. Call it as `emit?.({...})`: with no observer the event object is never even built.
 */
export type Emit = ((event: DatabaseEvent) => void) | undefined;

export function guardObserver(observer: DatabaseObserver | undefined): Emit {
  if (observer === undefined) return undefined;
  return (event) => {
    try {
      observer(event);
    } catch {
      // An observer is a trace or a view; its bugs must not change what the database does.
    }
  };
}
