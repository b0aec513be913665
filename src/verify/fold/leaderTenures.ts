import type { ServerSpec } from '../../scenario/types.js';
import { isLeading, ServerStateFold, type ServerState } from '../../sim/trace/serverState.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import type { Span } from './entries.js';

/**
 * One server's leadership under one term, as its state says (ServerState `isLeading`: it holds the term
 * and its process runs), from the entry that began it to the one that ended it.
 */
export interface Tenure {
  server: string;
  term: number;
  from: number;
  /** Infinity while it lasts at the end of the trace. */
  to: number;
  began: TraceEntry;
  ended?: TraceEntry;
  /**
   * Where it could not act on the database: paused (its messages wait) or cut off (its statements fail).
   * A leader acts as leader in the rest of the tenure.
   */
  idle: Span[];
}

/**
 * Every server's leadership tenures, from the simulator's one derivation of server state, entry by entry.
 * It is fed the fold's settled entries; the state fold holds the last action back until the next entry,
 * so a tenure reads at most one action late at the very end of a trace.
 */
export class LeaderTenures {
  readonly tenures: Tenure[] = [];
  private readonly open = new Map<string, Tenure>();
  private states: ServerStateFold | undefined;

  constructor(private readonly servers: readonly ServerSpec[]) {}

  step(entry: TraceEntry): void {
    if (!this.states) {
      this.states = new ServerStateFold(this.servers, entry.vt);
      this.states.onChange((state, changed) => this.note(state, changed));
    }
    this.states.push(entry);
  }

  private note(state: Readonly<ServerState>, entry: TraceEntry): void {
    const current = this.open.get(state.id);
    const leading = isLeading(state);
    if (current && (!leading || current.term !== state.term)) {
      current.to = entry.vt;
      current.ended = entry;
      const idle = current.idle[current.idle.length - 1];
      if (idle && idle.to === Infinity) idle.to = entry.vt;
      this.open.delete(state.id);
    }
    if (leading && !this.open.has(state.id)) {
      const tenure: Tenure = {
        server: state.id,
        term: state.term!,
        from: entry.vt,
        to: Infinity,
        began: entry,
        idle: [],
      };
      this.open.set(state.id, tenure);
      this.tenures.push(tenure);
    }
    const tenure = this.open.get(state.id);
    if (!tenure) return;
    const idleNow = state.paused || state.cutOff;
    const last = tenure.idle[tenure.idle.length - 1];
    const idleOpen = last !== undefined && last.to === Infinity;
    if (idleNow && !idleOpen) tenure.idle.push({ from: entry.vt, to: Infinity });
    else if (!idleNow && idleOpen) last.to = entry.vt;
  }
}
