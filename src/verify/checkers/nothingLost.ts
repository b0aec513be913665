import { DEFAULT_JOB_TIMEOUT_MS } from '../../core/job.js';
import { jobNameOfScheduleKey } from '../../core/scheduleKey.js';
import type { Row } from '../../core/ports.js';
import { DISTRIBUTED_JOBS } from '../../core/distributed/sql/tables.js';
import type { Scenario } from '../../scenario/types.js';
import type { ResolvedTimings, RunResult } from '../../sim/runResult.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import { isEvent, isProcess, num, str, type ProcessEntry } from '../fold/entries.js';
import { checkWith } from '../fold/foldRunner.js';
import type { CheckContext, InvariantReducer, RunEnd } from '../fold/reducer.js';
import type { RunFold } from '../fold/runFold.js';
import {
  candidate,
  listText,
  makeReport,
  skippedReport,
  type Candidate,
  type InvariantReport,
} from './types.js';

/**
 * I2 nothing lost, checked only on runs that healed (`healedAt` not null).
 *
 * The jobs: every job of the trace (`enqueued`, `cronFired`, and any job a claim, completion or failure
 * names) and every row of `final.distributedJobs`. Each must end completed or dead:
 * - a row still `queued` or `claimed` at the end is unfinished;
 * - a job of the trace that is not in the table is fine if the trace shows it completed (accepted
 *   `completed`) or dead (`failed` dead); if it was handed on as a new row (hazard H8: a job deleted on
 *   claim and then failed or released is re-inserted under a new id) or, for a job that waited in a
 *   server's memory (hazard H10), moved to the table, that row carries it: a row of the same job name,
 *   inserted by that server, that no event of the trace created. Otherwise it is lost: deleted by a
 *   dropped failure (H11), deleted on claim by a server that then died (H8), or left in the memory of a
 *   process that ended.
 * A row that became due after the run healed (created, or for a retry its `runAt`) is not required to
 * have finished if it became due within what one attempt of it needs of the end of the run
 * (`attemptAllowanceMs`: one claim poll, the attempt, cut short by the job's timeout, and the answer
 * latencies of its claim and completion): a cron job of the liveness phase, or a retry whose backoff ends
 * late. Anything due earlier had time to finish in a healed cluster.
 * A queue that keeps growing through the liveness phase is a failure of its own: the jobs not yet finished
 * (entered, not completed, dead or dropped) are counted at each quarter of the phase, and after the first
 * (which may still drain what the faults left) they must not grow at every one.
 * The violation names every lost and unfinished job; its time is the earliest moment one was lost (the
 * failure that dropped it, the death of the process that held it), or the end of the run for unfinished rows.
 */
export class NothingLost implements InvariantReducer {
  readonly id = 'I2';
  /** Nothing is lost until the end: a job may finish at any time. */
  readonly found = [];
  private fold!: RunFold;
  private scenario!: Scenario;
  private timings!: ResolvedTimings;
  private facts!: JobFactsFold;

  start(context: CheckContext): void {
    ({ fold: this.fold, scenario: this.scenario, timings: this.timings } = context);
    this.facts = new JobFactsFold(context.fold);
  }

  step(entry: TraceEntry): void {
    this.facts.step(entry);
  }

  finish(end: RunEnd): InvariantReport {
    if (end.healedAt === null) {
      return skippedReport('I2', 'the run did not heal, so its jobs could not all finish', undefined, 'heal');
    }
    return judge(
      this.fold,
      this.facts,
      { ...end, healedAt: end.healedAt },
      allowances(this.scenario, this.timings, this.fold.maxLatencyMs),
    );
  }
}

/** I2 on a finished run. */
export function checkNothingLost(result: RunResult): InvariantReport {
  return checkWith(new NothingLost(), result);
}

function judge(
  run: RunFold,
  facts: JobFactsFold,
  result: RunEnd & { healedAt: number },
  allowanceOf: (jobName: string | null) => number,
): InvariantReport {
  const rows = new Map<string, Row>();
  for (const row of result.final[DISTRIBUTED_JOBS.table]) rows.set(String(row.id), row);
  const jobs = facts.jobs(run);

  const lost: Problem[] = [];
  const needsCarrier: { key: string; job: JobFacts; via: TraceEntry; optional?: boolean }[] = [];
  for (const [key, job] of jobs) {
    if (!job.local && rows.has(key)) continue; // the row decides
    // A job dead-lettered after a claim without a token (H8) was re-inserted as a dead row: that row is its.
    if (job.deadHandedOn) needsCarrier.push({ key, job, via: job.deadHandedOn, optional: true });
    if (job.completed || job.dead) continue;
    if (job.dropped) {
      lost.push(lostProblem(facts, key, job, job.dropped, 'dropped after a failure'));
      continue;
    }
    const handedOn = handOff(job);
    if (handedOn) needsCarrier.push({ key, job, via: handedOn });
    else if (job.local) needsCarrier.push({ key, job, via: job.last });
    else lost.push(lostProblem(facts, key, job, undefined, `missing from ${DISTRIBUTED_JOBS.table}`));
  }

  // Rows that no event created may carry a job handed on (H8) or moved from a server's memory (H10); so may
  // jobs that appear in the trace without having entered it, their rows since deleted (H8 again).
  const carriers = [
    ...[...rows.values()].map((row) => ({
      id: String(row.id),
      name: str(row.name),
      enqueuedBy: str(row.enqueuedBy),
    })),
    ...[...jobs]
      .filter(([key, job]) => !job.local && !rows.has(key))
      .map(([key, job]) => ({ id: key, name: job.name, enqueuedBy: null })),
  ]
    .filter((carrier) => !run.jobs.origins.has(carrier.id))
    .map((carrier) => ({ ...carrier, used: false }))
    .sort((a, b) => Number(a.id) - Number(b.id));
  needsCarrier.sort((a, b) => a.via.seq - b.via.seq);
  // A job created at the very end of the run (a cron tick of the liveness phase) had no time to finish.
  const unfinishedLocal: string[] = [];
  let carried = 0;
  for (const { key, job, via, optional } of needsCarrier) {
    const carrier = carriers.find(
      (c) =>
        !c.used &&
        c.name === job.name &&
        (job.local || Number(c.id) > Number(key)) &&
        (c.enqueuedBy === null || c.enqueuedBy === via.server),
    );
    if (carrier) {
      carrier.used = true;
      carried++;
      continue;
    }
    if (optional) continue;
    if (job.local && !facts.processEndedSince(job)) {
      // Still waiting in a live server's memory: unfinished, unless it came too late to finish.
      const since = job.origin?.vt ?? job.last.vt;
      if (!(since > result.healedAt && since > result.endedAt - allowanceOf(job.name)))
        unfinishedLocal.push(key);
      continue;
    }
    lost.push(
      lostProblem(
        facts,
        key,
        job,
        undefined,
        job.local ? 'never left the memory of its server' : 'not re-inserted',
      ),
    );
  }

  // When a row last became due: its creation, or the end of a retry's backoff (runAt).
  const dueVt = (row: Row) => {
    const due = Math.max(num(row.createdAt) ?? -Infinity, num(row.runAt) ?? -Infinity);
    return Number.isFinite(due) ? run.dbToVt(due) : -Infinity;
  };
  const late = (row: Row) =>
    dueVt(row) > result.healedAt && dueVt(row) > result.endedAt - allowanceOf(str(row.name));
  const open = [...rows.values()].filter((row) => row.status === 'queued' || row.status === 'claimed');
  const unfinished = open.filter((row) => !late(row));
  const queued = open.filter((row) => row.status === 'queued');
  const oldestQueuedMs = Math.max(0, ...queued.map((row) => result.endedAt - dueVt(row)));
  const backlog = facts.backlog(result.healedAt, result.endedAt);
  const measurements = {
    jobs: new Set([...jobs.keys(), ...rows.keys()]).size,
    rows: rows.size,
    completed: [...rows.values()].filter((row) => row.status === 'completed').length,
    dead: [...rows.values()].filter((row) => row.status === 'dead').length,
    carriedByNewRows: carried,
    lost: lost.length,
    unfinished: unfinished.length + unfinishedLocal.length,
    dueTooLateToFinish: open.length - unfinished.length,
    oldestQueuedMs: Math.round(oldestQueuedMs),
    openJobsAfterHeal: backlog.samples,
  };
  // The first quarter may still drain what the faults left; after it, a queue that grows at every quarter
  // is one the cluster cannot keep up with.
  const [, q1, q2, q3, q4] = backlog.samples as [number, number, number, number, number];
  const growing = q1 < q2 && q2 < q3 && q3 < q4;
  if (lost.length === 0 && unfinished.length === 0 && unfinishedLocal.length === 0 && !growing) {
    return makeReport('I2', [], measurements);
  }

  const parts: string[] = [];
  if (growing) {
    parts.push(
      `the queue kept growing through the liveness phase: jobs not finished at the heal and at each quarter ` +
        `of the phase after it: ${backlog.samples.join(', ')}; the cluster finishes jobs more slowly than they come`,
    );
  }
  if (lost.length > 0) {
    lost.sort((a, b) => a.atVt - b.atVt || a.order - b.order);
    parts.push(`${lost.length} job(s) lost: ${listText(lost.map((problem) => problem.text))}`);
  }
  if (unfinishedLocal.length > 0) {
    parts.push(
      `${unfinishedLocal.length} job(s) still waiting in a server's memory at the end of the run: ${listText(unfinishedLocal)}`,
    );
  }
  if (unfinished.length > 0) {
    const ids = (status: string) =>
      unfinished.filter((row) => row.status === status).map((row) => String(row.id));
    const queued = ids('queued');
    const claimed = ids('claimed');
    const which = [
      queued.length > 0 ? `queued: ${listText(queued)}` : '',
      claimed.length > 0 ? `claimed: ${listText(claimed)}` : '',
    ].filter(Boolean);
    parts.push(
      `${unfinished.length} job(s) unfinished at the end of the run (${which.join('; ')}), due before the ` +
        `last ${allowanceOf(str(unfinished[0]!.name))} ms in which one attempt could still be under way` +
        (queued.length > 0
          ? `; the oldest queued one became due ${Math.round(oldestQueuedMs)} ms before the end`
          : ''),
    );
    const tail = Math.min(allowanceOf(str(unfinished[0]!.name)), result.endedAt - result.healedAt);
    if (run.candidatesThroughout(result.endedAt - tail, result.endedAt).length === 0) {
      parts.push(`no server with jobs was up throughout the last ${tail} ms of the run, after the heal`);
    }
  }
  const firstLost = lost[0];
  const firstUnfinished = unfinished[0] ? String(unfinished[0].id) : unfinishedLocal[0];
  const unfinishedEvidence = firstUnfinished ? facts.lastEntries(firstUnfinished) : [];
  const chosen: Candidate = firstLost
    ? candidate('', firstLost.atVt, firstLost.evidence)
    : candidate('', result.endedAt, unfinishedEvidence.length > 0 ? unfinishedEvidence : backlog.evidence);
  chosen.message = parts.join('; ');
  return makeReport('I2', [chosen], measurements);
}

interface JobFacts {
  name: string;
  local: boolean;
  origin?: TraceEntry;
  last: TraceEntry;
  lastClaim?: TraceEntry & { token: string | null };
  completed: boolean;
  dead: boolean;
  dropped?: TraceEntry;
  /** The job's last failure (retry) or release, for a claim without a token (H8): the row was re-inserted. */
  handedOn?: TraceEntry | undefined;
  /** Its dead-letter failure after a claim without a token (H8), which inserted a dead row. */
  deadHandedOn?: TraceEntry;
}

interface Problem {
  text: string;
  atVt: number;
  order: number;
  evidence: TraceEntry[];
}

/**
 * What the trace says of each job, entry by entry: its name, where it entered, its last claim, whether it
 * completed, died, was dropped or handed on. Also its last two entries (the evidence of an unfinished
 * one) and each server's process ends.
 */
class JobFactsFold {
  private readonly byKey = new Map<string, JobFacts>();
  private readonly last = new Map<string, TraceEntry[]>();
  private readonly ends = new Map<string, ProcessEntry[]>();
  /** When each job entered the run, and when it finished (completed, dead or dropped), in trace order. */
  private readonly entered: TraceEntry[] = [];
  private readonly finished: TraceEntry[] = [];
  private readonly finishedKeys = new Set<string>();

  constructor(private readonly fold: RunFold) {}

  step(entry: TraceEntry): void {
    const fold = this.fold;
    this.noteBacklog(entry);
    if (isProcess(entry, 'processEnded') && entry.server !== null) {
      let list = this.ends.get(entry.server);
      if (!list) this.ends.set(entry.server, (list = []));
      list.push(entry);
    }
    const key = fold.jobKey(entry);
    if (key === undefined) return;
    const last = this.last.get(key);
    if (last) {
      last.push(entry);
      if (last.length > 2) last.shift();
    } else this.last.set(key, [entry]);
    if (entry.source !== 'coordinator' || !('jobName' in entry)) return;
    let job = this.byKey.get(key);
    if (!job) {
      job = {
        name: entry.jobName,
        local: fold.jobs.localJobs.has(key),
        last: entry,
        completed: false,
        dead: false,
      };
      this.byKey.set(key, job);
    }
    job.last = entry;
    if (isEvent(entry, 'enqueued')) job.origin ??= entry;
    else if (isEvent(entry, 'claimed')) {
      job.lastClaim = entry;
      job.handedOn = undefined;
    } else if (isEvent(entry, 'completed')) job.completed = true;
    else if (isEvent(entry, 'failed')) {
      if (entry.outcome === 'dead') job.dead = true;
      if (entry.outcome === 'dead' && job.lastClaim?.token === null && !job.local) job.deadHandedOn = entry;
      if (entry.outcome === 'dropped') job.dropped = entry;
      if (entry.outcome === 'retry' && job.lastClaim?.token === null) job.handedOn = entry;
    } else if (isEvent(entry, 'released-claim') && job.lastClaim?.token === null) job.handedOn = entry;
  }

  /** Every job of the trace so far (copies: the caller may not change the fold's). */
  jobs(run: RunFold): Map<string, JobFacts> {
    const jobs = new Map<string, JobFacts>();
    for (const [key, job] of this.byKey) jobs.set(key, { ...job });
    const origins = run.jobs.origins;
    // cronFired names no job name: add those jobs from their rows or their schedule key.
    for (const [key, origin] of origins) {
      if (jobs.has(key) || !isEvent(origin, 'cronFired')) continue;
      jobs.set(key, {
        name: jobNameOfScheduleKey(origin.scheduleKey),
        local: run.jobs.localJobs.has(key),
        origin,
        last: origin,
        completed: false,
        dead: false,
      });
    }
    for (const [key, origin] of origins) {
      const job = jobs.get(key);
      if (job) job.origin ??= origin;
    }
    return jobs;
  }

  /**
   * How many jobs had entered and not finished at the heal and at each quarter of the liveness phase up
   * to the end (with the last job that entered, as evidence).
   */
  backlog(healedAt: number, endedAt: number): { samples: number[]; evidence: TraceEntry[] } {
    const open = (vt: number) =>
      this.entered.filter((entry) => entry.vt <= vt).length -
      this.finished.filter((entry) => entry.vt <= vt).length;
    const last = this.entered[this.entered.length - 1];
    const samples = [0, 1, 2, 3, 4].map((quarter) => open(healedAt + ((endedAt - healedAt) * quarter) / 4));
    return { samples, evidence: last ? [last] : [] };
  }

  private noteBacklog(entry: TraceEntry): void {
    const key = this.fold.jobKey(entry);
    if (key === undefined) return;
    if (isEvent(entry, 'enqueued', 'cronFired') && this.fold.jobs.origins.get(key) === entry)
      this.entered.push(entry);
    const done =
      isEvent(entry, 'completed') ||
      (isEvent(entry, 'failed') && (entry.outcome === 'dead' || entry.outcome === 'dropped'));
    if (done && !this.finishedKeys.has(key)) {
      this.finishedKeys.add(key);
      this.finished.push(entry);
    }
  }

  /** The last two entries of a job. */
  lastEntries(key: string): TraceEntry[] {
    return [...(this.last.get(key) ?? [])];
  }

  /** The end of the process that last held a job (its claim, or its memory for a local job), if it ended. */
  processEndedSince(job: JobFacts): ProcessEntry | undefined {
    const since = job.local ? job.origin : job.lastClaim;
    if (!since || since.server === null) return undefined;
    const generation = this.fold.generation(since);
    return (this.ends.get(since.server) ?? []).find(
      (entry) => entry.seq > since.seq && this.fold.generation(entry) === generation,
    );
  }
}

function handOff(job: JobFacts): TraceEntry | undefined {
  return job.local ? undefined : job.handedOn;
}

function lostProblem(
  facts: JobFactsFold,
  key: string,
  job: JobFacts,
  at: TraceEntry | undefined,
  why: string,
): Problem {
  let moment = at;
  let detail = why;
  if (!moment) {
    // Lost when the process that held it (its claim, or its memory for a local job) ended.
    const ended = facts.processEndedSince(job);
    if (ended) {
      moment = ended;
      detail = `${why}; ${ended.server}'s process ended (${ended.reason})`;
    }
  }
  const last = moment ?? job.last;
  return {
    text: `${key} (${job.name}, ${detail})`,
    atVt: last.vt,
    order: last.seq,
    evidence: [job.origin, job.lastClaim, moment ?? job.last].filter(
      (entry): entry is TraceEntry => entry !== undefined,
    ),
  };
}

/** Answers of a claim (its transaction) and of the completion, each up to the largest latency. */
const ATTEMPT_ROUND_TRIPS = 10;

/**
 * What one job, due at some moment of a healed cluster, needs at most to finish: one claim poll (a server
 * with a free slot claims it, at once on the jobs channel's notification, at the latest at its next poll),
 * one attempt (the job's duration, cut short by its timeout: an attempt past it fails) and the answer
 * latencies of the claim and the completion. A job's duration is the longest the scenario gives it (its
 * definition or a `setJob`).
 */
export function attemptAllowanceMs(
  scenario: Scenario,
  timings: ResolvedTimings,
  maxLatencyMs: number,
  jobName: string | null,
): number {
  return allowances(scenario, timings, maxLatencyMs)(jobName);
}

function allowances(
  scenario: Scenario,
  timings: ResolvedTimings,
  maxLatencyMs: number,
): (jobName: string | null) => number {
  const attempt = new Map<string, number>();
  const timeouts = new Map(scenario.jobs.map((job) => [job.name, job.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS]));
  const note = (name: string, durationMs: number | undefined) => {
    const ms = Math.min(durationMs ?? 0, timeouts.get(name) ?? DEFAULT_JOB_TIMEOUT_MS);
    attempt.set(name, Math.max(attempt.get(name) ?? 0, ms));
  };
  for (const job of scenario.jobs) note(job.name, job.durationMs);
  for (const action of scenario.actions) if (action.type === 'setJob') note(action.job, action.durationMs);
  const longest = Math.max(0, ...attempt.values());
  const fixed = timings.pollIntervalMs + ATTEMPT_ROUND_TRIPS * maxLatencyMs;
  return (jobName) => fixed + (jobName !== null && attempt.has(jobName) ? attempt.get(jobName)! : longest);
}
