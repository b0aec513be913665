import { resolveHazards } from '../../core/hazards.js';
import type { HazardList, Scenario } from '../../scenario/types.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import { isEvent, type EventEntry } from './entries.js';
import type { RunFold } from './runFold.js';

/** The lease row (`leadJobCoordinators`) as the trace shows it: its holder, term and last heartbeat (db ms). */
export interface LeaseRow {
  holder: string | null;
  term: number;
  /** The heartbeat written, database ms (a server's own clock under hazard H2); null after an H1 release. */
  heartbeatAt: number | null;
}

/** One moment the lease row changed: from `vt` on it is `row`, until the next change. */
export interface LeaseChange {
  vt: number;
  row: LeaseRow;
  entry: TraceEntry;
}

/** A write of a server to its own lease (its election or a heartbeat) and how the database judged it then. */
export interface LeaseWrite {
  server: string;
  term: number;
  vt: number;
  /** Whether the lease it wrote was valid at the moment it was written (not already expired). */
  validWhenWritten: boolean;
  entry: EventEntry<'elected' | 'heartbeat'>;
}

/**
 * The lease row over the run, on the database clock, from the coordinator's events: `elected` writes
 * holder, term and heartbeat; a `heartbeat` renews the heartbeat of the lease that names its server; a
 * `released` frees it (and, under hazard H1, nulls the heartbeat). The row changes when the event is
 * recorded, a latency after the write: a checker reading it sees the change at most one answer late.
 *
 * The heartbeat value is not in the event, so it is bounded from above: the database's clock at the event
 * (`db_now_ms()` ran at or before it), or under hazard H2 the server's own clock at the event (it was read
 * before the statement was sent). An upper bound makes the lease look fresher than it was, so an expiry
 * the timeline shows is real. Which value a server writes follows its hazards: the scenario's, then each
 * applied `setHazards` action (for the servers it names, or for all and for servers added later).
 */
export class LeaseTimeline {
  readonly changes: LeaseChange[] = [];
  readonly writes: LeaseWrite[] = [];
  /** Every heartbeat heard, whether or not the lease still named its server: when each answer arrived. */
  readonly heartbeatsHeard: { server: string; term: number; vt: number }[] = [];
  /** Every lock a server was granted after waiting in the queue: when, and how long it waited. */
  readonly lockWaits: { server: string; vt: number; waitedMs: number }[] = [];
  private row: LeaseRow = { holder: null, term: 0, heartbeatAt: null };
  private clusterHazards: HazardList;
  private readonly serverHazards = new Map<string, HazardList>();

  constructor(
    private readonly fold: RunFold,
    scenario: Scenario,
    private readonly timeoutMs: number,
  ) {
    this.clusterHazards = [...(scenario.hazards ?? [])];
  }

  /** A settled entry, in trace order. */
  step(entry: TraceEntry): void {
    if (this.fold.appliedAction(entry, 'setHazards')) {
      const { hazards, servers } = entry.action;
      if (!servers) this.clusterHazards = [...hazards];
      for (const id of servers ?? [...this.serverHazards.keys()]) this.serverHazards.set(id, [...hazards]);
    } else if (this.fold.appliedAction(entry, 'addServer')) {
      this.serverHazards.set(entry.action.server.id, [...this.clusterHazards]);
    }
    if (entry.server === null) return;
    const server = entry.server;
    if (isEvent(entry, 'heartbeat')) this.heartbeatsHeard.push({ server, term: entry.term, vt: entry.vt });
    if (entry.type === 'lockGranted' && entry.waitedMs > 0) {
      this.lockWaits.push({ server, vt: entry.vt, waitedMs: entry.waitedMs });
    }
    if (isEvent(entry, 'elected')) {
      const heartbeatAt = this.heartbeatValue(entry);
      this.change(entry, { holder: server, term: entry.term, heartbeatAt });
      this.write(entry, entry.term, heartbeatAt);
    } else if (isEvent(entry, 'heartbeat') && this.row.holder === server) {
      const heartbeatAt = this.heartbeatValue(entry);
      this.change(entry, { ...this.row, heartbeatAt });
      this.write(entry, entry.term, heartbeatAt);
    } else if (isEvent(entry, 'released') && this.row.holder === server) {
      const nulls = this.hazardsOf(server).nullHeartbeatAfterRelease;
      this.change(entry, { ...this.row, holder: null, heartbeatAt: nulls ? null : this.row.heartbeatAt });
    }
  }

  /** The row at `vt` (after every change recorded at or before it). */
  rowAt(vt: number): LeaseRow {
    let row: LeaseRow = { holder: null, term: 0, heartbeatAt: null };
    for (const change of this.changes) {
      if (change.vt > vt) break;
      row = change.row;
    }
    return row;
  }

  /** The last change recorded at or before `vt`, if any. */
  changeAt(vt: number): LeaseChange | undefined {
    let found: LeaseChange | undefined;
    for (const change of this.changes) {
      if (change.vt > vt) break;
      found = change;
    }
    return found;
  }

  private heartbeatValue(entry: EventEntry<'elected' | 'heartbeat'>): number {
    return this.hazardsOf(entry.server!).localClockHeartbeat ? entry.local : entry.db;
  }

  private hazardsOf(server: string) {
    return resolveHazards(this.serverHazards.get(server) ?? this.clusterHazards);
  }

  private change(entry: TraceEntry, row: LeaseRow): void {
    this.row = row;
    this.changes.push({ vt: entry.vt, row, entry });
  }

  private write(entry: EventEntry<'elected' | 'heartbeat'>, term: number, heartbeatAt: number): void {
    this.writes.push({
      server: entry.server!,
      term,
      vt: entry.vt,
      validWhenWritten: entry.db - heartbeatAt <= this.timeoutMs,
      entry,
    });
  }
}
