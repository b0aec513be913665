import type { Scenario } from '../../scenario/types';
import type { ResolvedTimings, RunResult } from '../../sim/runResult';
import type { TraceEntry } from '../../sim/trace/trace';
import { isEvent, isProcess, type ActionEntry, type EventEntry } from '../fold/entries';
import { checkWith } from '../fold/foldRunner';
import type { CheckContext, InvariantReducer, RunEnd } from '../fold/reducer';
import type { RunFold } from '../fold/runFold';
import { candidate, makeReport, skippedReport, type Candidate, type InvariantReport } from './types';

/** Slack over the bound for database latency, ms. */
export const FAILOVER_SLACK_MS = 50;

interface Leadership {
  server: string;
  term: number;
  elected: EventEntry<'elected'>;
  lastBeat: TraceEntry;
  /** Database time of the last renewal: the last heartbeat's, or the election's read of the lease. */
  lastBeatDb: number;
  lost: boolean;
}

/**
 * I5 failover bound. Leadership is followed through `elected`, `heartbeat`, `steppedDown`, `released`
 * and `processEnded`. A leader is lost when a crash, pause or cut-off action hits the server that leads
 * at that moment. From there, the first of two things decides:
 * - a `heartbeat` of the same leader in the same term: it came back before anyone took over; nothing to measure;
 * - the next `elected` (any server, a higher term): the failover took `elected.dbNow` (the database time at
 *   which the new leader read the lease) minus the lost leader's last heartbeat (database time of its
 *   `heartbeat` entry, or of its election's read if it never beat), or the same on virtual time if shorter
 *   (a database clock set forward mid-failover lengthens it on that clock only). It must not exceed
 *   leadershipTimeoutMs + heartbeatIntervalMs + 50 ms.
 * With no election at all, the bound is broken if the run went past it. A loss is judged only if another
 * server with jobs was running, not stopping, paused or cut off, from the loss to the deadline: otherwise
 * no new leader was possible. Every measured delay is in `measurements.failoverMs`.
 */
export class FailoverBound implements InvariantReducer {
  readonly id = 'I5';
  /** A failover is measured on the database clock and judged against candidates up to its deadline: at the end. */
  readonly found = [];
  private fold!: RunFold;
  private scenario!: Scenario;
  private timings!: ResolvedTimings;
  private leader: Leadership | undefined;
  private readonly losses: Loss[] = [];
  /** Losses not yet followed by an election of a higher term or a heartbeat of the lost leader. */
  private open: Loss[] = [];

  start(context: CheckContext): void {
    ({ fold: this.fold, scenario: this.scenario, timings: this.timings } = context);
  }

  step(entry: TraceEntry): void {
    this.settleLosses(entry);
    const leader = this.leader;
    if (isEvent(entry, 'elected') && entry.server !== null) {
      this.leader = {
        server: entry.server,
        term: entry.term,
        elected: entry,
        lastBeat: entry,
        lastBeatDb: entry.dbNow,
        lost: false,
      };
    } else if (!leader || entry.server !== leader.server) {
      return;
    } else if (isEvent(entry, 'heartbeat') && entry.term === leader.term) {
      leader.lastBeat = entry;
      leader.lastBeatDb = entry.db;
    } else if (isEvent(entry, 'steppedDown', 'released') && entry.term === leader.term) {
      this.leader = undefined;
    } else if (isProcess(entry, 'processEnded')) {
      this.leader = undefined;
    } else if (this.fold.appliedAction(entry, 'crash', 'pause', 'cutOff') && !leader.lost) {
      leader.lost = true;
      const loss: Loss = { leadership: { ...leader }, action: entry, cameBack: false };
      this.losses.push(loss);
      this.open.push(loss);
    }
  }

  /** What decides a loss: the next election of a higher term, or first a heartbeat of the same leader and term. */
  private settleLosses(entry: TraceEntry): void {
    if (this.open.length === 0) return;
    this.open = this.open.filter((loss) => {
      const { leadership } = loss;
      if (isEvent(entry, 'elected') && entry.term > leadership.term) {
        loss.next = entry;
        return false;
      }
      if (
        isEvent(entry, 'heartbeat') &&
        entry.server === leadership.server &&
        entry.term === leadership.term
      ) {
        loss.cameBack = true;
        return false;
      }
      return true;
    });
  }

  finish(end: RunEnd): InvariantReport {
    return judge(this.fold, this.scenario, this.timings, end, this.losses);
  }
}

interface Loss {
  leadership: Leadership;
  action: ActionEntry<'crash' | 'pause' | 'cutOff'>;
  next?: EventEntry<'elected'>;
  cameBack: boolean;
}

/** I5 on a finished run. */
export function checkFailoverBound(result: RunResult): InvariantReport {
  return checkWith(new FailoverBound(), result);
}

function judge(
  run: RunFold,
  scenario: Scenario,
  timings: ResolvedTimings,
  result: RunEnd,
  losses: readonly Loss[],
): InvariantReport {
  if (run.elections.length === 0 && scenario.mode === 'single') {
    return skippedReport('I5', 'single-server mode: no leader election');
  }
  const { leadershipTimeoutMs, heartbeatIntervalMs } = timings;
  const boundMs = leadershipTimeoutMs + heartbeatIntervalMs + FAILOVER_SLACK_MS;

  const candidates: Candidate[] = [];
  const failoverMs: number[] = [];
  let survived = 0;
  let impossible = 0;
  let unfinished = 0;
  for (const { leadership, action, next, cameBack } of losses) {
    if (cameBack) {
      survived++;
      continue;
    }
    const lastBeatVt = isEvent(leadership.lastBeat, 'elected')
      ? run.electionStartVt(leadership.lastBeat)
      : leadership.lastBeat.vt;
    // A database clock set forward during the failover would make it look long on that clock alone.
    const deadlineVt = Math.max(run.dbToVt(leadership.lastBeatDb + boundMs), lastBeatVt + boundMs);
    const possible = run.candidatesThroughout(action.vt, deadlineVt, leadership.server).length > 0;
    const how = `${action.action.type} of leader ${leadership.server} (term ${leadership.term}) at ${action.vt}`;
    if (next) {
      const delay = Math.min(next.dbNow - leadership.lastBeatDb, run.electionStartVt(next) - lastBeatVt);
      failoverMs.push(delay);
      // A database clock set back during the lease makes the lease itself last longer, on every clock;
      // no coordinator can beat that. What it owes is an election within one interval of the lease's end.
      const expiredVt = run.dbToVtAfter(leadership.lastBeatDb + leadershipTimeoutMs, lastBeatVt);
      const lateAfterExpiry = run.electionStartVt(next) - expiredVt;
      if (!possible) impossible++;
      else if (delay > boundMs && lateAfterExpiry > heartbeatIntervalMs + FAILOVER_SLACK_MS) {
        candidates.push(
          candidate(
            `failover took ${delay} ms after the ${how}: ${next.server} was elected (term ${next.term}) ${delay} ms ` +
              `after the last heartbeat, over the bound of ${boundMs} ms (leadership timeout ${leadershipTimeoutMs} + ` +
              `heartbeat interval ${heartbeatIntervalMs} + ${FAILOVER_SLACK_MS})`,
            next.vt,
            [leadership.lastBeat, action, next],
          ),
        );
      }
    } else if (!possible) {
      impossible++;
    } else if (result.endedAt > deadlineVt) {
      candidates.push(
        candidate(
          `no new leader was elected after the ${how}, though the run went on ${result.endedAt - deadlineVt} ms past the ` +
            `bound of ${boundMs} ms after its last heartbeat`,
          deadlineVt,
          [leadership.lastBeat, action],
        ),
      );
    } else {
      unfinished++;
    }
  }

  const measurements = {
    failoverMs,
    leaderLosses: losses.length,
    leaderCameBack: survived,
    noCandidate: impossible,
    runEndedFirst: unfinished,
    boundMs,
  };
  if (losses.length === 0) {
    return makeReport('I5', [], measurements, 'no leader was crashed, paused or cut off');
  }
  if (candidates.length === 0 && losses.length === survived + impossible + unfinished) {
    return makeReport(
      'I5',
      [],
      measurements,
      'no leader loss could be judged (it came back, no other server could lead, or the run ended first)',
    );
  }
  return makeReport('I5', candidates, measurements);
}
