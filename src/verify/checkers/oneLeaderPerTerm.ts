import type { Row } from '../../core/ports.js';
import { DISTRIBUTED_JOBS, JOB_CRON_TICKS } from '../../core/distributed/sql/tables.js';
import type { Scenario } from '../../scenario/types.js';
import type { RunResult } from '../../sim/runResult.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import { isEvent, num, str, type EventEntry } from '../fold/entries.js';
import { checkWith } from '../fold/foldRunner.js';
import { LeaderTenures } from '../fold/leaderTenures.js';
import { leaseOverlaps, type LeaseOverlap, type OverlapSlack } from '../fold/leaseOverlap.js';
import { LeaseTimeline } from '../fold/leaseTimeline.js';
import type { ResolvedTimings } from '../../sim/runResult.js';
import type { CheckContext, InvariantReducer, RunEnd } from '../fold/reducer.js';
import type { RunFold } from '../fold/runFold.js';
import { candidate, makeReport, skippedReport, type Candidate, type InvariantReport } from './types.js';

/**
 * I3 one leader per term. Times are compared on virtual time, converted from the database clock where a
 * fact is only known on it, so that a database skew set back during the run cannot fake an order.
 * A term begins when its election read the lease (`elected.dbNow`): elections run under the exclusive
 * lock, so a write that ran after that instant ran after the election committed.
 *
 * 1. Each term is elected once, and terms grow: an `elected` with a term at or below an earlier one is a
 *    violation (a lower term counts only if its election provably started after the higher one's; a
 *    late answer can reorder the records).
 * 2. No leader write under term t lands after a term above t began: a `heartbeat` or `cronFired` of term t
 *    whose write provably ran after that (the write is at most one answer latency, two for a scheduled
 *    job pushed alone, before its event, unless a pause held the answer; for a cron job whose row is
 *    still there, its `createdAt` is the write's own time).
 * 3. Rows (`distributedJobs`, and `jobCronTicks` through their job's `createdAt`) with term t created
 *    after a term above t began.
 * 4. Rows of scheduled jobs without a term (hazard H4 writes none) created by a server after its last
 *    term before that write ended (a newer term began), or by a server that had never been elected.
 */
export class OneLeaderPerTerm implements InvariantReducer {
  readonly id = 'I3';
  /** Two elections of one term, judged at the second. */
  readonly found: Candidate[] = [];
  private fold!: RunFold;
  private scenario!: Scenario;
  private readonly byTerm = new Map<number, EventEntry<'elected'>>();
  /** Heartbeats and cron jobs written under a term, judged at the end against the terms above theirs. */
  private readonly termedWrites: (EventEntry<'heartbeat'> | EventEntry<'cronFired'>)[] = [];
  private readonly cron = new CronLooks();
  private readonly firedBy = new Map<string, TraceEntry>();
  private timings!: ResolvedTimings;
  private lease!: LeaseTimeline;
  private tenures!: LeaderTenures;
  /** Writes refused by fencing (`fenced`), and scheduled jobs, by server: what a deposed leader did. */
  private readonly fenced: EventEntry<'fenced'>[] = [];
  private readonly cronWrites: EventEntry<'cronFired'>[] = [];

  start(context: CheckContext): void {
    ({ fold: this.fold, scenario: this.scenario, timings: this.timings } = context);
    this.lease = new LeaseTimeline(this.fold, this.scenario, this.timings.leadershipTimeoutMs);
    this.tenures = new LeaderTenures(this.scenario.servers);
  }

  step(entry: TraceEntry): void {
    this.lease.step(entry);
    this.tenures.step(entry);
    if (isEvent(entry, 'fenced')) this.fenced.push(entry);
    if (isEvent(entry, 'cronFired')) this.cronWrites.push(entry);
    if (isEvent(entry, 'elected')) {
      const same = this.byTerm.get(entry.term);
      if (same) {
        this.found.push(
          candidate(
            `two leaders in term ${entry.term}: ${same.server} (elected at ${same.vt}) and ${entry.server} (elected at ${entry.vt})`,
            entry.vt,
            [same, entry],
          ),
        );
      } else this.byTerm.set(entry.term, entry);
    }
    if (isEvent(entry, 'cronFired')) {
      this.cron.step(entry);
      this.firedBy.set(entry.jobId, entry);
    }
    if (isEvent(entry, 'heartbeat', 'cronFired') && entry.term !== null && entry.server !== null) {
      this.termedWrites.push(entry);
    }
  }

  finish(end: RunEnd): InvariantReport {
    const run = this.fold;
    const elections = run.elections;
    const measurements: Record<string, number> = {
      elections: elections.length,
      maxTerm: Math.max(0, ...elections.map((entry) => entry.term)),
    };
    if (elections.length === 0 && this.scenario.mode === 'single') {
      return skippedReport('I3', 'single-server mode: no leader election', measurements, 'leaderElection');
    }
    const slack = overlapSlack(this.scenario, this.timings, run.maxLatencyMs);
    const overlaps = leaseOverlaps(
      this.tenures,
      this.lease,
      run.clock,
      this.timings.leadershipTimeoutMs,
      end.endedAt,
      slack,
    ).filter((overlap) => overlap.actingMs > 0);
    Object.assign(
      measurements,
      overlapMeasurements(overlaps, slack, this.lease, this.fenced, this.cronWrites),
    );
    const newer = newerTerms(run, elections);
    const candidates: Candidate[] = [
      ...this.found,
      ...overlapsPastSlack(overlaps, slack, this.lease, this.fenced, this.cronWrites),
      ...termsWentBackwards(run, elections),
      ...staleTraceWrites(run, end, this.termedWrites, this.cron, newer),
      ...staleRows(run, end, elections, this.firedBy, newer),
    ];
    return makeReport('I3', candidates, measurements);
  }
}

/** I3 on a finished run. */
export function checkOneLeaderPerTerm(result: RunResult): InvariantReport {
  return checkWith(new OneLeaderPerTerm(), result);
}

/**
 * How long a server may act as leader after its leadership stopped being valid, from what the
 * coordinator does (`LeaderElection`): a leader checks its lease only by renewing it, once per heartbeat
 * interval on its own clock, and steps down on the answer that finds the lease taken (or that fails).
 * Nothing checks the lease before each act; fencing refuses what a deposed leader writes. So a leader that
 * lost a valid lease (another server took it over, or the database clock jumped past its expiry, or its
 * heartbeats were held by a pause) learns it within one heartbeat interval, at the slowest clock rate of
 * the scenario, plus the answers of its heartbeat (two answer latencies). One that lost it while paused or
 * cut off gets less: see `allowedAfterLoss` in leaseOverlap.ts. A leader whose own write left the lease
 * already expired never held it: it gets the answer latencies only.
 */
export function overlapSlack(
  scenario: Scenario,
  timings: ResolvedTimings,
  maxLatencyMs: number,
): OverlapSlack {
  const rates = [1, ...scenario.servers.map((server) => server.rate ?? 1)];
  for (const action of scenario.actions) {
    if (action.type === 'setClock' && action.rate !== undefined) rates.push(action.rate);
    if (action.type === 'addServer') rates.push(action.server.rate ?? 1);
  }
  const latencies = 2 * maxLatencyMs;
  return {
    afterLossMs: Math.ceil(timings.heartbeatIntervalMs / Math.min(...rates)) + latencies,
    withoutLeaseMs: latencies,
  };
}

/** Whether the lease named another server (or another term) when an entry was recorded. */
function deposedAt(lease: LeaseTimeline, entry: TraceEntry, term: number): boolean {
  const row = lease.rowAt(entry.vt);
  return row.holder !== null && (row.holder !== entry.server || row.term !== term);
}

/** A deposed leader's writes in an overlap: refused by fencing, or landed beside the new leader's. */
function deposedWrites(
  overlap: LeaseOverlap,
  lease: LeaseTimeline,
  fenced: readonly EventEntry<'fenced'>[],
  cron: readonly EventEntry<'cronFired'>[],
): { fenced: number; landed: number } {
  const inside = (entry: TraceEntry) =>
    entry.server === overlap.server && entry.vt >= overlap.from && entry.vt <= overlap.to;
  return {
    fenced: fenced.filter((entry) => inside(entry) && entry.term === overlap.term).length,
    landed: cron.filter(
      (entry) =>
        inside(entry) &&
        (entry.term === null || entry.term === overlap.term) &&
        deposedAt(lease, entry, overlap.term),
    ).length,
  };
}

function overlapMeasurements(
  overlaps: readonly LeaseOverlap[],
  slack: OverlapSlack,
  lease: LeaseTimeline,
  fenced: readonly EventEntry<'fenced'>[],
  cron: readonly EventEntry<'cronFired'>[],
): Record<string, number> {
  let fencedWrites = 0;
  let landedWrites = 0;
  for (const overlap of overlaps) {
    const writes = deposedWrites(overlap, lease, fenced, cron);
    fencedWrites += writes.fenced;
    landedWrites += writes.landed;
  }
  const acting = overlaps.map((overlap) => overlap.actingMs);
  return {
    leaseOverlaps: overlaps.length,
    leaseOverlapMs: Math.round(acting.reduce((sum, ms) => sum + ms, 0)),
    longestLeaseOverlapMs: Math.round(Math.max(0, ...acting)),
    twoLeaderOverlaps: overlaps.filter((overlap) => overlap.otherHolder !== null).length,
    leaseOverlapSlackMs: slack.afterLossMs,
    deposedWritesFenced: fencedWrites,
    deposedWritesLanded: landedWrites,
  };
}

/** Overlaps whose acting time went past the slack: two leaderships valid at once, as far as acts go. */
function overlapsPastSlack(
  overlaps: readonly LeaseOverlap[],
  slack: OverlapSlack,
  lease: LeaseTimeline,
  fenced: readonly EventEntry<'fenced'>[],
  cron: readonly EventEntry<'cronFired'>[],
): Candidate[] {
  const found: Candidate[] = [];
  for (const overlap of overlaps) {
    if (overlap.pastSlackAt === undefined) continue;
    const writes = deposedWrites(overlap, lease, fenced, cron);
    const takeover = lease.changes.find(
      (change) =>
        change.vt >= overlap.from && change.vt <= overlap.to && change.row.holder === overlap.otherHolder,
    );
    const expiredFirst = takeover === undefined || takeover.vt > overlap.from;
    const instead =
      takeover === undefined
        ? 'had expired (nobody took it over)'
        : `${expiredFirst ? `had expired, and from ${Math.round(takeover.vt)} ` : ''}named ${overlap.otherHolder}`;
    const why = overlap.lostAfterValidWrite
      ? overlap.allowedMs !== undefined && overlap.allowedMs < slack.afterLossMs
        ? `a leader that lost a valid lease learns it at its next heartbeat, one interval after its last renewal; having acted since that renewal, it had ${Math.round(overlap.allowedMs)} ms left (of ${slack.afterLossMs} ms: one heartbeat interval and its answer)`
        : `a leader that lost a valid lease learns it within ${slack.afterLossMs} ms (one heartbeat interval and its answer)`
      : `its own write at ${Math.round(overlap.write!.vt)} left the lease already expired, so it never held it ` +
        `(allowed: ${slack.withoutLeaseMs} ms of answer latency)`;
    found.push(
      candidate(
        `${overlap.server} acted as leader (term ${overlap.term}) for ${Math.round(overlap.actingMs)} ms from ` +
          `${Math.round(overlap.from)} while the lease, as the database judged it, ${instead}; ${why}. ` +
          `Fencing refused ${writes.fenced} of its writes, ${writes.landed} landed`,
        overlap.pastSlackAt,
        [overlap.write?.entry ?? overlap.tenure.began, takeover?.entry, overlap.tenure.ended],
      ),
    );
  }
  return found;
}

/**
 * A lower term counts only if its election provably started after the higher one's (a late answer can
 * reorder the records); on the database clock, so at the end. (Two elections of one term were judged at
 * the second.)
 */
function termsWentBackwards(run: RunFold, elections: readonly EventEntry<'elected'>[]): Candidate[] {
  const found: Candidate[] = [];
  const terms = new Set<number>();
  let highest: EventEntry<'elected'> | undefined;
  for (const entry of elections) {
    const same = terms.has(entry.term);
    if (
      !same &&
      highest &&
      entry.term < highest.term &&
      run.electionStartVt(entry) > run.electionStartVt(highest)
    ) {
      found.push(
        candidate(
          `terms went backwards: ${entry.server} elected in term ${entry.term} at ${entry.vt}, after ${highest.server} ` +
            `was elected in term ${highest.term} at ${highest.vt}`,
          entry.vt,
          [highest, entry],
        ),
      );
    }
    terms.add(entry.term);
    if (!highest || entry.term > highest.term) highest = entry;
  }
  return found;
}

/** The election that began the earliest among terms above `term`. */
function firstNewerTerm(
  run: RunFold,
  elections: readonly EventEntry<'elected'>[],
  term: number,
): EventEntry<'elected'> | undefined {
  let first: EventEntry<'elected'> | undefined;
  for (const entry of elections) {
    if (entry.term <= term) continue;
    if (!first || run.electionStartVt(entry) < run.electionStartVt(first)) first = entry;
  }
  return first;
}

type NewerTerms = (term: number) => EventEntry<'elected'> | undefined;

/** firstNewerTerm, remembered per term for one finish (heartbeats ask it for the same few terms). */
function newerTerms(run: RunFold, elections: readonly EventEntry<'elected'>[]): NewerTerms {
  const known = new Map<number, EventEntry<'elected'> | undefined>();
  return (term) => {
    if (!known.has(term)) known.set(term, firstNewerTerm(run, elections, term));
    return known.get(term);
  };
}

function staleTraceWrites(
  run: RunFold,
  result: RunEnd,
  writes: readonly (EventEntry<'heartbeat'> | EventEntry<'cronFired'>)[],
  cron: CronLooks,
  newerTerm: NewerTerms,
): Candidate[] {
  const found: Candidate[] = [];
  const rows = new Map<string, Row>();
  for (const row of result.final[DISTRIBUTED_JOBS.table]) rows.set(String(row.id), row);
  for (const entry of writes) {
    if (entry.term === null) continue;
    const newer = newerTerm(entry.term);
    if (!newer) continue;
    let writtenFrom: number;
    if (entry.type === 'cronFired') {
      const row = rows.get(entry.jobId);
      const createdAt = row ? num(row.createdAt) : null;
      writtenFrom =
        createdAt !== null ? run.dbToVt(createdAt) : run.writeLowerBoundVt(entry, cron.roundTrips(entry));
    } else {
      writtenFrom = run.writeLowerBoundVt(entry, 1);
    }
    if (writtenFrom <= run.electionStartVt(newer)) continue;
    const what =
      entry.type === 'heartbeat' ? 'heartbeat' : `scheduled job ${entry.jobId} (tick ${entry.tickAt})`;
    found.push(
      candidate(
        `${entry.server} wrote a ${what} under term ${entry.term} at ${entry.vt}, after term ${newer.term} began ` +
          `(${newer.server} elected at ${newer.vt})`,
        entry.vt,
        [newer, entry],
      ),
    );
  }
  return found;
}

/**
 * How many answers may separate a cron job's insert from its `cronFired`: the rest of the scheduler's
 * transaction (per schedule two statements, per tick fired three) and its commit.
 */
class CronLooks {
  private readonly schedules = new Set<string>();
  private readonly perLook = new Map<string, number>();

  step(entry: EventEntry<'cronFired'>): void {
    this.schedules.add(entry.scheduleKey);
    this.perLook.set(look(entry), (this.perLook.get(look(entry)) ?? 0) + 1);
  }

  roundTrips(entry: EventEntry<'cronFired'>): number {
    return 3 + 2 * this.schedules.size + 3 * (this.perLook.get(look(entry)) ?? 1);
  }
}

/** One look of the scheduler: a server at one instant. */
function look(entry: TraceEntry): string {
  return `${entry.server ?? ''}|${entry.vt}`;
}

function staleRows(
  run: RunFold,
  result: RunEnd,
  elections: readonly EventEntry<'elected'>[],
  firedBy: ReadonlyMap<string, TraceEntry>,
  newerTerm: NewerTerms,
): Candidate[] {
  const found: Candidate[] = [];
  const jobs = new Map<string, Row>();
  for (const row of result.final[DISTRIBUTED_JOBS.table]) jobs.set(String(row.id), row);

  const checkTermed = (table: string, describe: string, term: number, createdAt: number, jobId: string) => {
    const newer = newerTerm(term);
    if (!newer) return;
    const createdVt = run.dbToVt(createdAt);
    if (createdVt <= run.electionStartVt(newer)) return;
    found.push(
      candidate(
        `${table} ${describe} was written under term ${term} at database time ${createdAt}, after term ${newer.term} ` +
          `began (${newer.server} elected at database time ${newer.dbNow})`,
        createdVt,
        [newer, firedBy.get(jobId)],
      ),
    );
  };

  for (const row of result.final[DISTRIBUTED_JOBS.table]) {
    const id = String(row.id);
    const term = num(row.term);
    const createdAt = num(row.createdAt);
    if (createdAt === null) continue;
    if (term !== null) {
      checkTermed(`${DISTRIBUTED_JOBS.table} row`, id, term, createdAt, id);
      continue;
    }
    const scheduleKey = str(row.scheduleKey);
    const server = str(row.enqueuedBy);
    if (scheduleKey === null || server === null) continue;
    const createdVt = run.dbToVt(createdAt);
    const own = elections.filter(
      (entry) => entry.server === server && run.electionStartVt(entry) <= createdVt,
    );
    const last = own[own.length - 1];
    const where = `scheduled job ${id} (${scheduleKey}, tick ${str(row.tickAt) ?? '?'}) without a term`;
    if (!last) {
      found.push(
        candidate(
          `${server} wrote ${where} at database time ${createdAt} without ever having been elected`,
          createdVt,
          [firedBy.get(id)],
        ),
      );
      continue;
    }
    const newer = newerTerm(last.term);
    if (!newer || createdVt <= run.electionStartVt(newer)) continue;
    found.push(
      candidate(
        `${server} wrote ${where} at database time ${createdAt}, after its term ${last.term} ended: term ${newer.term} ` +
          `began at database time ${newer.dbNow} (${newer.server})`,
        createdVt,
        [last, newer, firedBy.get(id)],
      ),
    );
  }

  for (const tick of result.final[JOB_CRON_TICKS.table]) {
    const term = num(tick.term);
    const jobId = str(tick.jobId);
    if (term === null || jobId === null) continue;
    const job = jobs.get(jobId);
    const createdAt = job ? num(job.createdAt) : null;
    if (createdAt === null || (job && num(job.term) === term)) continue; // the job row was checked
    checkTermed(
      `${JOB_CRON_TICKS.table} row`,
      `${str(tick.scheduleKey)} @ ${str(tick.tickAt)}`,
      term,
      createdAt,
      jobId,
    );
  }
  return found;
}
