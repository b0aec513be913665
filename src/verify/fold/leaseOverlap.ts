import type { DbClock } from './dbClock.js';
import type { LeaderTenures, Tenure } from './leaderTenures.js';
import type { LeaseTimeline, LeaseWrite } from './leaseTimeline.js';

/**
 * A stretch in which a server acted as leader while its leadership was not valid as the database judges
 * it, since its last write to the lease.
 *
 * A server's leadership (server S, term t) is valid at a moment when the lease row names S under term t
 * and its heartbeat is no older than the leadership timeout on the database clock at that moment (the
 * test a follower's takeover makes). S acts as leader while it leads (ServerState `isLeading`) and can
 * reach the database: not paused, not cut off. An overlap runs from the moment its leadership stops
 * being valid (the lease expired, or another server took it over) until S stops acting as leader, or
 * writes its lease again (which either makes it valid or, if it is still not, starts a new overlap).
 */
export interface LeaseOverlap {
  server: string;
  term: number;
  /** Virtual time the leadership stopped being valid, and when the stretch ended. */
  from: number;
  to: number;
  /** How long of it the server acted as leader (not paused or cut off), ms of virtual time. */
  actingMs: number;
  /**
   * Whether the write before it left the lease valid: the leader then lost its lease later and needs
   * time to learn it. A write that left the lease already expired (hazard H2: a heartbeat from a clock
   * far behind) gives no such excuse: the leader never held what it acts on.
   */
  lostAfterValidWrite: boolean;
  /** The server the lease named instead, if another took it over during the stretch. */
  otherHolder: string | null;
  /** When the acting time passed the allowed slack (undefined if it did not). */
  pastSlackAt?: number;
  /** The acting time allowed (see `allowedAfterLoss`), once the server acted in the stretch. */
  allowedMs?: number;
  tenure: Tenure;
  write: LeaseWrite | undefined;
}

export interface OverlapSlack {
  /** What a leader that lost a valid lease may act before it learns: one heartbeat and its answer. */
  afterLossMs: number;
  /** What a leader whose own write left the lease invalid may act: the answer latency of its write only. */
  withoutLeaseMs: number;
}

/** Every overlap of every tenure, up to `endedAt`, in tenure order. */
export function leaseOverlaps(
  tenures: LeaderTenures,
  lease: LeaseTimeline,
  clock: DbClock,
  timeoutMs: number,
  endedAt: number,
  slack: OverlapSlack,
): LeaseOverlap[] {
  const found: LeaseOverlap[] = [];
  const skewChanges = clock.skewChanges();
  for (const tenure of tenures.tenures) {
    const end = Math.min(tenure.to, endedAt);
    if (!(end > tenure.from)) continue;
    const writes = lease.writes.filter(
      (write) =>
        write.server === tenure.server &&
        write.term === tenure.term &&
        write.vt >= tenure.from &&
        write.vt < end,
    );
    const within = (vt: number) => vt > tenure.from && vt < end;
    const bounds = new Set<number>([tenure.from, end]);
    for (const span of tenure.idle) for (const vt of [span.from, span.to]) if (within(vt)) bounds.add(vt);
    for (const change of lease.changes) if (within(change.vt)) bounds.add(change.vt);
    for (const vt of skewChanges) if (within(vt)) bounds.add(vt);
    const writeAt = new Set<number>();
    for (const write of writes) {
      bounds.add(write.vt);
      writeAt.add(write.vt);
    }
    const points = [...bounds].sort((a, b) => a - b);
    let open: LeaseOverlap | undefined;
    const close = () => {
      if (open && open.to > open.from) found.push(open);
      open = undefined;
    };
    for (let index = 0; index + 1 < points.length; index++) {
      const x = points[index]!;
      const y = points[index + 1]!;
      if (writeAt.has(x)) close(); // a write of the lease starts a new judgement
      const row = lease.rowAt(x);
      const ours = row.holder === tenure.server && row.term === tenure.term && row.heartbeatAt !== null;
      // Valid while db - heartbeat <= timeout, with db = vt + skew on this piece.
      const invalidFrom = ours ? Math.max(x, row.heartbeatAt! + timeoutMs - clock.skewAt(x)) : x;
      if (invalidFrom >= y) {
        close();
        continue;
      }
      if (open && open.to !== invalidFrom) close();
      if (!open) {
        const write = lastWriteBefore(writes, invalidFrom);
        open = {
          server: tenure.server,
          term: tenure.term,
          from: invalidFrom,
          to: invalidFrom,
          actingMs: 0,
          lostAfterValidWrite: write ? write.validWhenWritten : true,
          otherHolder: null,
          tenure,
          write,
        };
      }
      if (!ours && row.holder !== null && row.holder !== tenure.server) open.otherHolder ??= row.holder;
      const idle = tenure.idle.some((span) => span.from <= invalidFrom && span.to > invalidFrom);
      if (!idle) {
        const allowed = open.lostAfterValidWrite
          ? allowedAfterLoss(open, lease, slack)
          : slack.withoutLeaseMs;
        open.allowedMs ??= allowed;
        const piece = y - invalidFrom;
        if (open.pastSlackAt === undefined && open.actingMs + piece > allowed) {
          open.pastSlackAt = invalidFrom + (allowed - open.actingMs);
        }
        open.actingMs += piece;
      }
      open.to = y;
    }
    close();
  }
  return found;
}

/**
 * A leader renews its lease one heartbeat interval after its last renewal, on the time it runs: so what
 * it may act after losing the lease is that interval (and the answers) less what it acted since its last
 * write, when the loss came while it could not act (paused or cut off). Paused past its lease, its
 * heartbeat is overdue the moment it runs again, and it learns at once; one that acted a whole interval
 * more (hazard H5's late step-down) is past it. A loss while it ran gets the whole interval: what delayed
 * its renewal (a lock wait, a slow clock) is not judged here.
 */
function allowedAfterLoss(open: LeaseOverlap, lease: LeaseTimeline, slack: OverlapSlack): number {
  const { write, tenure, from } = open;
  const idle = tenure.idle.find((span) => span.from <= from && span.to > from);
  if (idle === undefined || write === undefined) return slack.afterLossMs;
  // A heartbeat heard while it could not act, or as it came back, is recorded when its answer arrived: it
  // may have been written just before the pause, with a whole interval still to go.
  const answerHeld = lease.heartbeatsHeard.some(
    (beat) =>
      beat.server === tenure.server &&
      beat.term === tenure.term &&
      beat.vt >= idle.from &&
      beat.vt <= idle.to,
  );
  if (answerHeld) return slack.afterLossMs;
  // Its heartbeat at the resume may queue for the lock behind what resumed with it (found by review: 9 ms
  // behind another server's enqueueMany): the time it waited in the lock queue since it came back counts.
  let waited = 0;
  for (const wait of lease.lockWaits) {
    if (wait.server === tenure.server && wait.vt >= idle.to && wait.vt <= tenure.to) waited += wait.waitedMs;
  }
  let actedSinceWrite = from - write.vt;
  for (const span of tenure.idle) {
    actedSinceWrite -= Math.max(0, Math.min(span.to, from) - Math.max(span.from, write.vt));
  }
  return Math.min(
    slack.afterLossMs,
    Math.max(slack.withoutLeaseMs, slack.afterLossMs - actedSinceWrite) + waited,
  );
}

function lastWriteBefore(writes: readonly LeaseWrite[], vt: number): LeaseWrite | undefined {
  let found: LeaseWrite | undefined;
  for (const write of writes) if (write.vt <= vt) found = write;
  return found;
}
