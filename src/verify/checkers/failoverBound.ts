import type { Scenario } from '../../scenario/types.js';
import type { ResolvedTimings, RunResult } from '../../sim/runResult.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import { isEvent, isProcess, type EventEntry } from '../fold/entries.js';
import { checkWith } from '../fold/foldRunner.js';
import type { CheckContext, InvariantReducer, RunEnd } from '../fold/reducer.js';
import type { RunFold } from '../fold/runFold.js';
import { candidate, makeReport, skippedReport, type Candidate, type InvariantReport } from './types.js';

/** Slack over the bound for database latency, ms. */
export const FAILOVER_SLACK_MS = 50;

interface Leadership {
  server: string;
  term: number;
  elected: EventEntry<'elected'>;
  lastBeat: TraceEntry;
  /** Database time of the last renewal: the last heartbeat's, or the election's read of the lease. */
  lastBeatDb: number;
  /** Lost and not back (a heartbeat of the same term after a pause or cut-off brings it back). */
  lost: boolean;
}

/** The ways a leader stops leading that I5 judges (a graceful release is I6's). */
export type LossCause = 'crash' | 'death' | 'pause' | 'cutOff' | 'stop' | 'stepDown';

const CAUSE_TEXT: Record<LossCause, string> = {
  crash: 'crash',
  death: 'own death',
  pause: 'pause',
  cutOff: 'cut-off',
  stop: 'stop without a release',
  stepDown: 'step-down',
};

interface Loss {
  leadership: Leadership;
  cause: LossCause;
  /** Where it stopped leading: the action, its `crashed` or `processEnded`, or its `steppedDown`. */
  at: TraceEntry;
  next?: EventEntry<'elected'>;
  cameBack: boolean;
}

/**
 * I5 failover bound. Leadership is followed through `elected`, `heartbeat`, `steppedDown`, `released`,
 * `crashed` and `processEnded`. A leader is lost, whatever the way it stops leading, when it is the
 * latest elected and:
 * - a crash, pause or cut-off action hits it;
 * - it dies by itself (its coordinator's `crashed`, or its process ends with no action to blame: H13's
 *   bad crontab kills each new leader);
 * - it is stopped (a stop action) and never releases its lease: a stop that releases is a graceful
 *   handover, I6's to judge, however the release is matched with the election after it;
 * - it steps down (`steppedDown`: a heartbeat failed, or found the lease taken).
 * A pause or cut-off can end before anyone takes over: a heartbeat of the same leader in the same term
 * then brings it back, nothing is measured, and a later fault is a new loss. A leader replaced before it
 * knew it (its step-down recorded after its successor's election) is no longer the latest elected, so its
 * step-down is no loss: the failover had happened. Otherwise the next `elected` of a higher term (by
 * anyone, the same server too) decides: the failover took `elected.dbNow` (the database time at
 * which the new leader read the lease) minus the lost leader's last heartbeat (database time of its
 * `heartbeat` entry, or of its election's read if it never beat), or the same on virtual time if shorter
 * (a database clock set forward mid-failover lengthens it on that clock only). It must not exceed
 * leadershipTimeoutMs + heartbeatIntervalMs + 50 ms. With no election at all, the bound is broken if the
 * run went past it. A loss is judged only if another server with jobs (or, after a step-down, the same
 * one) was running, not stopping, paused or cut off, from the loss to the deadline (or to the successor's
 * election, if sooner): otherwise no new leader was possible. Every measured delay is in
 * `measurements.failoverMs`; `leaderLosses` counts the losses, and `ownDeaths`, `stepDowns` and
 * `unreleasedStops` some kinds among them. That leadership comes back for good once the faults end is
 * I8's to judge (leadership liveness).
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
  /** `server#term` of every leadership that released its lease (a stop of it is I6's). */
  private readonly releases = new Set<string>();

  start(context: CheckContext): void {
    ({ fold: this.fold, scenario: this.scenario, timings: this.timings } = context);
  }

  step(entry: TraceEntry): void {
    this.settleLosses(entry);
    if (isEvent(entry, 'released') && entry.server !== null)
      this.releases.add(`${entry.server}#${entry.term}`);
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
      leader.lost = false;
    } else if (isEvent(entry, 'released') && entry.term === leader.term) {
      this.leader = undefined;
    } else if (isEvent(entry, 'steppedDown') && entry.term === leader.term) {
      this.lose(leader, 'stepDown', entry);
      this.leader = undefined;
    } else if (isEvent(entry, 'crashed')) {
      this.lose(leader, 'death', entry);
    } else if (isProcess(entry, 'processEnded')) {
      this.lose(leader, 'death', entry);
      this.leader = undefined;
    } else if (this.fold.appliedAction(entry, 'crash', 'pause', 'cutOff', 'stop')) {
      this.lose(leader, entry.action.type, entry);
    }
  }

  /** The leader stops leading (unless it already has): from here a successor is owed. */
  private lose(leader: Leadership, cause: LossCause, at: TraceEntry): void {
    if (leader.lost) return;
    leader.lost = true;
    const loss: Loss = { leadership: { ...leader }, cause, at, cameBack: false };
    this.losses.push(loss);
    this.open.push(loss);
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
        (loss.cause === 'pause' || loss.cause === 'cutOff') &&
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
    // A stop whose leader released its lease is a graceful handover: I6 judges it.
    const losses = this.losses.filter(
      (loss) =>
        loss.cause !== 'stop' || !this.releases.has(`${loss.leadership.server}#${loss.leadership.term}`),
    );
    return judge(this.fold, this.scenario, this.timings, end, losses);
  }
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
    return skippedReport('I5', 'single-server mode: no leader election', undefined, 'leaderElection');
  }
  const { leadershipTimeoutMs, heartbeatIntervalMs } = timings;
  const boundMs = leadershipTimeoutMs + heartbeatIntervalMs + FAILOVER_SLACK_MS;

  const candidates: Candidate[] = [];
  const failoverMs: number[] = [];
  let survived = 0;
  let impossible = 0;
  let unfinished = 0;
  for (const { leadership, cause, at, next, cameBack } of losses) {
    if (cameBack) {
      survived++;
      continue;
    }
    const lastBeatVt = isEvent(leadership.lastBeat, 'elected')
      ? run.electionStartVt(leadership.lastBeat)
      : leadership.lastBeat.vt;
    // A database clock set forward during the failover would make it look long on that clock alone.
    const deadlineVt = Math.max(run.dbToVt(leadership.lastBeatDb + boundMs), lastBeatVt + boundMs);
    // A leader that stepped down may take the lease again itself; one crashed, paused or stopped cannot.
    const exclude = cause === 'stepDown' ? undefined : leadership.server;
    // A successor elected before the deadline needed a candidate only until its election.
    const possibleUntil = next ? Math.min(deadlineVt, run.electionStartVt(next)) : deadlineVt;
    const possible = run.candidatesThroughout(at.vt, possibleUntil, exclude).length > 0;
    const how = `${CAUSE_TEXT[cause]} of leader ${leadership.server} (term ${leadership.term}) at ${at.vt}`;
    if (next) {
      // Fractional where a drifting clock maps database time to virtual time; messages round it.
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
            `failover took ${Math.round(delay)} ms after the ${how}: ${next.server} was elected (term ${next.term}) ${Math.round(delay)} ms ` +
              `after the last heartbeat, over the bound of ${boundMs} ms (leadership timeout ${leadershipTimeoutMs} + ` +
              `heartbeat interval ${heartbeatIntervalMs} + ${FAILOVER_SLACK_MS})`,
            next.vt,
            [leadership.lastBeat, at, next],
          ),
        );
      }
    } else if (!possible) {
      impossible++;
    } else if (result.endedAt > deadlineVt) {
      candidates.push(
        candidate(
          `no new leader was elected after the ${how}, though the run went on ${Math.round(result.endedAt - deadlineVt)} ms past the ` +
            `bound of ${boundMs} ms after its last heartbeat`,
          deadlineVt,
          [leadership.lastBeat, at],
        ),
      );
    } else {
      unfinished++;
    }
  }

  const measurements = {
    failoverMs,
    leaderLosses: losses.length,
    ownDeaths: losses.filter((loss) => loss.cause === 'death').length,
    stepDowns: losses.filter((loss) => loss.cause === 'stepDown').length,
    unreleasedStops: losses.filter((loss) => loss.cause === 'stop').length,
    leaderCameBack: survived,
    noCandidate: impossible,
    runEndedFirst: unfinished,
    boundMs,
  };
  if (losses.length === 0) {
    return makeReport(
      'I5',
      [],
      measurements,
      'no leader was lost (no crash, own death, pause, cut-off, stop without a release or step-down of a leader)',
      'leaderLoss',
    );
  }
  if (candidates.length === 0 && losses.length === survived + impossible + unfinished) {
    return makeReport(
      'I5',
      [],
      measurements,
      'no leader loss could be judged (it came back, no other server could lead, or the run ended first)',
      'judgeableLoss',
    );
  }
  return makeReport('I5', candidates, measurements);
}
