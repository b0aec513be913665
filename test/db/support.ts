/** What the shared sql.js database's tests share: a test clock, gates, a tracked promise, databases closed after each test. */
import { afterEach } from 'vitest';
import type { CancelTimer, Clock } from '../../src/core/ports';
import { SharedSqlJsDatabase, type DatabaseEvent } from '../../src/db';

/** Lets every microtask (and microtasks they queue) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface TestTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** A hand-driven clock: `now` moves only through `set` and `advance`, which fires due timers in time order. */
export class TestClock implements Clock {
  private timers: TestTimer[] = [];
  private seq = 0;

  constructor(private nowMs = 0) {}

  now(): number {
    return this.nowMs;
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    const timer: TestTimer = { at: this.nowMs + delayMs, seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Jumps the clock without firing anything (an operator setting the time). */
  set(ms: number): void {
    this.nowMs = ms;
  }

  /** Timers neither fired nor cancelled. */
  pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }

  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    for (;;) {
      await flush();
      const due = this.timers
        .filter((timer) => !timer.cancelled && timer.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.nowMs = due.at;
      due.callback();
    }
    this.nowMs = target;
    await flush();
  }
}

/** A promise the test opens by hand: holds a transaction open for as long as the test wants. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Watches a promise without awaiting it, so a test can ask "has it settled yet?". */
export function track<T>(promise: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

export const opened: SharedSqlJsDatabase[] = [];

export async function setup(
  options: { busyTimeoutMs?: number; now?: number; transactionTimeoutMs?: number } = {},
) {
  const clock = new TestClock(options.now ?? 1_000);
  const events: DatabaseEvent[] = [];
  const db = await SharedSqlJsDatabase.open({
    clock,
    busyTimeoutMs: options.busyTimeoutMs,
    // Off unless a test is about it: most tests hold the lock as long as they like.
    transactionTimeoutMs: options.transactionTimeoutMs ?? Infinity,
    observer: (event) => events.push(event),
  });
  opened.push(db);
  db.inspect('SELECT 1'); // the database is usable right away
  const admin = db.connect('admin');
  await admin.run('CREATE TABLE jobs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, at REAL)');
  return {
    db,
    clock,
    events,
    admin,
    a: db.connect('server-1'),
    b: db.connect('server-2'),
    c: db.connect('server-3'),
  };
}

export function count(db: SharedSqlJsDatabase): number {
  return Number(db.inspect('SELECT count(*) AS n FROM jobs')[0]?.n);
}

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});
