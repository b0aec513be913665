import type { CoordinatorEventBody } from '../../core/events';
import type { RunResult } from '../../sim/runResult';
import { DEFAULT_LATENCY_MS, type Action, type ActionType } from '../../scenario/types';
import type { TraceEntry, TraceStamp } from '../../sim/trace/trace';

/**
 * What every checker needs to know about a run beyond the raw trace, computed once per run: which job a
 * job event is about, each server's process generations, pauses and ability to lead, the database skew
 * over time, and how early the write behind a recorded event may have happened.
 *
 * Why the last one: a coordinator event is recorded when the server acts on the database's answer, and the
 * conductor delivers answers after a latency (0-2 ms by default) and holds them while the server is paused.
 * So the write behind an event happened at or before the event, and no earlier than the event minus one
 * latency per round trip, or, if the server was paused in between, than the start of that pause.
 */

export type EventType = CoordinatorEventBody['type'];
export type EventEntry<T extends EventType = EventType> = TraceStamp &
  Extract<CoordinatorEventBody, { type: T }> & { source: 'coordinator'; local: number };
export type ProcessEntry = Extract<TraceEntry, { source: 'process' }>;
export type ActionEntry<T extends ActionType = ActionType> = Extract<TraceEntry, { source: 'action' }> & {
  action: Extract<Action, { type: T }>;
};

export function isEvent<T extends EventType>(entry: TraceEntry, ...types: T[]): entry is EventEntry<T> {
  return entry.source === 'coordinator' && (types as string[]).includes(entry.type);
}

export function isProcess(
  entry: TraceEntry,
  type?: 'processStarted' | 'processEnded',
): entry is ProcessEntry {
  return entry.source === 'process' && (type === undefined || entry.type === type);
}

/** An interval of virtual time, [from, to); `to` is Infinity while it is still open at the end of the run. */
export interface Span {
  from: number;
  to: number;
}

interface ServerState {
  running: boolean;
  stopping: boolean;
  paused: boolean;
  cutOff: boolean;
  withoutJobs: boolean;
}

/** Differences of the database skew below this are rounding, not a change. */
const SKEW_TOLERANCE_MS = 0.001;
/** `db_now_ms()` gives whole milliseconds: a time read in SQL may be up to this much below the clock. */
const DB_ROUNDING_MS = 1;

export class RunIndex {
  readonly trace: readonly TraceEntry[];
  /** The largest answer latency of the database, ms of virtual time. */
  readonly maxLatencyMs: number;
  /** Every `elected` entry, in trace order. */
  readonly elections: EventEntry<'elected'>[] = [];
  /** The job each job event is about: the database id, or `id@server` (`#generation` after a restart) for a local job. */
  private readonly jobKeys = new Map<number, string>();
  /** Where each job entered the run: its `enqueued`, or for a cron job its `cronFired`. */
  readonly origins = new Map<string, EventEntry<'enqueued' | 'cronFired'>>();
  /** Jobs that lived in one server's memory (single-server mode, or hazard H10). */
  readonly localJobs = new Set<string>();
  /** The process generation each entry of a server belongs to. */
  private readonly generations = new Map<number, number>();
  private readonly failedActions = new Set<number>();
  private readonly pauses = new Map<string, Span[]>();
  private readonly candidacy = new Map<string, Span[]>();
  /** Where the database clock's offset from virtual time changed: from that vt on, db = vt + skew. */
  private readonly skews: { fromVt: number; skew: number }[] = [];

  constructor(readonly result: RunResult) {
    this.trace = result.trace;
    this.maxLatencyMs = result.scenario.database?.latencyMs?.max ?? DEFAULT_LATENCY_MS.max;
    this.findFailedActions();
    for (const entry of this.trace) if (isEvent(entry, 'elected')) this.elections.push(entry);
    this.indexJobs();
    this.indexServers();
    this.indexSkew();
  }

  /** The job an entry is about, or undefined for entries about no job. */
  jobKey(entry: TraceEntry): string | undefined {
    return this.jobKeys.get(entry.seq);
  }

  /** The process generation of a server's entry (1 before any restart). */
  generation(entry: TraceEntry): number {
    return this.generations.get(entry.seq) ?? 1;
  }

  /** Action entries that were applied (not refused by the conductor right away), of the given types. */
  appliedAction<T extends ActionType>(entry: TraceEntry, ...types: T[]): entry is ActionEntry<T> {
    return (
      entry.source === 'action' &&
      entry.type === 'action' &&
      (types.length === 0 || (types as string[]).includes(entry.action.type)) &&
      !this.failedActions.has(entry.seq)
    );
  }

  /** Whether the server was paused at some instant of [from, to]. */
  pausedDuring(server: string, from: number, to: number): Span | undefined {
    return (this.pauses.get(server) ?? []).find((span) => span.from <= to && span.to >= from);
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
    return (this.candidacy.get(server) ?? []).some((span) => span.from <= from && span.to > to);
  }

  /** The servers other than `exclude` that could lead throughout [from, to]. */
  candidatesThroughout(from: number, to: number, exclude?: string): string[] {
    return [...this.candidacy.keys()].filter(
      (server) => server !== exclude && this.candidateThroughout(server, from, to),
    );
  }

  /**
   * The virtual time at which the database clock read `db`. When the clock was set back, a reading can
   * have happened twice; the earlier time is returned.
   */
  dbToVt(db: number): number {
    const found = this.vtCandidates(db);
    if (found.length > 0) return Math.min(...found);
    // The clock jumped over this reading: the first moment it was at or past it.
    const after = this.trace.find((entry) => entry.db >= db);
    if (after) return after.vt;
    const last = this.skews[this.skews.length - 1];
    return last ? db - last.skew : db;
  }

  /**
   * The first virtual time at or after `fromVt` at which the database clock read `db` or more: with a
   * clock set back, a reading comes round twice, and only the one after `fromVt` matters.
   */
  dbToVtAfter(db: number, fromVt: number): number {
    const found = this.vtCandidates(db).filter((vt) => vt >= fromVt);
    if (found.length > 0) return Math.min(...found);
    const after = this.trace.find((entry) => entry.vt >= fromVt && entry.db >= db);
    return after ? after.vt : this.dbToVt(db);
  }

  /**
   * Virtual time at which an election read the lease (`dbNow`, its transaction's start): the latest
   * moment the database clock read that value before the election was recorded.
   */
  electionStartVt(elected: EventEntry<'elected'>): number {
    const found = this.vtCandidates(elected.dbNow).filter((vt) => vt <= elected.vt + DB_ROUNDING_MS);
    return found.length > 0 ? Math.min(elected.vt, Math.max(...found)) : elected.vt;
  }

  /** Every virtual time at which the database clock read `db` (whole ms in SQL, so within a ms). */
  private vtCandidates(db: number): number[] {
    const found: number[] = [];
    this.skews.forEach((segment, index) => {
      const vt = db - segment.skew;
      const next = this.skews[index + 1];
      if (vt >= segment.fromVt - DB_ROUNDING_MS && (!next || vt < next.fromVt + DB_ROUNDING_MS))
        found.push(vt);
    });
    return found;
  }

  /** Entries of one job, in trace order. */
  entriesOf(key: string): TraceEntry[] {
    return this.trace.filter((entry) => this.jobKeys.get(entry.seq) === key);
  }

  private findFailedActions(): void {
    this.trace.forEach((entry, index) => {
      if (entry.source !== 'action' || entry.type !== 'action') return;
      const next = this.trace[index + 1] as { type?: string; action?: unknown } | undefined;
      if (next?.type === 'actionFailed' && JSON.stringify(next.action) === JSON.stringify(entry.action)) {
        this.failedActions.add(entry.seq);
      }
    });
  }

  private indexJobs(): void {
    const generation = new Map<string, number>();
    for (const entry of this.trace) {
      if (entry.server === null) continue;
      if (isProcess(entry, 'processStarted')) generation.set(entry.server, entry.generation);
      const gen = generation.get(entry.server) ?? 1;
      this.generations.set(entry.seq, gen);
      if (entry.source !== 'coordinator' || !('jobId' in entry)) continue;
      const local = `${entry.jobId}@${entry.server}${gen > 1 ? `#${gen}` : ''}`;
      let key: string;
      if (isEvent(entry, 'enqueued') && entry.target === 'local') {
        this.localJobs.add(local);
        key = local;
      } else if (isEvent(entry, 'reclaimed')) {
        key = entry.jobId;
      } else {
        key = this.localJobs.has(local) ? local : entry.jobId;
      }
      this.jobKeys.set(entry.seq, key);
      if (isEvent(entry, 'enqueued', 'cronFired') && !this.origins.has(key)) this.origins.set(key, entry);
    }
  }

  private indexServers(): void {
    const { scenario } = this.result;
    const states = new Map<string, ServerState>();
    const fresh = (withoutJobs: boolean, running: boolean): ServerState => ({
      running,
      stopping: false,
      paused: false,
      cutOff: false,
      withoutJobs,
    });
    const candidate = (state: ServerState) =>
      state.running && !state.stopping && !state.paused && !state.cutOff && !state.withoutJobs;
    const openPause = new Map<string, Span>();
    const openCandidacy = new Map<string, Span>();
    const update = (server: string, vt: number, change: (state: ServerState) => void) => {
      const state = states.get(server) ?? fresh(false, false);
      states.set(server, state);
      change(state);
      const open = openCandidacy.get(server);
      if (candidate(state) && !open) {
        const span = { from: vt, to: Infinity };
        openCandidacy.set(server, span);
        this.list(this.candidacy, server).push(span);
      } else if (!candidate(state) && open) {
        open.to = vt;
        openCandidacy.delete(server);
      }
      const pause = openPause.get(server);
      if (state.paused && !pause) {
        const span = { from: vt, to: Infinity };
        openPause.set(server, span);
        this.list(this.pauses, server).push(span);
      } else if (!state.paused && pause) {
        pause.to = vt;
        openPause.delete(server);
      }
    };
    const start = this.trace[0]?.vt ?? 0;
    for (const spec of scenario.servers) {
      update(spec.id, start, (state) => Object.assign(state, fresh(spec.withoutJobs ?? false, true)));
    }
    for (const entry of this.trace) {
      // An addServer action concerns the server it adds (the conductor records it with no server).
      const server =
        entry.source === 'action' && entry.type === 'action' && entry.action.type === 'addServer'
          ? entry.action.server.id
          : entry.server;
      if (server === null) continue;
      if (isProcess(entry, 'processStarted')) {
        update(server, entry.vt, (state) => Object.assign(state, fresh(state.withoutJobs, true)));
      } else if (isProcess(entry, 'processEnded') || isEvent(entry, 'crashed')) {
        update(server, entry.vt, (state) => Object.assign(state, { running: false, paused: false }));
      } else if (isEvent(entry, 'started')) {
        update(server, entry.vt, (state) => (state.withoutJobs = entry.withoutJobs));
      } else if (this.appliedAction(entry)) {
        const action = entry.action;
        update(server, entry.vt, (state) => {
          if (action.type === 'addServer')
            Object.assign(state, fresh(action.server.withoutJobs ?? false, true));
          else if (action.type === 'crash') state.running = false;
          else if (action.type === 'stop') state.stopping = true;
          else if (action.type === 'pause') state.paused = true;
          else if (action.type === 'resume') state.paused = false;
          else if (action.type === 'cutOff') state.cutOff = true;
          else if (action.type === 'heal') state.cutOff = false;
        });
      }
    }
  }

  private indexSkew(): void {
    let previous: TraceEntry | undefined;
    for (const entry of this.trace) {
      // Virtual time is fractional under drift: db - vt wobbles in its last bits without a real change.
      const skew = entry.db - entry.vt;
      const last = this.skews[this.skews.length - 1];
      if (!last || Math.abs(last.skew - skew) > SKEW_TOLERANCE_MS) {
        // The change happened after the previous entry (the setDatabaseSkew action, recorded just before it).
        this.skews.push({ fromVt: previous && last ? previous.vt : -Infinity, skew });
      }
      previous = entry;
    }
  }

  private list<T>(map: Map<string, T[]>, key: string): T[] {
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    return list;
  }
}

const indexes = new WeakMap<RunResult, RunIndex>();

/** The index of a run, built once and shared by the checkers. */
export function indexRun(result: RunResult): RunIndex {
  let index = indexes.get(result);
  if (!index) indexes.set(result, (index = new RunIndex(result)));
  return index;
}

/** A row's column as a number, or null. */
export function num(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A row's column as a string, or null. */
export function str(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
