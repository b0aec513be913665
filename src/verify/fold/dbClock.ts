import type { TraceEntry } from '../../sim/trace/trace.js';
import type { EventEntry } from './entries.js';

/** Differences of the database skew below this are rounding, not a change. */
const SKEW_TOLERANCE_MS = 0.001;
/** `db_now_ms()` gives whole milliseconds: a time read in SQL may be up to this much below the clock. */
const DB_ROUNDING_MS = 1;

/**
 * The database clock over the run, entry by entry: where its offset from virtual time changed (from that
 * vt on, db = vt + skew), and the conversions from database time to virtual time. The conversions read the
 * whole trace so far: a later skew change bounds the segment before it, so a checker converts in `finish`.
 */
export class DbClock {
  private readonly skews: { fromVt: number; skew: number }[] = [];
  private previous: TraceEntry | undefined;

  constructor(private readonly trace: readonly TraceEntry[]) {}

  push(entry: TraceEntry): void {
    // Virtual time is fractional under drift: db - vt wobbles in its last bits without a real change.
    const skew = entry.db - entry.vt;
    const last = this.skews[this.skews.length - 1];
    if (!last || Math.abs(last.skew - skew) > SKEW_TOLERANCE_MS) {
      // The change happened after the previous entry (the setDatabaseSkew action, recorded just before it).
      this.skews.push({ fromVt: this.previous && last ? this.previous.vt : -Infinity, skew });
    }
    this.previous = entry;
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

  /** The database clock's offset from virtual time at `vt` (db = vt + skew), as the trace so far shows it. */
  skewAt(vt: number): number {
    let skew = this.skews[0]?.skew ?? 0;
    for (const segment of this.skews) {
      if (segment.fromVt > vt) break;
      skew = segment.skew;
    }
    return skew;
  }

  /** The virtual times, in order, from which the database clock's offset changed (the first is -Infinity). */
  skewChanges(): number[] {
    return this.skews.map((segment) => segment.fromVt);
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
}
