import type { ServerSpec } from '../../scenario/types';
import { canLead, ServerStateFold } from '../../sim/trace/serverState';
import type { TraceEntry } from '../../sim/trace/trace';
import type { Span } from './entries';

/**
 * Each server's pauses and candidacy (the spans in which it could lead and run jobs: running, not
 * stopping, paused or cut off, with jobs), as spans of virtual time. The state itself is the simulator's
 * one derivation (ServerStateFold); this only notes where `paused` and `canLead` change.
 */
export class ServerSpans {
  private readonly pauses = new Map<string, Span[]>();
  private readonly candidacy = new Map<string, Span[]>();
  private readonly openPause = new Map<string, Span>();
  private readonly openCandidacy = new Map<string, Span>();
  private readonly states: ServerStateFold;

  constructor(servers: readonly ServerSpec[], startVt: number) {
    this.states = new ServerStateFold(servers, startVt);
    for (const state of this.states.all()) this.note(state.id, canLead(state), state.paused, startVt);
    this.states.onChange((state, entry) => this.note(state.id, canLead(state), state.paused, entry.vt));
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

  private note(server: string, candidate: boolean, paused: boolean, vt: number): void {
    this.toggle(this.candidacy, this.openCandidacy, server, candidate, vt);
    this.toggle(this.pauses, this.openPause, server, paused, vt);
  }

  private toggle(
    spans: Map<string, Span[]>,
    open: Map<string, Span>,
    server: string,
    on: boolean,
    vt: number,
  ) {
    const current = open.get(server);
    if (on && !current) {
      const span = { from: vt, to: Infinity };
      open.set(server, span);
      let list = spans.get(server);
      if (!list) spans.set(server, (list = []));
      list.push(span);
    } else if (!on && current) {
      current.to = vt;
      open.delete(server);
    }
  }
}
