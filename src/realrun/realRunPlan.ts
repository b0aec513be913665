/**
 * What a scenario file becomes on a real cluster (`scenarioOnRealCluster.ts`): its servers, its jobs as
 * jobs that sleep for their duration, its coordinator's timings and its actions, every time multiplied by
 * one scale factor (0.1: a 15 s leadership timeout becomes 1.5 s). What has no real counterpart is
 * refused here, before any process starts, each problem naming the part of the scenario and why.
 */
import type { SleepJob, ServerTimings } from '../adapters/cluster/protocol.js';
import { DEFAULT_MAX_ATTEMPTS, DISTRIBUTED_DEFAULTS } from '../core/index.js';
import type { Action, Scenario } from '../scenario/types.js';

export type RealDatabaseKind = 'postgres' | 'sqlite';

/** Below this a real process on a busy machine misses its own heartbeats: the run would judge the machine. */
export const MIN_HEARTBEAT_MS = 50;
const MAX_SCALE = 10;

/** The sim's default for a graceful stop's grace, as the conductor fills it in. */
const DEFAULT_STOP_GRACE_MS = 10_000;

/** An action the real cluster carries out, at its scaled time. */
export type RealStep =
  | { atMs: number; index: number; type: 'enqueue'; server: string; job: string; count: number }
  | {
      atMs: number;
      index: number;
      type: 'crash' | 'pause' | 'resume' | 'restart' | 'cutOff' | 'heal';
      server: string;
    }
  | { atMs: number; index: number; type: 'stop'; server: string }
  | { atMs: number; index: number; type: 'setClock'; server: string; offsetMs: number };

export interface RealRunPlan {
  name: string;
  /** The database it runs on: a pause on a SQLite file lands between the server's transactions. */
  database: RealDatabaseKind;
  scale: number;
  serverIds: string[];
  /** Each server's clock offset from its start (`offsetMs` of the scenario's server, scaled). */
  clockOffsetsMs: Record<string, number>;
  timings: ServerTimings;
  stopGraceMs: number;
  concurrency: number;
  jobs: SleepJob[];
  /** When the faults' part ends and the liveness phase begins (the scenario's durationMs, scaled). */
  durationMs: number;
  steps: RealStep[];
}

/** A scenario that a real cluster cannot run as written: every reason, one per line. */
export class UnmappableScenarioError extends Error {
  override name = 'UnmappableScenarioError';
  constructor(readonly problems: readonly string[]) {
    super(`the scenario cannot run on a real cluster:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function checkScale(scale: number): void {
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_SCALE) {
    throw new RangeError(`the scale must be a number above 0 and at most ${MAX_SCALE}, got ${scale}`);
  }
}

/** Maps `scenario` onto a real cluster on a database of `kind`, or throws UnmappableScenarioError. */
export function planRealRun(scenario: Scenario, scale: number, kind: RealDatabaseKind): RealRunPlan {
  checkScale(scale);
  const problems: string[] = [];
  const scaled = (ms: number) => Math.max(0, Math.round(ms * scale));
  const settings = scenario.coordinator ?? {};

  if (scenario.mode === 'single')
    problems.push('mode "single": a real cluster runs the distributed coordinator');
  if (scenario.hazards?.length) {
    problems.push(
      `hazards (${scenario.hazards.join(', ')}): hazards are the simulation's, a real server has none`,
    );
  }
  if (scenario.database?.skewMs) {
    problems.push('database.skewMs: the real database keeps its own clock; it cannot be set off');
  }
  if (settings.misfire || settings.timezone) {
    problems.push('coordinator.misfire / coordinator.timezone: schedules do not run on a real cluster yet');
  }

  const timings: ServerTimings = {
    heartbeatIntervalMs: scaled(settings.heartbeatIntervalMs ?? DISTRIBUTED_DEFAULTS.heartbeatIntervalMs),
    leadershipTimeoutMs: scaled(settings.leadershipTimeoutMs ?? DISTRIBUTED_DEFAULTS.leadershipTimeoutMs),
    claimLeaseMs: scaled(settings.claimLeaseMs ?? DISTRIBUTED_DEFAULTS.claimLeaseMs),
    pollIntervalMs: Math.max(1, scaled(settings.pollIntervalMs ?? DISTRIBUTED_DEFAULTS.pollIntervalMs)),
  };
  if (timings.heartbeatIntervalMs < MIN_HEARTBEAT_MS) {
    problems.push(
      `scale ${scale}: the heartbeat interval becomes ${timings.heartbeatIntervalMs} ms, under the ${MIN_HEARTBEAT_MS} ms a real process keeps to on a busy machine; use a larger --scale`,
    );
  }

  const jobs: SleepJob[] = [];
  for (const [i, job] of scenario.jobs.entries()) {
    const where = `job ${i} (${job.name})`;
    if (job.failureRate)
      problems.push(`${where}: failureRate ${job.failureRate}: a real job does not fail at random`);
    if (job.schedules?.length)
      problems.push(`${where}: schedules: cron schedules do not run on a real cluster yet`);
    if (job.timeoutMs !== undefined)
      problems.push(`${where}: timeoutMs: a real job here runs without a timeout`);
    jobs.push({
      name: job.name,
      durationMs: scaled(job.durationMs ?? 0),
      maxAttempts: job.maxAttempts ?? settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    });
  }

  const clockOffsetsMs: Record<string, number> = {};
  for (const [i, server] of scenario.servers.entries()) {
    const where = `server ${i} (${server.id})`;
    if (server.withoutJobs)
      problems.push(`${where}: withoutJobs: every real server runs the scenario's jobs`);
    if (server.rate !== undefined && server.rate !== 1) {
      problems.push(`${where}: rate ${server.rate}: a real server's clock does not drift`);
    }
    if (server.offsetMs) clockOffsetsMs[server.id] = scaled(server.offsetMs);
  }

  // A real server's grace is fixed when it starts: the stops' own grace, when they all agree, is it.
  const stopGraces = new Set(
    scenario.actions.flatMap((a) => (a.type === 'stop' && a.graceMs !== undefined ? [a.graceMs] : [])),
  );
  const stopGraceMs =
    settings.stopGraceMs ?? (stopGraces.size === 1 ? [...stopGraces][0]! : DEFAULT_STOP_GRACE_MS);

  const steps: RealStep[] = [];
  for (const [index, action] of scenario.actions.entries()) {
    const refusal = refusalOf(action, stopGraceMs);
    if (refusal) {
      problems.push(`action ${index} (${action.type} at ${action.atMs} ms): ${refusal}`);
      continue;
    }
    const step = stepOf(action, index, scaled);
    if (step) steps.push(step);
  }

  if (problems.length > 0) throw new UnmappableScenarioError(problems);
  return {
    name: scenario.name ?? '(unnamed scenario)',
    database: kind,
    scale,
    serverIds: scenario.servers.map((server) => server.id),
    clockOffsetsMs,
    timings,
    stopGraceMs: scaled(stopGraceMs),
    concurrency: settings.concurrency ?? 4,
    jobs,
    durationMs: scaled(scenario.durationMs),
    steps,
  };
}

/** Why `action` has no real counterpart, or undefined when it has one. */
function refusalOf(action: Action, stopGraceMs: number): string | undefined {
  if ('server' in action && typeof action.server === 'string' && action.server === '@any') {
    return 'the target @any is a seeded choice of the simulation; name the server, @leader or @follower';
  }
  switch (action.type) {
    case 'setDatabaseSkew':
      return 'the real database keeps its own clock; it cannot be set off';
    case 'setHazards':
      return "hazards are the simulation's; a real server has none";
    case 'setJob':
      return "a real job's duration is fixed when its server starts";
    case 'addSchedule':
      return 'cron schedules do not run on a real cluster yet';
    case 'addServer':
      return 'a real cluster has the servers it started with';
    case 'enqueue':
      return action.params !== undefined
        ? 'params: a real enqueue carries only its number n, by which the run tracks the job'
        : undefined;
    case 'setClock':
      return action.rate !== undefined && action.rate !== 1
        ? `rate ${action.rate}: a real server's clock does not drift`
        : undefined;
    case 'stop':
      return action.graceMs !== undefined && action.graceMs !== stopGraceMs
        ? `graceMs ${action.graceMs}: a real server's grace is set when it starts (here ${stopGraceMs} ms), so every stop has the same`
        : undefined;
    // On a SQLite file a pause first holds the server's turn on the file, so that SIGSTOP lands between
    // its transactions, and a cut closes its connection under it (`RealCluster.pause`, `cutOff`).
    case 'pause':
    case 'cutOff':
    case 'crash':
    case 'restart':
    case 'resume':
    case 'heal':
      return undefined;
  }
}

function stepOf(action: Action, index: number, scaled: (ms: number) => number): RealStep | undefined {
  const atMs = scaled(action.atMs);
  switch (action.type) {
    case 'enqueue':
      return {
        atMs,
        index,
        type: 'enqueue',
        server: action.server,
        job: action.job,
        count: action.count ?? 1,
      };
    case 'setClock':
      // Without an offset it only sets the rate, and a rate other than 1 is refused: nothing to do.
      return action.offsetMs === undefined
        ? undefined
        : { atMs, index, type: 'setClock', server: action.server, offsetMs: scaled(action.offsetMs) };
    case 'stop':
      return { atMs, index, type: 'stop', server: action.server };
    case 'crash':
    case 'pause':
    case 'resume':
    case 'restart':
    case 'cutOff':
    case 'heal':
      return { atMs, index, type: action.type, server: action.server };
    default:
      return undefined;
  }
}
