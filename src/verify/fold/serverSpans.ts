import type { ServerSpec } from '../../scenario/types.js';
import { canLead, isLeading, ServerStateFold, type ServerState } from '../../sim/trace/serverState.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import type { Span } from './entries.js';

/** A span of one server's state, with the entries that opened and closed it (null: the run's start, or open). */
export interface StateSpan extends Span {
  server: string;
  opened: TraceEntry | null;
  closed: TraceEntry | null;
}

/**
 * Each server's pauses, candidacy (the spans in which it could lead and run jobs: running, not stopping,
 * paused or cut off, with jobs) and leadership (elected until it steps down, releases, or its process ends
 * or starts stopping: `isLeading`; and not paused or cut off meanwhile, since a leader that cannot reach
 * the database holds its term but leads nothing), as spans of virtual time. The state itself is the
 * simulator's one derivation (ServerStateFold); this only notes where `paused`, `canLead` and `isLeading`
 * change.
 */
export class ServerSpans {
  private readonly pauses = new Map<string, StateSpan[]>();
  private readonly candidacy = new Map<string, StateSpan[]>();
  private readonly leadership = new Map<string, StateSpan[]>();
  private readonly openPause = new Map<string, StateSpan>();
  private readonly openCandidacy = new Map<string, StateSpan>();
  private readonly openLeadership = new Map<string, StateSpan>();
  private readonly states: ServerStateFold;

  constructor(servers: readonly ServerSpec[], startVt: number) {
    this.states = new ServerStateFold(servers, startVt);
    for (const state of this.states.all()) this.note(state, startVt, null);
    this.states.onChange((state, entry) => this.note(state, entry.vt, entry));
  }

  /** An entry the fold has settled (actions reach here after their next entry, or at the end). */
  push(entry: TraceEntry): void {
    this.states.push(entry);
  }

  /** The last entry is settled: the state fold may apply the action it held back. */
  finish(): void {
    this.states.finish();
  }

  /** Whether the server was paused at some instant of [from, to]. */
  pausedDuring(server: string, from: number, to: number): Span | undefined {
    return (this.pauses.get(server) ?? []).find((span) => span.from <= to && span.to >= from);
  }

  /** Whether a server could lead and run jobs throughout [from, to]. */
  candidateThroughout(server: string, from: number, to: number): boolean {
    return (this.candidacy.get(server) ?? []).some((span) => span.from <= from && span.to > to);
  }

  /** The servers other than `exclude` that could lead throughout [from, to]. */
  candidatesThroughout(from: number, to: number, exclude?: string): string[] {
    return [...this.candidacy.keys()].filter(
      (server) => server !== exclude && this.candidateThroughout(server, from, to),
    );
  }

  /** Every server's candidacy spans, server by server, each in order. */
  candidacySpans(): readonly StateSpan[] {
    return [...this.candidacy.values()].flat();
  }

  /** Every server's leadership spans (leading, not paused or cut off), server by server, each in order. */
  leadershipSpans(): readonly StateSpan[] {
    return [...this.leadership.values()].flat();
  }

  /** Each server's state after the entries settled so far (live: read it, do not keep it). */
  serverStates(): readonly Readonly<ServerState>[] {
    return this.states.all();
  }

  private note(state: Readonly<ServerState>, vt: number, entry: TraceEntry | null): void {
    const server = state.id;
    this.toggle(this.candidacy, this.openCandidacy, server, canLead(state), vt, entry);
    this.toggle(this.pauses, this.openPause, server, state.paused, vt, entry);
    const acting = isLeading(state) && !state.paused && !state.cutOff;
    this.toggle(this.leadership, this.openLeadership, server, acting, vt, entry);
  }

  private toggle(
    spans: Map<string, StateSpan[]>,
    open: Map<string, StateSpan>,
    server: string,
    on: boolean,
    vt: number,
    entry: TraceEntry | null,
  ) {
    const current = open.get(server);
    if (on && !current) {
      const span = { server, from: vt, to: Infinity, opened: entry, closed: null };
      open.set(server, span);
      let list = spans.get(server);
      if (!list) spans.set(server, (list = []));
      list.push(span);
    } else if (!on && current) {
      current.to = vt;
      current.closed = entry;
      open.delete(server);
    }
  }
}
