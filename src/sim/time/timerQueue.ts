/**
 * The timers of virtual time, earliest first: a binary min-heap on (at, seq), with cancelled entries
 * dropped lazily when they reach the top, and compacted when most of it is cancelled.
 */

/** What a timer calls. May return a promise: a rejection counts as the callback failing. */
export type TimerCallback = () => unknown;

/**
 * A timer that may fire together with others: consecutive due timers at one instant that share a
 * `runner` and have different `key`s are popped together and handed to the runner as one list, in queue
 * order. The simulation uses it to deliver one message to each of several servers at once (each server in
 * its own Web Worker then works in parallel); the runner must give the result the timers would give one
 * after the other, which is why two timers with one key (two messages to one server) never share a batch.
 */
export interface TimerBatch {
  runner: (items: unknown[]) => unknown;
  key: unknown;
  item: unknown;
}

export interface TimerEntry {
  readonly at: number;
  /** Registration number: at one instant, the lower fires first. */
  readonly seq: number;
  readonly callback: TimerCallback;
  readonly batch: TimerBatch | undefined;
  cancelled: boolean;
}

/** Earlier time first; at the same time, earlier registration first (timers marked `first` before all). */
function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export class TimerQueue {
  private readonly heap: TimerEntry[] = [];

  /** Entries in the queue, cancelled ones included. */
  get size(): number {
    return this.heap.length;
  }

  /** The earliest entry not cancelled, left in the queue (cancelled ones above it are dropped). */
  peek(): TimerEntry | undefined {
    let top = this.heap[0];
    while (top !== undefined && top.cancelled) {
      this.pop();
      top = this.heap[0];
    }
    return top;
  }

  push(entry: TimerEntry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as TimerEntry;
      if (!before(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  /** Removes the top entry. */
  pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right] as TimerEntry, heap[left] as TimerEntry)) child = right;
      const c = heap[child] as TimerEntry;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }

  /** Cancels and removes every entry. */
  clear(): void {
    for (const entry of this.heap) entry.cancelled = true;
    this.heap.length = 0;
  }

  /**
   * Cancelled timers are dropped lazily when they reach the top, but most timers (job timeouts, busy
   * timeouts) are cancelled long before they are due: without this, the queue would hold every timeout of
   * the last minute. A sorted array is a valid heap, so compaction is a filter and a sort.
   */
  compactIfMostlyCancelled(live: number): void {
    const heap = this.heap;
    if (heap.length < 1024 || heap.length < 4 * live) return;
    const kept = heap.filter((entry) => !entry.cancelled).sort((a, b) => (before(a, b) ? -1 : 1));
    heap.length = kept.length;
    for (let index = 0; index < kept.length; index++) heap[index] = kept[index] as TimerEntry;
  }
}
