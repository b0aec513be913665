import type { CoordinatorEventBody } from '../../core/events.js';
import type { DatabaseEvent } from '../../db/events.js';
import type { ServerTarget } from '../../scenario/targets.js';
import type { Action } from '../../scenario/types.js';

/**
 * One observable event of a run. Every entry carries virtual time, database time, the server it concerns
 * and that server's leadership term when it was recorded, so that checkers and the timeline can order and
 * place it without knowing where it came from.
 */
export type TraceEntry = TraceStamp & TraceBody;

export interface TraceStamp {
  /** Position in the trace: the one total order of the run. */
  seq: number;
  /** Virtual time, ms. */
  vt: number;
  /** The database's clock at that moment, ms. */
  db: number;
  /** The server concerned, or null for the database and cluster-wide actions. */
  server: string | null;
  /** The term the server held as leader when the entry was recorded, or null. */
  term: number | null;
}

export type TraceBody =
  /** Something a coordinator reported (elected, heartbeat, claimed, completed, cronFired ...). `local`: its clock. */
  | (CoordinatorEventBody & { source: 'coordinator'; local: number })
  /** Lock waits, grants, releases, rollbacks and busy timeouts of the shared database. */
  | (DistributiveOmit<DatabaseEvent, 'connection'> & { source: 'database' })
  /**
   * An action of the scenario (a fault, an enqueue, a clock change ...), at the moment it was applied. One
   * written with a relative target (`"server": "@leader"`) holds the id it resolved to in `action.server`
   * (and the entry's `server`), and the target as written in `target`; one that resolved to no server keeps
   * the target in `action.server`, has no server, and is refused by the `actionFailed` that follows.
   */
  | { source: 'action'; type: 'action'; action: Action; target?: ServerTarget }
  /** An action the server refused or could not carry out (enqueue of an unknown job, restart of a live server). */
  | { source: 'action'; type: 'actionFailed'; action: Action; error: string; target?: ServerTarget }
  /** A server process started or ended: why, and its generation (1, then 2 after a restart ...). */
  | { source: 'process'; type: 'processStarted' | 'processEnded'; generation: number; reason: string };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Appends entries in order and hands out sequence numbers. */
export class Trace {
  readonly entries: TraceEntry[] = [];

  record(stamp: Omit<TraceStamp, 'seq'>, body: TraceBody): TraceEntry {
    const entry = { seq: this.entries.length, ...stamp, ...body } as TraceEntry;
    this.entries.push(entry);
    return entry;
  }

  /** The trace as JSON text (see traceToJson). */
  toJson(): string {
    return traceToJson(this.entries);
  }
}

/** Trace entries as JSON text, one entry per line inside an array: diffable, and stable for one seed. */
export function traceToJson(entries: readonly TraceEntry[]): string {
  return `[\n${entries.map((entry) => JSON.stringify(entry)).join(',\n')}\n]\n`;
}
