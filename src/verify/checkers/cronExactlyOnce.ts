import { scheduleKey } from '../../core/scheduleKey.js';
import { CronExpression } from '../../core/cron.js';
import { DEFAULT_MISFIRE_POLICY, type MisfirePolicy } from '../../core/misfire.js';
import { DISTRIBUTED_JOBS, JOB_CRON_TICKS } from '../../core/distributed/sql/tables.js';
import type { Scenario } from '../../scenario/types.js';
import type { RunResult } from '../../sim/runResult.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import { isEvent, num, str, type ActionEntry, type EventEntry } from '../fold/entries.js';
import { checkWith } from '../fold/foldRunner.js';
import type { CheckContext, InvariantReducer, RunEnd } from '../fold/reducer.js';
import type { RunFold } from '../fold/runFold.js';
import type { ResolvedTimings } from '../../sim/runResult.js';
import { FAILOVER_SLACK_MS } from './failoverBound.js';
import {
  candidate,
  listText,
  makeReport,
  skippedReport,
  type Candidate,
  type InvariantReport,
} from './types.js';

/** Ticks expected between a schedule's first and last fired tick are listed up to this many. */
const MAX_EXPECTED_TICKS = 200_000;

/**
 * I4 cron exactly once. The jobs of each (schedule, tick) are gathered from `cronFired` events, from
 * `final.distributedJobs` rows (scheduleKey, tickAt) and from `final.jobCronTicks` (jobId), by job: rows
 * count even when the tick record is off (hazard H7), events count even when the row was deleted (H8).
 * - no tick has more than one job;
 * - the ticks its cron expression (in the scenario's time zone) expects but that never fired are allowed
 *   only up to the ticks the scheduler reported skipped (`cronSkipped` counts, which is how the misfire
 *   policy drops late ticks) for that schedule. Between a schedule's first and last fired tick every
 *   expected tick counts. After its last fired tick (and, for a schedule that never fired, from its start)
 *   to the end of the run, a tick counts when a leader could have decided it: some server could lead
 *   (running, not paused or cut off, with jobs) throughout the tick's decision window, which runs from the
 *   tick for as long as a failover takes (`decisionWindowMs`: the leadership timeout, one heartbeat
 *   interval and I5's slack) and one scheduler look. A leader then fires it, on time or late as its misfire
 *   policy says, or skips it and reports it; when nobody could lead for a whole window the tick is not
 *   counted (and neither are the ticks of the last window of the run: due, not yet decided).
 * - late ticks (fired more than the policy's threshold after their time, judged by the job row's
 *   `createdAt`, the database instant the scheduler decided at, or the server's clock in single-server
 *   mode) obey the schedule's misfire policy in each look: none under `skip`, one under `fireOnce`, at
 *   most `limit` under `backfill` (hazard H6 replays them all).
 * Schedules come from `scenario.jobs[].schedules` and `addSchedule` actions; a schedule key found only in
 * the run is read back as `job|cron|params`.
 */
export class CronExactlyOnce implements InvariantReducer {
  readonly id = 'I4';
  /** A tick's jobs, its misses and its lateness are known from the final tables only. */
  readonly found = [];
  private fold!: RunFold;
  private scenario!: Scenario;
  private timings!: ResolvedTimings;
  private readonly fired: EventEntry<'cronFired'>[] = [];
  private readonly skips: EventEntry<'cronSkipped'>[] = [];
  private readonly added: ActionEntry<'addSchedule'>[] = [];

  start(context: CheckContext): void {
    ({ fold: this.fold, scenario: this.scenario, timings: this.timings } = context);
  }

  step(entry: TraceEntry): void {
    if (isEvent(entry, 'cronFired')) this.fired.push(entry);
    else if (isEvent(entry, 'cronSkipped')) this.skips.push(entry);
    else if (entry.source === 'action' && entry.type === 'action' && entry.action.type === 'addSchedule') {
      this.added.push(entry as ActionEntry<'addSchedule'>);
    }
  }

  finish(end: RunEnd): InvariantReport {
    return judge(this.fold, this.scenario, this.timings, end, this.fired, this.skips, this.added);
  }
}

/** I4 on a finished run. */
export function checkCronExactlyOnce(result: RunResult): InvariantReport {
  return checkWith(new CronExactlyOnce(), result);
}

/**
 * How long after a tick a leader has certainly decided it, when some server could lead throughout: the
 * failover bound of I5 (a leader lost just before the tick is replaced within the timeout plus one
 * interval, and its scheduler looks at once) and the scheduler's look (one second of cron resolution).
 */
export function decisionWindowMs(timings: ResolvedTimings): number {
  return timings.leadershipTimeoutMs + timings.heartbeatIntervalMs + FAILOVER_SLACK_MS + SCHEDULER_LOOK_MS;
}
const SCHEDULER_LOOK_MS = 1_000;

function judge(
  run: RunFold,
  scenario: Scenario,
  timings: ResolvedTimings,
  end: RunEnd,
  firedEntries: readonly EventEntry<'cronFired'>[],
  skips: readonly EventEntry<'cronSkipped'>[],
  added: readonly ActionEntry<'addSchedule'>[],
): InvariantReport {
  const result = { scenario, final: end.final };
  const timezone = scenario.coordinator?.timezone ?? 'UTC';
  const crons = scheduleCrons(scenario, added);
  const policies = schedulePolicies(result);
  const ticks = collectTicks(run, end, firedEntries);
  if (crons.size === 0 && ticks.size === 0) {
    return skippedReport('I4', 'no cron schedule was set', undefined, 'cronTick');
  }
  const windowMs = decisionWindowMs(timings);
  // A tick counts after the last fired one when some server could lead throughout its decision window.
  const decidable = (tick: number) => {
    const vt = run.dbToVt(tick);
    return vt + windowMs <= end.endedAt && run.candidatesThroughout(vt, vt + windowMs).length > 0;
  };
  const starts = scheduleStarts(run, scenario, added);
  // Schedules that never fired are judged from their start.
  for (const key of crons.keys()) if (!ticks.has(key)) ticks.set(key, new Map());
  const skipped = new Map<string, { count: number; entries: TraceEntry[] }>();
  for (const entry of skips) {
    const found = skipped.get(entry.scheduleKey) ?? { count: 0, entries: [] };
    found.count += entry.count;
    found.entries.push(entry);
    skipped.set(entry.scheduleKey, found);
  }

  const candidates: Candidate[] = [];
  const missingAll: number[] = [];
  const duplicatedAll: number[] = [];
  const measurements: Record<string, number | number[]> = {};
  let fired = 0;
  let unreadable = 0;
  const endDb =
    run.trace.length > 0
      ? run.trace[run.trace.length - 1]!.db + (end.endedAt - run.trace[run.trace.length - 1]!.vt)
      : 0;
  for (const [key, byTick] of ticks) {
    const tickTimes = [...byTick.keys()].sort((a, b) => a - b);
    fired += tickTimes.length;
    const duplicated = tickTimes.filter((tick) => byTick.get(tick)!.jobs.size > 1);
    for (const tick of duplicated) {
      duplicatedAll.push(tick);
      candidates.push(duplicateCandidate(run, key, tick, byTick.get(tick)!));
    }
    if (duplicated.length > 0) measurements[`duplicatedTicks[${key}]`] = duplicated;

    const cron = compile(crons.get(key) ?? key.split('|')[1], timezone);
    if (!cron) {
      unreadable++;
      continue;
    }
    const first = tickTimes[0];
    const last = tickTimes[tickTimes.length - 1];
    const between =
      first !== undefined && last !== undefined
        ? cron.ticksBetween(first - 1, last, MAX_EXPECTED_TICKS).ticks.filter((tick) => !byTick.has(tick))
        : [];
    // A schedule of a later addSchedule that has not happened yet has no start: nothing is due.
    const from = last ?? starts.get(key);
    const after =
      from === undefined
        ? []
        : cron
            .ticksBetween(from, endDb, MAX_EXPECTED_TICKS)
            .ticks.filter((tick) => !byTick.has(tick) && decidable(tick));
    const missing = [...between, ...after];
    missingAll.push(...missing);
    if (missing.length > 0) measurements[`missingTicks[${key}]`] = missing;
    const allowed = skipped.get(key)?.count ?? 0;
    if (missing.length > allowed) {
      candidates.push(
        missingCandidate(
          run,
          key,
          { between, after, windowMs },
          allowed,
          byTick,
          skipped.get(key)?.entries ?? [],
        ),
      );
    }
    const policy = policies.get(key) ?? scenario.coordinator?.misfire ?? DEFAULT_MISFIRE_POLICY;
    const lateCandidate = misfireCandidate(key, byTick, policy);
    if (lateCandidate) candidates.push(lateCandidate);
  }

  let skippedTotal = 0;
  for (const { count } of skipped.values()) skippedTotal += count;
  const judged = fired > 0 || skippedTotal > 0 || missingAll.length > 0 || candidates.length > 0;
  const reason = judged ? undefined : 'no cron tick was due while a server could fire it';
  return makeReport(
    'I4',
    candidates,
    {
      schedules: ticks.size,
      firedTicks: fired,
      skippedTicks: skippedTotal,
      duplicatedTicks: duplicatedAll.sort((a, b) => a - b),
      missingTicks: missingAll.sort((a, b) => a - b),
      ...(unreadable > 0 ? { unreadableSchedules: unreadable } : {}),
      ...measurements,
    },
    reason,
    reason === undefined ? undefined : 'cronTick',
  );
}

interface TickJobs {
  /** Job keys that this tick produced, each with the first entry (if any) and database time it was seen. */
  jobs: Map<string, { entry?: EventEntry<'cronFired'> | undefined; createdAt?: number | undefined }>;
}

function scheduleCrons(
  scenario: Scenario,
  added: readonly ActionEntry<'addSchedule'>[],
): Map<string, string> {
  const crons = new Map<string, string>();
  for (const job of scenario.jobs) {
    for (const schedule of job.schedules ?? []) {
      crons.set(scheduleKey(job.name, schedule.cron, schedule.params), schedule.cron);
    }
  }
  for (const action of scenario.actions) {
    if (action.type === 'addSchedule')
      crons.set(scheduleKey(action.job, action.cron, action.params), action.cron);
  }
  // Actions taken in the playground are in the trace only (applied or refused, as before).
  for (const { action } of added) crons.set(scheduleKey(action.job, action.cron, action.params), action.cron);
  return crons;
}

/** The misfire policy each schedule of the scenario declares (the coordinator's default otherwise). */
function schedulePolicies(result: { scenario: Scenario }): Map<string, MisfirePolicy> {
  const policies = new Map<string, MisfirePolicy>();
  for (const job of result.scenario.jobs) {
    for (const schedule of job.schedules ?? []) {
      if (schedule.misfire)
        policies.set(scheduleKey(job.name, schedule.cron, schedule.params), schedule.misfire);
    }
  }
  return policies;
}

/**
 * Late ticks of one look beyond what the policy allows. A look is one decision instant of one server: the
 * jobs it created share their `createdAt` (or, without rows, the event's virtual time and server).
 */
function misfireCandidate(
  key: string,
  byTick: Map<number, TickJobs>,
  policy: MisfirePolicy,
): Candidate | undefined {
  const threshold = policy.thresholdMs ?? DEFAULT_MISFIRE_POLICY.thresholdMs ?? 5_000;
  const allowedLate = policy.kind === 'skip' ? 0 : policy.kind === 'fireOnce' ? 1 : policy.limit;
  const looks = new Map<
    string,
    { tick: number; lateMs: number; entry?: EventEntry<'cronFired'> | undefined }[]
  >();
  for (const [tick, { jobs }] of byTick) {
    for (const { entry, createdAt } of jobs.values()) {
      const decidedAt = createdAt ?? entry?.local;
      if (decidedAt === undefined || decidedAt - tick <= threshold) continue;
      const look = createdAt !== undefined ? `db ${createdAt}` : `${entry!.server} at ${entry!.vt}`;
      const late = looks.get(look) ?? [];
      late.push({ tick, lateMs: decidedAt - tick, entry });
      looks.set(look, late);
    }
  }
  for (const late of looks.values()) {
    if (late.length <= allowedLate) continue;
    late.sort((a, b) => a.tick - b.tick);
    const evidence = late.map((item) => item.entry).filter((entry) => entry !== undefined);
    const atVt = Math.min(...evidence.map((entry) => entry.vt));
    return candidate(
      `schedule ${key}: one look fired ${late.length} ticks late (up to ${Math.max(...late.map((item) => item.lateMs))} ms ` +
        `after their time), but its misfire policy ${describePolicy(policy)} allows ${allowedLate}`,
      Number.isFinite(atVt) ? atVt : 0,
      evidence.slice(0, 5),
    );
  }
  return undefined;
}

function describePolicy(policy: MisfirePolicy): string {
  const threshold = policy.thresholdMs ?? DEFAULT_MISFIRE_POLICY.thresholdMs;
  return `${policy.kind}${policy.kind === 'backfill' ? ` ${policy.limit}` : ''} (late after ${threshold} ms)`;
}

function compile(cron: string | undefined, timezone: string): CronExpression | undefined {
  if (cron === undefined) return undefined;
  try {
    return new CronExpression(cron, timezone);
  } catch {
    return undefined; // an invalid expression (hazard H13) fires nothing to compare with
  }
}

function collectTicks(
  run: RunFold,
  result: RunEnd,
  fired: readonly EventEntry<'cronFired'>[],
): Map<string, Map<number, TickJobs>> {
  const ticks = new Map<string, Map<number, TickJobs>>();
  const at = (key: string, tick: number) => {
    let byTick = ticks.get(key);
    if (!byTick) ticks.set(key, (byTick = new Map()));
    let jobs = byTick.get(tick);
    if (!jobs) byTick.set(tick, (jobs = { jobs: new Map() }));
    return jobs.jobs;
  };
  for (const entry of fired) {
    const jobs = at(entry.scheduleKey, entry.tickAt);
    const job = run.jobKey(entry) ?? entry.jobId;
    if (!jobs.get(job)?.entry) jobs.set(job, { ...jobs.get(job), entry });
  }
  for (const row of result.final[DISTRIBUTED_JOBS.table]) {
    const key = str(row.scheduleKey);
    const tick = num(row.tickAt);
    if (key === null || tick === null) continue;
    const jobs = at(key, tick);
    const id = String(row.id);
    jobs.set(id, { ...jobs.get(id), createdAt: num(row.createdAt) ?? undefined });
  }
  for (const row of result.final[JOB_CRON_TICKS.table]) {
    const key = str(row.scheduleKey);
    const tick = num(row.tickAt);
    const id = str(row.jobId);
    if (key === null || tick === null || id === null) continue;
    const jobs = at(key, tick);
    if (!jobs.has(id)) jobs.set(id, {});
  }
  return ticks;
}

function duplicateCandidate(run: RunFold, key: string, tick: number, tickJobs: TickJobs): Candidate {
  // The moment the tick got its second job: the second job's event, or else its row's creation.
  const seen = [...tickJobs.jobs].map(([job, facts]) => ({
    job,
    entry: facts.entry,
    vt: facts.entry ? facts.entry.vt : facts.createdAt !== undefined ? run.dbToVt(facts.createdAt) : Infinity,
  }));
  seen.sort((a, b) => a.vt - b.vt || (a.entry?.seq ?? Infinity) - (b.entry?.seq ?? Infinity));
  const second = seen[1]!;
  const jobs = seen.map((one) => one.job);
  return candidate(
    `tick ${tick} of schedule ${key} produced ${jobs.length} jobs (${listText(jobs)}), expected exactly one`,
    Number.isFinite(second.vt) ? second.vt : (seen[0]!.entry?.vt ?? 0),
    seen.slice(0, 4).map((one) => one.entry),
  );
}

function missingCandidate(
  run: RunFold,
  key: string,
  found: { between: readonly number[]; after: readonly number[]; windowMs: number },
  allowed: number,
  byTick: Map<number, TickJobs>,
  skips: readonly TraceEntry[],
): Candidate {
  const { between, after, windowMs } = found;
  const missing = [...between, ...after];
  // Skips are counts without ticks: charge them to the earliest missing ticks, and report the first one left.
  const uncovered = missing[allowed]!;
  const entryOf = (tick: number | undefined) => {
    if (tick === undefined) return undefined;
    for (const facts of byTick.get(tick)?.jobs.values() ?? []) if (facts.entry) return facts.entry;
    return undefined;
  };
  const times = [...byTick.keys()].sort((a, b) => a - b);
  const before = times.filter((tick) => tick < uncovered).pop();
  const next = times.find((tick) => tick > uncovered);
  const afterEntry = entryOf(next);
  const parts: string[] = [];
  if (between.length > 0) {
    parts.push(
      `${between.length} tick(s) between its first and last fired tick never fired (${listText(between)})`,
    );
  }
  if (after.length > 0) {
    const which =
      times.length > 0
        ? `after its last fired tick (${times[times.length - 1]}) never fired`
        : 'never fired (the schedule never fired at all)';
    parts.push(
      `${after.length} tick(s) ${which} although a server could lead for ${windowMs} ms after each ` +
        `(${listText(after)})`,
    );
  }
  // A tick after the last fired one is known missing once its decision window has passed.
  const atVt = afterEntry?.vt ?? run.dbToVt(uncovered) + (between.includes(uncovered) ? 0 : windowMs);
  return candidate(
    `schedule ${key}: ${parts.join('; ')} but only ${allowed} were reported skipped; first unaccounted tick ${uncovered}`,
    atVt,
    [entryOf(before), afterEntry, ...skips.slice(0, 2)],
  );
}

/** Where each schedule begins: the start of the run for the scenario's, the moment of its `addSchedule`. */
function scheduleStarts(
  run: RunFold,
  scenario: Scenario,
  added: readonly ActionEntry<'addSchedule'>[],
): Map<string, number> {
  const starts = new Map<string, number>();
  const first = run.trace[0]?.db;
  if (first !== undefined) {
    for (const job of scenario.jobs) {
      for (const schedule of job.schedules ?? [])
        starts.set(scheduleKey(job.name, schedule.cron, schedule.params), first);
    }
  }
  for (const entry of added) {
    const key = scheduleKey(entry.action.job, entry.action.cron, entry.action.params);
    if (!starts.has(key) && run.appliedAction(entry, 'addSchedule')) starts.set(key, entry.db);
  }
  return starts;
}
