import type { Clock, SqlParams } from '../../core/ports.js';
import { SharedSqlJsDatabase, type SqlJsModule } from '../../db/index.js';
import type { HazardList, Scenario } from '../../scenario/types.js';
import type { RunResult } from '../runResult.js';
import type { DatabaseClock } from '../time/databaseClock.js';
import type { VirtualTime } from '../time/virtualTime.js';
import { serverSnapshot, ServerStateFold } from '../trace/serverState.js';
import type { TraceEntry } from '../trace/trace.js';
import type { Hosts } from './hosts.js';
import { databaseSnapshot, finalTablesOf, type ClusterSnapshot } from './observation.js';

/**
 * What a run keeps so that it can be shown again at any earlier moment without running it again (the
 * playground's rewind): besides the trace, every statement the database ran (with what its clock read),
 * and each server's clock and hazards whenever an action or a start changed them.
 *
 * The rest of what a snapshot shows comes from the trace: each server's state through ServerStateFold (the
 * one derivation the conductor's mirror follows too), the lock's holder and waiters from the database's
 * lock entries. `Rewinder` puts them together; test/playground/rewind.test.ts holds them against the live
 * run's snapshots at many moments.
 */
export class Recording {
  readonly statements: LoggedStatement[] = [];
  readonly clocks: ClockMark[] = [];
  readonly skews: { vt: number; skewMs: number }[] = [];
  /** One string per distinct SQL text: a statement crossing from a worker is a new string each time. */
  private readonly texts = new Map<string, string>();
  private readonly lastClock = new Map<string, ClockMark>();

  constructor(readonly sqlJs: SqlJsModule | undefined) {}

  statement(vt: number, sql: string, params: SqlParams, dbNowMs: number): void {
    let text = this.texts.get(sql);
    if (text === undefined) this.texts.set(sql, (text = sql));
    this.statements.push({ vt, sql: text, params, dbNowMs });
  }

  /** After the start and after every action: notes each clock, hazard list and the skew that changed. */
  note(hosts: Hosts, time: VirtualTime, dbClock: DatabaseClock): void {
    const vt = time.now();
    for (const host of hosts.values()) {
      const last = this.lastClock.get(host.spec.id);
      const localTime = host.clock.now();
      const rate = host.clock.rate();
      if (
        last &&
        last.rate === rate &&
        last.localTime + last.rate * (vt - last.vt) === localTime &&
        last.hazards.join() === host.hazards.join()
      )
        continue;
      const mark = { vt, server: host.spec.id, localTime, rate, hazards: [...host.hazards] };
      this.clocks.push(mark);
      this.lastClock.set(host.spec.id, mark);
    }
    const skewMs = dbClock.skew();
    if (this.skews.at(-1)?.skewMs !== skewMs) this.skews.push({ vt, skewMs });
  }
}

export interface LoggedStatement {
  vt: number;
  sql: string;
  params: SqlParams;
  dbNowMs: number;
}

/** A server's clock and hazards from `vt` on: its time there and its rate. */
export interface ClockMark {
  vt: number;
  server: string;
  localTime: number;
  rate: number;
  hazards: HazardList;
}

/** A moment of a recorded run, as its snapshot showed it, and what the checkers need there. */
export interface RewoundMoment {
  snapshot: ClusterSnapshot;
  /** How many trace entries the run had at the end of that instant. */
  entries: number;
  final: RunResult['final'];
}

/**
 * Shows a recorded run at any of its moments: the database rebuilt from the statement log (forward from
 * where it stands, from the start when asked for an earlier moment), the rest folded out of the trace.
 */
export class Rewinder {
  private db: SharedSqlJsDatabase | undefined;
  private applied = 0;
  private now = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly epoch: number,
    private readonly recording: Recording,
    private readonly trace: readonly TraceEntry[],
  ) {}

  /** The run at the end of instant `epoch + ms`, which it must have reached. */
  async at(ms: number, jobRows: number): Promise<RewoundMoment> {
    const vt = this.epoch + ms;
    const db = await this.database(vt);
    const entries = countUpTo(this.trace, vt);
    const prefix = this.trace.slice(0, entries);
    const fold = new ServerStateFold(this.scenario.servers, this.epoch);
    for (const entry of prefix) fold.push(entry);
    fold.finish();
    const servers = fold.all().map((state) => {
      const mark = lastMark(this.recording.clocks, state.id, vt);
      const localTime = mark ? mark.localTime + mark.rate * (vt - mark.vt) : vt;
      return serverSnapshot(
        state,
        { localTime, offsetMs: localTime - vt, rate: mark?.rate ?? 1 },
        mark?.hazards ?? [],
      );
    });
    const skew = lastAtOrBefore(this.recording.skews, vt)?.skewMs ?? this.scenario.database?.skewMs ?? 0;
    const lock = lockAt(prefix);
    return {
      snapshot: {
        elapsedMs: ms,
        vt,
        db: vt + skew,
        servers,
        lockHolder: lock.holder,
        lockWaiters: lock.waiters,
        ...databaseSnapshot(db, jobRows),
      },
      entries,
      final: finalTablesOf(db),
    };
  }

  dispose(): void {
    this.db?.close();
    this.db = undefined;
  }

  private async database(vt: number): Promise<SharedSqlJsDatabase> {
    const log = this.recording.statements;
    if (!this.db || (this.applied > 0 && log[this.applied - 1]!.vt > vt)) {
      this.db?.close();
      const clock: Clock = {
        now: () => this.now,
        setTimer: () => {
          throw new Error('a rebuilt database sets no timers');
        },
      };
      this.db = await SharedSqlJsDatabase.open({ clock, sqlJs: this.recording.sqlJs });
      this.applied = 0;
    }
    const db = this.db;
    for (; this.applied < log.length && log[this.applied]!.vt <= vt; this.applied++) {
      const statement = log[this.applied]!;
      this.now = statement.dbNowMs;
      try {
        db.replay(statement.sql, statement.params);
      } catch {
        // It failed in the run too (a fenced write, a broken statement), and changed nothing then either.
      }
    }
    return db;
  }
}

/** How many entries lie at or before `vt` (the trace is in time order). */
function countUpTo(trace: readonly TraceEntry[], vt: number): number {
  let low = 0;
  let high = trace.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (trace[middle]!.vt <= vt) low = middle + 1;
    else high = middle;
  }
  return low;
}

function lastAtOrBefore<T extends { vt: number }>(marks: readonly T[], vt: number): T | undefined {
  let found: T | undefined;
  for (const mark of marks) {
    if (mark.vt > vt) break;
    found = mark;
  }
  return found;
}

function lastMark(marks: readonly ClockMark[], server: string, vt: number): ClockMark | undefined {
  let found: ClockMark | undefined;
  for (const mark of marks) {
    if (mark.vt > vt) break;
    if (mark.server === server) found = mark;
  }
  return found;
}

/** Who holds the database's lock and who waits for it, first in line first, from its lock entries. */
function lockAt(prefix: readonly TraceEntry[]): { holder: string | undefined; waiters: string[] } {
  let holder: string | undefined;
  const waiters: string[] = [];
  const leave = (server: string | null) => {
    const at = waiters.indexOf(server ?? '');
    if (at >= 0) waiters.splice(at, 1);
  };
  for (const entry of prefix) {
    if (entry.source !== 'database') continue;
    switch (entry.type) {
      case 'lockWait':
        waiters.push(entry.server ?? '');
        break;
      case 'lockGranted':
        leave(entry.server);
        if (entry.kind === 'transaction') holder = entry.server ?? undefined;
        break;
      case 'lockReleased':
        holder = undefined;
        break;
      case 'busyTimeout':
      case 'waitCancelled':
        leave(entry.server);
        break;
      default:
        break;
    }
  }
  return { holder, waiters };
}
