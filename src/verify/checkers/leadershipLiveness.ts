import { isFault } from '../../scenario/faultActions.js';
import type { Scenario } from '../../scenario/types.js';
import type { ResolvedTimings, RunResult } from '../../sim/runResult.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import { isEvent, isProcess, type EventEntry, type ProcessEntry, type Span } from '../fold/entries.js';
import { checkWith } from '../fold/foldRunner.js';
import type { CheckContext, InvariantReducer, RunEnd } from '../fold/reducer.js';
import type { RunFold } from '../fold/runFold.js';
import type { StateSpan } from '../fold/serverSpans.js';
import { FAILOVER_SLACK_MS } from './failoverBound.js';
import {
  candidate,
  listText,
  makeReport,
  skippedReport,
  type Candidate,
  type InvariantReport,
} from './types.js';

/**
 * I8 leadership liveness: once the faults end, a server that can lead does lead, within the failover
 * bound, and some server keeps leading to the end of the run; and the cluster does not die out by itself.
 *
 * Words, all from the simulator's one derivation of server state (ServerStateFold, through the fold's
 * spans): a server *leads* from its `elected` until it steps down, releases, its process ends or starts
 * stopping (`isLeading`), except while it is paused or cut off (it holds its term then, but can neither
 * renew the lease nor fire a tick); it is a *candidate* while it is running (not stopping), not paused,
 * not cut off, and has jobs (`canLead`). The run is *leaderless* while no server leads.
 *
 * - **When the faults end**: at the heal (`healedAt`), or, for a run that did not heal (`heal: false`,
 *   the page before its liveness phase, a prefix), at the last applied fault action (crash, stop, restart,
 *   pause, resume, cut-off, heal, clock or database skew change), or at the run's start if there was none.
 *   From then on the scenario does nothing to the cluster, so whatever keeps it leaderless is the
 *   coordinator's doing.
 * - **Leads within the bound**: from the end of the faults, whenever a server has been a candidate for
 *   leadershipTimeoutMs + heartbeatIntervalMs + 50 ms (I5's bound and slack) while nobody led, the
 *   invariant is broken: at the heal, a restart or a step-down the clock starts for that server. A
 *   database clock set back while the lease ran makes the lease itself last longer, on every clock (as in
 *   I5): the bound is then one heartbeat interval (plus the slack) after the last lease expired on the
 *   database clock, when that is later. A lease released gracefully is free at once and excuses nothing.
 * - **No server left up**: a run that ends with no server process up (none running or stopping) because
 *   at least one of them died by itself (its coordinator crashed: H13's bad crontab kills each leader in
 *   turn, and heal restarts them only once) fails with a message of its own, at the moment the last one
 *   went down. A scenario that crashes or stops every server on purpose and does not heal (or whose
 *   servers failed to start during its faults) has nobody that could lead: not a failure, the check is
 *   skipped for want of a candidate. With a heal, every server is restarted and anything that takes the
 *   cluster down after it is the coordinator's own.
 * - **Single-server mode** (`mode: 'single'`, H14): no election, skipped.
 *
 * Measurements: `leaderlessMs` (the run's time with no leader while some server could lead),
 * `longestLeaderlessMs` (its longest stretch), `leaderlessAfterFaultsMs` (the same after the faults
 * ended), `boundMs`. I5 judges each failover during the faults; this judges that leadership comes back
 * and stays once they are over, whatever the way it was lost (including the graceful releases that I6
 * cannot judge because no other server could lead at that moment).
 */
export class LeadershipLiveness implements InvariantReducer {
  readonly id = 'I8';
  /** Leadership is judged over spans that a later entry closes, on the database clock: at the end. */
  readonly found = [];
  private fold!: RunFold;
  private scenario!: Scenario;
  private timings!: ResolvedTimings;
  /** Lease renewals (`elected`, `heartbeat`) and releases, in trace order: what the lease was when. */
  private readonly leaseWrites: EventEntry<'elected' | 'heartbeat' | 'released'>[] = [];
  private lastFault: TraceEntry | undefined;
  /** The coordinator's own crash, per server, until its process ends. */
  private readonly ownCrash = new Map<string, EventEntry<'crashed'>>();
  /** How each ended process ended (its last end), per server, until it starts again. */
  private readonly ends = new Map<
    string,
    { ended: ProcessEntry; ownCrash?: EventEntry<'crashed'> | undefined }
  >();

  start(context: CheckContext): void {
    ({ fold: this.fold, scenario: this.scenario, timings: this.timings } = context);
  }

  step(entry: TraceEntry): void {
    if (isEvent(entry, 'elected', 'heartbeat', 'released')) this.leaseWrites.push(entry);
    if (this.fold.appliedAction(entry) && isFault(entry.action)) this.lastFault = entry;
    if (entry.server === null) return;
    if (isEvent(entry, 'crashed')) this.ownCrash.set(entry.server, entry);
    if (isProcess(entry, 'processStarted')) this.ends.delete(entry.server);
    if (isProcess(entry, 'processEnded')) {
      this.ends.set(entry.server, { ended: entry, ownCrash: this.ownCrash.get(entry.server) });
      this.ownCrash.delete(entry.server);
    }
  }

  finish(end: RunEnd): InvariantReport {
    if (this.scenario.mode === 'single') {
      return skippedReport('I8', 'single-server mode: no leader election', undefined, 'leaderElection');
    }
    const run = this.fold;
    const { leadershipTimeoutMs, heartbeatIntervalMs } = this.timings;
    const boundMs = leadershipTimeoutMs + heartbeatIntervalMs + FAILOVER_SLACK_MS;
    const startVt = run.trace[0]?.vt ?? end.endedAt;
    const faultsEnd = end.healedAt ?? this.lastFault?.vt ?? startVt;
    const leading = union(run.leadershipSpans(), end.endedAt);
    const candidacy = run.candidacySpans();
    const leaderless = subtract(union(candidacy, end.endedAt), leading);
    const afterFaults = clip(leaderless, faultsEnd, end.endedAt);
    const measurements = {
      leaderlessMs: total(leaderless),
      longestLeaderlessMs: Math.max(0, ...leaderless.map((gap) => gap.to - gap.from)),
      leaderlessAfterFaultsMs: total(afterFaults),
      boundMs,
    };

    const candidates: Candidate[] = [];
    const dead = this.noServerLeftUp();
    if (dead) candidates.push(dead);
    let judged = false;
    for (const span of candidacy) {
      const from = Math.max(span.from, faultsEnd);
      const to = Math.min(span.to, end.endedAt);
      if (to <= from) continue;
      judged = true;
      for (const gap of subtract([{ from, to }], leading)) {
        const deadline = Math.max(
          gap.from + boundMs,
          this.leaseExpiryVt(gap.from) + boundMs - leadershipTimeoutMs,
        );
        if (gap.to <= deadline) continue;
        candidates.push(this.gapCandidate(span, gap, deadline, faultsEnd, end.endedAt, boundMs));
        break;
      }
    }
    if (candidates.length === 0 && !judged && end.endedAt <= startVt && this.lastFault === undefined) {
      // The run is at its very start (the page shows I8 from 0:00): no time has passed, nothing failed.
      return makeReport(
        'I8',
        [],
        measurements,
        'the run has not started: no time has passed',
        'candidateAfterFaults',
      );
    }
    if (candidates.length === 0 && !judged) {
      return makeReport(
        'I8',
        [],
        measurements,
        `no server could lead after the faults ended at ${faultsEnd} (every server was down, stopping, ` +
          'paused, cut off or without jobs)',
        'candidateAfterFaults',
      );
    }
    if (candidates.length === 0 && end.endedAt - faultsEnd < boundMs) {
      return makeReport(
        'I8',
        [],
        measurements,
        `the run ended ${end.endedAt - faultsEnd} ms after the faults ended, before the bound of ${boundMs} ms`,
        'timeAfterFaults',
      );
    }
    return makeReport('I8', candidates, measurements);
  }

  /**
   * When the lease written last before `vt` expires on the database clock, as virtual time: a lease
   * renewed just before the database clock was set back lasts longer. A released lease is free at once.
   */
  private leaseExpiryVt(vt: number): number {
    const last = this.lastLeaseWrite(vt);
    if (!last || isEvent(last, 'released')) return -Infinity;
    const run = this.fold;
    const writtenVt = isEvent(last, 'elected') ? run.electionStartVt(last) : last.vt;
    const writtenDb = isEvent(last, 'elected') ? last.dbNow : last.db;
    return run.dbToVtAfter(writtenDb + this.timings.leadershipTimeoutMs, writtenVt);
  }

  /** The last renewal or release of the lease recorded at or before `vt`. */
  private lastLeaseWrite(vt: number): EventEntry<'elected' | 'heartbeat' | 'released'> | undefined {
    let last: EventEntry<'elected' | 'heartbeat' | 'released'> | undefined;
    for (const write of this.leaseWrites) {
      if (write.vt > vt) break;
      last = write;
    }
    return last;
  }

  private gapCandidate(
    span: StateSpan,
    gap: Span,
    deadline: number,
    faultsEnd: number,
    endedAt: number,
    boundMs: number,
  ): Candidate {
    const run = this.fold;
    const { leadershipTimeoutMs, heartbeatIntervalMs } = this.timings;
    const lastLeadership = run
      .leadershipSpans()
      .filter((leadership) => leadership.to <= gap.from)
      .sort((a, b) => a.to - b.to)
      .pop();
    const next = run.elections.find((entry) => entry.vt >= gap.to && gap.to < endedAt);
    const outcome = next
      ? `${next.server} was elected (term ${next.term}) only at ${next.vt}, ${next.vt - gap.from} ms later`
      : `nobody led again before the run ended at ${endedAt}, ${endedAt - gap.from} ms later`;
    const since =
      gap.from === faultsEnd
        ? `nobody led once the faults ended at ${faultsEnd}`
        : `nobody led from ${gap.from} (the faults ended at ${faultsEnd})`;
    return candidate(
      `${since}, though ${span.server} could lead (running with jobs, not paused or cut off): ${outcome}, over ` +
        `the bound of ${boundMs} ms (leadership timeout ${leadershipTimeoutMs} + heartbeat interval ` +
        `${heartbeatIntervalMs} + ${FAILOVER_SLACK_MS})`,
      deadline,
      [
        lastLeadership?.opened ?? undefined,
        lastLeadership?.closed ?? undefined,
        this.lastLeaseWrite(gap.from),
        span.opened ?? undefined,
        next,
      ],
    );
  }

  /** A cluster with no process up at the end, brought down (at least in part) by its own crashes. */
  private noServerLeftUp(): Candidate | undefined {
    const states = this.fold.serverStates().filter((state) => state.generation > 0);
    if (states.length === 0) return undefined;
    if (states.some((state) => state.process === 'running' || state.process === 'stopping')) return undefined;
    const ends = [...this.ends.values()];
    const own = ends.filter((end) => end.ownCrash !== undefined);
    if (own.length === 0) return undefined;
    const last = ends.reduce((a, b) => (b.ended.seq > a.ended.seq ? b : a));
    const errors = [...new Set(own.map((end) => end.ownCrash!.error))];
    const others = ends.filter((end) => end.ownCrash === undefined).map((end) => end.ended.server ?? '?');
    return candidate(
      `no server is left up: ${listText(own.map((end) => end.ended.server ?? '?'))} ` +
        `${own.length === 1 ? 'died by itself' : 'died by themselves'} (${listText(errors, 2)})` +
        (others.length > 0 ? `, and ${listText(others)} crashed or stopped by the scenario` : '') +
        `; the last went down at ${last.ended.vt}, and nothing could lead or run jobs from then on`,
      last.ended.vt,
      own.flatMap((end) => [end.ownCrash, end.ended]).slice(-8),
    );
  }
}

/** I8 on a finished run. */
export function checkLeadershipLiveness(result: RunResult): InvariantReport {
  return checkWith(new LeadershipLiveness(), result);
}

/** The spans as disjoint intervals in order, open ones closed at `endVt`. */
function union(spans: readonly Span[], endVt: number): Span[] {
  const sorted = spans
    .map((span) => ({ from: span.from, to: Math.min(span.to, endVt) }))
    .filter((span) => span.to > span.from)
    .sort((a, b) => a.from - b.from);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last && span.from <= last.to) last.to = Math.max(last.to, span.to);
    else merged.push({ ...span });
  }
  return merged;
}

/** What of the intervals `from` is not covered by `covered` (disjoint, in order). */
function subtract(from: readonly Span[], covered: readonly Span[]): Span[] {
  const left: Span[] = [];
  for (const span of from) {
    let start = span.from;
    for (const cover of covered) {
      if (cover.to <= start || cover.from >= span.to) continue;
      if (cover.from > start) left.push({ from: start, to: cover.from });
      start = Math.max(start, cover.to);
      if (start >= span.to) break;
    }
    if (start < span.to) left.push({ from: start, to: span.to });
  }
  return left;
}

function clip(spans: readonly Span[], from: number, to: number): Span[] {
  return spans
    .map((span) => ({ from: Math.max(span.from, from), to: Math.min(span.to, to) }))
    .filter((span) => span.to > span.from);
}

function total(spans: readonly Span[]): number {
  return spans.reduce((sum, span) => sum + span.to - span.from, 0);
}
