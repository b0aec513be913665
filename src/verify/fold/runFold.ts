import type { ActionType, Scenario } from '../../scenario/types.js';
import { DEFAULT_LATENCY_MS } from '../../scenario/types.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import { DbClock } from './dbClock.js';
import { isActionEntry, isEvent, refuses, type ActionEntry, type EventEntry, type Span } from './entries.js';
import { JobKeys } from './jobKeys.js';
import type { ServerState } from '../../sim/trace/serverState.js';
import { ServerSpans, type StateSpan } from './serverSpans.js';

/**
 * The one fold over a run's trace. Entry by entry it derives what every checker needs beyond the raw
 * entry: which job a job event is about, each server's process generations, pauses, ability to lead and
 * leadership, the elections, the database skew over time, whether an action was applied and whether a
 * reclaim counted, and how early the write behind a recorded event may have happened.
 *
 * Why the last one: a coordinator event is recorded when the server acts on the database's answer, and the
 * conductor delivers answers after a latency (0-2 ms by default) and holds them while the server is paused.
 * So the write behind an event happened at or before the event, and no earlier than the event minus one
 * latency per round trip, or, if the server was paused in between, than the start of that pause.
 *
 * Two facts about an entry are only known from later ones, so the fold settles entries in order and holds
 * an entry back (with all after it) until they are known: an action is refused if the very next entry is
 * its `actionFailed`; a `reclaimed` (emitted inside the claiming server's transaction) did not happen if
 * that transaction was rolled back (its server cut off or crashed before committing), which the next
 * `lockReleased`, or a `rolledBack` of that server, tells. Listeners hear each entry once it is settled,
 * with everything derived up to it; `finish` settles the rest as the end of the trace leaves them.
 */
export class RunFold {
  /** Every entry pushed, in trace order (settled or not). */
  readonly trace: TraceEntry[] = [];
  /** The largest answer latency of the database, ms of virtual time. */
  readonly maxLatencyMs: number;
  /** Every settled `elected` entry, in trace order. */
  readonly elections: EventEntry<'elected'>[] = [];
  readonly jobs = new JobKeys();
  readonly clock = new DbClock(this.trace);
  private servers: ServerSpans | undefined;
  private readonly failedActions = new Set<number>();
  private readonly rolledBack = new Set<number>();
  /** Entries pushed but not settled, in order; the first is held by one of the two waits below. */
  private readonly queue: TraceEntry[] = [];
  private heldAction: ActionEntry | undefined;
  private readonly openReclaims = new Set<EventEntry<'reclaimed'>>();
  private readonly listeners: ((entry: TraceEntry) => void)[] = [];
  private finished = false;

  constructor(readonly scenario: Scenario) {
    this.maxLatencyMs = scenario.database?.latencyMs?.max ?? DEFAULT_LATENCY_MS.max;
  }

  /** Hear every entry once it is settled, in trace order. */
  onSettled(listener: (entry: TraceEntry) => void): void {
    this.listeners.push(listener);
  }

  /** How many entries wait for later ones to be settled. */
  get unsettled(): number {
    return this.queue.length;
  }

  push(entry: TraceEntry): void {
    if (this.finished) throw new Error('the fold has finished: push no more entries');
    this.trace.push(entry);
    this.clock.push(entry);
    if (!this.servers) this.servers = new ServerSpans(this.scenario.servers, entry.vt);
    if (this.heldAction) {
      if (refuses(entry, this.heldAction)) this.failedActions.add(this.heldAction.seq);
      this.heldAction = undefined;
    }
    this.resolveReclaims(entry);
    const waits = isActionEntry(entry) || isEvent(entry, 'reclaimed');
    if (this.queue.length === 0 && !waits) {
      this.settle(entry); // the common case: nothing held back, nothing to wait for
      return;
    }
    if (isActionEntry(entry)) this.heldAction = entry;
    if (isEvent(entry, 'reclaimed')) this.openReclaims.add(entry);
    this.queue.push(entry);
    this.drain();
  }

  /** The trace has ended: the last action was applied, and reclaims not yet rolled back stand. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.heldAction = undefined;
    this.openReclaims.clear();
    this.drain();
    this.spans.finish();
  }

  // --- what the checkers ask ---

  /** The job an entry is about, or undefined for entries about no job. */
  jobKey(entry: TraceEntry): string | undefined {
    return this.jobs.jobKey(entry);
  }

  /** The process generation of a server's entry (1 before any restart). */
  generation(entry: TraceEntry): number {
    return this.jobs.generation(entry);
  }

  /** Action entries that were applied (not refused by the conductor right away), of the given types. */
  appliedAction<T extends ActionType>(entry: TraceEntry, ...types: T[]): entry is ActionEntry<T> {
    return (
      isActionEntry(entry) &&
      (types.length === 0 || (types as string[]).includes(entry.action.type)) &&
      !this.failedActions.has(entry.seq)
    );
  }

  /** Whether a `reclaimed` was undone by its transaction's rollback. */
  rolledBackReclaim(entry: EventEntry<'reclaimed'>): boolean {
    return this.rolledBack.has(entry.seq);
  }

  pausedDuring(server: string, from: number, to: number): Span | undefined {
    return this.spans.pausedDuring(server, from, to);
  }

  /**
   * The earliest virtual time at which the write whose answer led to `entry` may have run on the database:
   * `roundTrips` latencies before the entry, or before the start of a pause that held the answers.
   */
  writeLowerBoundVt(entry: TraceEntry, roundTrips: number): number {
    const slack = roundTrips * this.maxLatencyMs;
    let bound = entry.vt - slack;
    if (entry.server === null) return bound;
    for (;;) {
      const pause = this.pausedDuring(entry.server, bound, entry.vt);
      if (!pause || pause.from - slack >= bound) return bound;
      bound = pause.from - slack;
    }
  }

  /** Whether a server could lead and run jobs (running, not stopping, paused or cut off, with jobs) throughout [from, to]. */
  candidateThroughout(server: string, from: number, to: number): boolean {
    return this.spans.candidateThroughout(server, from, to);
  }

  /** The servers other than `exclude` that could lead throughout [from, to]. */
  candidatesThroughout(from: number, to: number, exclude?: string): string[] {
    return this.spans.candidatesThroughout(from, to, exclude);
  }

  /** Every server's spans of candidacy (see candidateThroughout), server by server, each in order. */
  candidacySpans(): readonly StateSpan[] {
    return this.spans.candidacySpans();
  }

  /** Every server's spans of leadership (`isLeading`, not paused or cut off), server by server, in order. */
  leadershipSpans(): readonly StateSpan[] {
    return this.spans.leadershipSpans();
  }

  /** Each server's state after the entries settled so far (the simulator's ServerStateFold). */
  serverStates(): readonly Readonly<ServerState>[] {
    return this.spans.serverStates();
  }

  dbToVt(db: number): number {
    return this.clock.dbToVt(db);
  }

  dbToVtAfter(db: number, fromVt: number): number {
    return this.clock.dbToVtAfter(db, fromVt);
  }

  electionStartVt(elected: EventEntry<'elected'>): number {
    return this.clock.electionStartVt(elected);
  }

  private get spans(): ServerSpans {
    // A trace without entries: the scenario's servers from time 0, as a whole-trace index had it.
    this.servers ??= new ServerSpans(this.scenario.servers, 0);
    return this.servers;
  }

  private resolveReclaims(entry: TraceEntry): void {
    if (entry.source !== 'database' || this.openReclaims.size === 0) return;
    for (const reclaim of [...this.openReclaims]) {
      if (entry.type === 'rolledBack' && entry.server === reclaim.server) {
        this.rolledBack.add(reclaim.seq);
        this.openReclaims.delete(reclaim);
      } else if (entry.type === 'lockReleased') {
        if (entry.outcome === 'rollback' && entry.server === reclaim.server) this.rolledBack.add(reclaim.seq);
        this.openReclaims.delete(reclaim);
      }
    }
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head === this.heldAction) return;
      if (isEvent(head, 'reclaimed') && this.openReclaims.has(head)) return;
      this.queue.shift();
      this.settle(head);
    }
  }

  private settle(entry: TraceEntry): void {
    if (isEvent(entry, 'elected')) this.elections.push(entry);
    this.jobs.push(entry);
    this.spans.push(entry);
    for (const listener of this.listeners) listener(entry);
  }
}

/** The fold over a whole trace, finished. */
export function foldTrace(scenario: Scenario, trace: readonly TraceEntry[]): RunFold {
  const fold = new RunFold(scenario);
  for (const entry of trace) fold.push(entry);
  fold.finish();
  return fold;
}
