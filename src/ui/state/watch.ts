import * as v from 'valibot';
import {
  actionMatches,
  condition,
  evaluateStep,
  isLearnerAction,
  trackRunning,
  type Condition,
  type LessonView,
} from '../../lessons';
import type { Action } from '../../scenario/types';
import type { ClusterSnapshot, TraceEntry } from '../../playground/view/types';

/**
 * A scenario's "what to watch" checklist: its `watch` items (the scenario room checks their shape only),
 * their `when` read as lesson conditions and judged by the lessons' evaluator's rules on the page's view.
 *
 * The trace conditions (`seen`, `took`) are folded over the whole trace as it arrives (`WatchFold`), not
 * judged on the page's log: the log keeps the last 5,000 entries, so in a long run an early event would fall
 * out of it and its item untick. The fold keeps, per item, only the few entries that decide it.
 */

export interface WatchItem {
  text: string;
  when: Condition;
}

/** The items whose `when` is a lesson condition; the others are left out and said in `problems`. */
export function parseWatch(raw: readonly { text: string; when: unknown }[] | undefined): {
  items: WatchItem[];
  problems: string[];
} {
  const items: WatchItem[] = [];
  const problems: string[] = [];
  (raw ?? []).forEach((item, index) => {
    const result = v.safeParse(condition, item.when);
    if (result.success) items.push({ text: item.text, when: result.output });
    else problems.push(`watch[${index}].when: ${result.issues[0]?.message ?? 'not a condition'}`);
  });
  return { items, problems };
}

/** An entry that decides an item: its seq and its run time. */
interface Hit {
  seq: number;
  atMs: number;
}

/** What the fold keeps of one item. */
interface ItemFacts {
  /** `seen`: the first `count` matching entries. `took`: the first matching learner action. */
  hits: Hit[];
  /** `seen` with `afterAction`: the learner's actions, each with the first `count` matches after it. */
  segments: { action: Hit; hits: Hit[] }[];
  /** Any other condition: when it was first judged to hold, while it still holds. */
  heldSince: number | null;
}

/** The part of a view the fold takes in with new entries. */
export interface WatchBatch {
  /** Grows when the run is replaced (load, reset, rewind). */
  history: number;
  epoch: number;
  /** New entries, in order: the whole history's from seq 0, or (a rewind) its last ones. */
  entries: readonly TraceEntry[];
  /** The cluster at the batch's end: after a rewind, the jobs each server runs then. */
  snapshot: ClusterSnapshot | null;
}

/**
 * The watch list folded over the whole trace, one batch of new entries at a time (what the page takes in
 * from each view). A replaced history that starts at seq 0 (a load, a reset, a short rewind) starts the fold
 * again; one that starts later is a rewind whose early entries did not come again: a rewind replays the same
 * run, so its trace is the one folded before, up to its last entry, and the fold keeps what it had up to
 * there.
 */
export class WatchFold {
  private facts: ItemFacts[];
  private history = -1;
  private lastSeq = -1;
  private running = new Map<string, Set<string>>();

  constructor(
    readonly items: readonly WatchItem[],
    private readonly scripted: readonly Action[],
  ) {
    this.facts = items.map(emptyFacts);
  }

  take(batch: WatchBatch): void {
    const entries = batch.entries;
    if (batch.history !== this.history) {
      const first = entries[0];
      this.history = batch.history;
      if (!first || first.seq === 0 || this.lastSeq < 0) {
        this.restart();
      } else {
        // A rewind to a point of the run folded before: keep what was seen up to its last entry.
        const last = entries[entries.length - 1]!.seq;
        this.truncate(last);
        this.running = runningOf(batch.snapshot);
        this.lastSeq = last;
        return;
      }
    }
    for (const entry of entries) {
      if (entry.seq <= this.lastSeq) continue;
      this.fold(entry, batch.epoch);
      this.lastSeq = entry.seq;
    }
  }

  /**
   * When each item was first seen in this run (run time, ms), or null while it has not happened: a trace
   * condition is dated by the entry that met it; any other by when it was first judged to hold, now or
   * before (it is null again once it no longer holds).
   */
  seenAt(view: Omit<LessonView, 'entries' | 'scripted'>): (number | null)[] {
    return this.items.map((item, index) => {
      const facts = this.facts[index]!;
      const when = item.when;
      if ('seen' in when) {
        const count = when.count ?? 1;
        const hits = when.afterAction ? (facts.segments.at(-1)?.hits ?? []) : facts.hits;
        return hits.length >= count ? hits[count - 1]!.atMs : null;
      }
      if ('took' in when) return facts.hits[0]?.atMs ?? null;
      const met = evaluateStep(
        { text: item.text, check: [when] },
        { ...view, entries: [], scripted: this.scripted },
        { history: view.history, atMs: 0 },
      ).met[0];
      if (!met) facts.heldSince = null;
      else if (facts.heldSince === null || facts.heldSince > view.elapsedMs) facts.heldSince = view.elapsedMs;
      return facts.heldSince;
    });
  }

  private fold(entry: TraceEntry, epoch: number): void {
    const atMs = entry.vt - epoch;
    const learner = isLearnerAction(entry, this.scripted, epoch);
    this.items.forEach((item, index) => {
      const facts = this.facts[index]!;
      const when = item.when;
      if ('seen' in when) {
        const count = when.count ?? 1;
        if (when.afterAction) {
          if (learner) facts.segments.push({ action: { seq: entry.seq, atMs }, hits: [] });
          const open = facts.segments.at(-1);
          if (open && entry.type === when.seen && entry.seq > open.action.seq && open.hits.length < count)
            open.hits.push({ seq: entry.seq, atMs });
        } else if (entry.type === when.seen && facts.hits.length < count) {
          facts.hits.push({ seq: entry.seq, atMs });
        }
      } else if ('took' in when && learner && facts.hits.length === 0) {
        if (actionMatches(when, entry, (server) => this.running.get(server)?.size ?? 0))
          facts.hits.push({ seq: entry.seq, atMs });
      }
    });
    trackRunning(this.running, entry);
  }

  private restart(): void {
    this.facts = this.items.map(emptyFacts);
    this.running = new Map();
    this.lastSeq = -1;
  }

  private truncate(lastSeq: number): void {
    for (const facts of this.facts) {
      facts.hits = facts.hits.filter((hit) => hit.seq <= lastSeq);
      facts.segments = facts.segments
        .filter((segment) => segment.action.seq <= lastSeq)
        .map((segment) => ({ ...segment, hits: segment.hits.filter((hit) => hit.seq <= lastSeq) }));
    }
  }
}

function emptyFacts(): ItemFacts {
  return { hits: [], segments: [], heldSince: null };
}

function runningOf(snapshot: ClusterSnapshot | null): Map<string, Set<string>> {
  const running = new Map<string, Set<string>>();
  for (const server of snapshot?.servers ?? [])
    running.set(server.id, new Set(server.runningJobs.map((job) => String(job.jobId))));
  return running;
}

/**
 * The watch list judged on one view holding the whole trace (a headless run, a test): a fold over its
 * entries. `previous` carries the times of the conditions that are not in the trace from call to call.
 */
export function watchSeenAt(
  items: readonly WatchItem[],
  view: LessonView,
  previous: readonly (number | null)[] = [],
): (number | null)[] {
  const fold = new WatchFold(items, view.scripted);
  fold.take({ history: view.history, epoch: view.epoch, entries: view.entries, snapshot: view.snapshot });
  const seen = fold.seenAt(view);
  return seen.map((at, index) => {
    const item = items[index]!;
    if (at === null || 'seen' in item.when || 'took' in item.when) return at;
    const before = previous[index];
    return before !== null && before !== undefined && before <= view.elapsedMs ? before : at;
  });
}
