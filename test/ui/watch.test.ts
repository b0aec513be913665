import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PlaygroundSession, type SessionView, type ViewCursor } from '../../src/playground/session';
import { parseScenarioJson } from '../../src/scenario/schema';
import type { Action, Scenario } from '../../src/scenario/types';
import type { TraceEntry } from '../../src/sim/trace/trace';
import { parseWatch, WatchFold, watchSeenAt, type WatchItem } from '../../src/ui/state/watch';

/**
 * The watch list over a run longer than the page's log (5,000 entries): leader-crash-failover with bursts
 * of e-mails after the failover, fed to the fold view by view as the page takes them in. The crash at 0:20
 * leaves the last 5,000 entries long before the end; its item must stay ticked, and a rewind must untick only
 * what comes after the point rewound to.
 */

const LOG_LIMIT = 5_000;

function longScenario(): Scenario {
  const base = parseScenarioJson(readFileSync('scenarios/leader-crash-failover.json', 'utf8')) as Scenario;
  const bursts: Action[] = [26_000, 30_000, 34_000, 38_000, 42_000, 46_000, 50_000].map((atMs) => ({
    atMs,
    type: 'enqueue',
    server: 'b',
    job: 'email',
    count: 500,
  }));
  return { ...base, actions: [...base.actions, ...bursts].sort((a, b) => a.atMs - b.atMs) };
}

/** The page's side: the fold fed with each view's new entries, and the log of the last 5,000. */
class Page {
  fold: WatchFold;
  log: TraceEntry[] = [];
  cursor: ViewCursor | null = null;
  history = -1;
  last!: SessionView;

  constructor(
    readonly items: WatchItem[],
    readonly scenario: Scenario,
  ) {
    this.fold = new WatchFold(items, scenario.actions);
  }

  accept(view: SessionView): void {
    const replaced = view.history !== this.history;
    if (replaced) this.log = [];
    this.history = view.history;
    const from = replaced ? 0 : (this.cursor?.entries ?? 0);
    const entries = view.entries.filter((entry) => entry.seq >= from);
    this.log.push(...entries);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    this.fold.take({ history: view.history, epoch: view.epoch, entries, snapshot: view.snapshot });
    this.cursor = view.cursor;
    this.last = view;
  }

  seen(): (number | null)[] {
    const view = this.last;
    return this.fold.seenAt({
      history: view.history,
      elapsedMs: view.elapsedMs,
      epoch: view.epoch,
      invariants: view.invariants ?? [],
      snapshot: view.snapshot,
    });
  }

  /** What the list said before: judged on the log alone. */
  seenOnLog(): (number | null)[] {
    const view = this.last;
    return watchSeenAt(this.items, {
      history: view.history,
      elapsedMs: view.elapsedMs,
      epoch: view.epoch,
      entries: this.log,
      invariants: view.invariants ?? [],
      snapshot: view.snapshot,
      scripted: this.scenario.actions,
    });
  }
}

let session: PlaygroundSession;
let page: Page;

beforeAll(async () => {
  const scenario = longScenario();
  session = await PlaygroundSession.create(scenario);
  const { items, problems } = parseWatch(scenario.watch);
  expect(problems).toEqual([]);
  page = new Page(items, scenario);
  page.accept(session.view(null));
  // Played as the page plays: a view of the new entries after each frame's worth of time.
  while (page.last.elapsedMs < scenario.durationMs) {
    await session.advance(500);
    const view = session.view(page.cursor, { invariants: true });
    expect(view.skippedEntries).toBe(0);
    page.accept(view);
  }
}, 60_000);

afterAll(() => session?.dispose?.());

describe('the watch list over a run longer than the log', () => {
  test('the crash at 0:20 stays ticked after it has left the last 5,000 entries', () => {
    const total = page.last.cursor.entries;
    const crash = session.trace().find((entry) => entry.type === 'processEnded')!;
    console.log(`long run: ${total} entries; the crash is entry ${crash.seq}`);
    expect(total - crash.seq).toBeGreaterThan(LOG_LIMIT);
    expect(page.log[0]!.seq).toBeGreaterThan(crash.seq);

    const seen = page.seen();
    expect(seen[0]).toBe(20_000);
    expect(seen.every((at) => at !== null)).toBe(true);
    expect(seen[3]).toBe(60_000);
    // Judged on the log alone, as the page did, the crash and the election are gone.
    const onLog = page.seenOnLog();
    expect(onLog[0]).toBeNull();
    expect(onLog[1]).toBeNull();
    // The whole trace in one view gives the same times as the fold fed view by view.
    const whole = session.view(null, { invariants: true, maxEntries: 1_000_000 });
    expect(
      watchSeenAt(page.items, {
        history: whole.history,
        elapsedMs: whole.elapsedMs,
        epoch: whole.epoch,
        entries: whole.entries,
        invariants: whole.invariants ?? [],
        snapshot: whole.snapshot,
        scripted: page.scenario.actions,
      }),
    ).toEqual(seen);
  });

  test('rewound to 0:55 (its last 5,000 entries only), the crash stays ticked and the restart at 1:00 unticks', async () => {
    const before = page.seen();
    await session.seek(55_000);
    const view = session.view(page.cursor, { invariants: true, maxEntries: LOG_LIMIT });
    expect(view.entries[0]!.seq).toBeGreaterThan(0);
    page.accept(view);
    const seen = page.seen();
    expect(seen[0]).toBe(20_000);
    expect(seen[1]).toBe(before[1]);
    expect(seen[3]).toBeNull();

    // Played on again, the restart ticks at the same moment.
    while (page.last.elapsedMs < 62_000) {
      await session.advance(500);
      page.accept(session.view(page.cursor, { invariants: true }));
    }
    expect(page.seen()[3]).toBe(60_000);

    // Rewound before the crash, it unticks.
    await session.seek(10_000);
    page.accept(session.view(page.cursor, { invariants: true, maxEntries: LOG_LIMIT }));
    expect(page.seen()).toEqual([null, null, null, null]);
  });
});
