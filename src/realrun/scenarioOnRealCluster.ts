/**
 * A scenario file run on a real cluster (`../adapters/cluster/realCluster.ts`): its plan
 * (`realRunPlan.ts`) carried out step by step at the scaled times, then, at the scaled end of the scenario,
 * every fault healed as the simulation heals them (paused servers resumed, ended ones restarted) and the
 * cluster left to finish its jobs, then the tables read and the history turned into a run the invariant
 * checkers judge (`historyToRun.ts`).
 *
 * A step whose server is not in a state for it (a crash of a server already down, a resume of one not
 * paused, a pause on a SQLite file of one that cannot take its turn on the file in time) is skipped and
 * said so, as the simulation refuses such an action; a relative target (`@leader`,
 * `@follower`) is resolved from what the servers reported up to then.
 */
import type { ServerDatabaseConfig } from '../adapters/cluster/protocol.js';
import { RealCluster, TurnNotTakenError, type HistoryEntry } from '../adapters/cluster/realCluster.js';
import { PostgresDatabase } from '../adapters/postgres/index.js';
import { SqliteFileDatabase } from '../adapters/sqliteFile/index.js';
import type { Database } from '../core/index.js';
import type { Scenario } from '../scenario/types.js';
import type { RunResult } from '../sim/runResult.js';
import { historyToRun } from './historyToRun.js';
import { planRealRun, type RealRunPlan, type RealStep } from './realRunPlan.js';

export interface RealRunOptions {
  database: ServerDatabaseConfig;
  /** Every time of the scenario is multiplied by it: 0.1 runs 90 s of scenario in 9 s. */
  scale: number;
  /** Hears each step when it was carried out, skipped or had nothing to do. */
  onStep?: ((step: StepRecord) => void) | undefined;
  /** How long a server process may take to start. Default 20 s. */
  startTimeoutMs?: number | undefined;
}

export interface StepRecord {
  /** The action's index in the scenario's `actions`. */
  index: number;
  type: RealStep['type'];
  /** The server it acted on (a relative target resolved), or the target that resolved to none. */
  server: string;
  outcome: 'done' | 'skipped' | 'nothing to do';
  why?: string | undefined;
  /** How much later than its scaled time it was carried out (an earlier step's restart takes a while). */
  lateMs: number;
}

export interface RealRunOutcome {
  plan: RealRunPlan;
  history: readonly HistoryEntry[];
  steps: StepRecord[];
  /** The history as a run the checkers take. */
  result: RunResult;
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, Math.max(0, ms)));

export async function runScenarioOnRealCluster(
  scenario: Scenario,
  options: RealRunOptions,
): Promise<RealRunOutcome> {
  const plan = planRealRun(scenario, options.scale, options.database.kind);
  const cluster = new RealCluster({
    servers: plan.serverIds.length,
    serverIds: plan.serverIds,
    database: options.database,
    timings: plan.timings,
    jobs: plan.jobs,
    stopGraceMs: plan.stopGraceMs,
    concurrency: plan.concurrency,
    clockOffsetsMs: plan.clockOffsetsMs,
    startTimeoutMs: options.startTimeoutMs,
  });
  const steps: StepRecord[] = [];
  const paused = new Set<string>();
  try {
    await cluster.start({ inOrder: true });
    const startedAt = Date.now();
    for (const step of plan.steps) {
      await sleep(startedAt + step.atMs - Date.now());
      const lateMs = Math.max(0, Date.now() - startedAt - step.atMs);
      const server = resolveTarget(cluster, step, paused);
      const why =
        server === undefined ? `no server fits ${step.server} now` : unfit(cluster, step, server, paused);
      const record: StepRecord = {
        index: step.index,
        type: step.type,
        server: server ?? step.server,
        outcome: 'done',
        lateMs,
      };
      if (why !== undefined) Object.assign(record, { outcome: 'skipped', why });
      else if (step.type === 'heal') {
        Object.assign(record, {
          outcome: 'nothing to do',
          why: 'a real cut is over at once: the server reconnects by itself',
        });
      } else {
        const notDone = await carryOut(cluster, plan, step, server!, paused);
        if (notDone !== undefined) Object.assign(record, { outcome: 'skipped', why: notDone });
      }
      steps.push(record);
      options.onStep?.(record);
    }
    await sleep(startedAt + plan.durationMs - Date.now());

    // The liveness phase, as the simulation's heal: every fault ended, then time for the jobs to finish.
    const healedAtMs = Date.now() - cluster.history[0]!.heardAtMs;
    for (const serverId of plan.serverIds) {
      if (paused.delete(serverId)) cluster.resume(serverId);
      else if (!cluster.isRunning(serverId)) await cluster.restart(serverId);
    }
    await jobsSettled(cluster, livenessBoundMs(plan));
    // Long enough after the last fault for leadership liveness (I8) to be judged.
    // The run ends at its last entry: a heartbeat, at most one interval before the sleep ends.
    await sleep(plan.timings.leadershipTimeoutMs + 3 * plan.timings.heartbeatIntervalMs + 300);

    const final = await finalRows(options.database);
    const result = historyToRun(cluster, {
      timings: plan.timings,
      stopGraceMs: plan.stopGraceMs,
      jobs: plan.jobs,
      concurrency: plan.concurrency,
      name: plan.name,
      // The history starts with the first spawn; the scenario's time, once every server is ready.
      durationMs: startedAt - cluster.history[0]!.heardAtMs + plan.durationMs,
      healedAtMs,
      final,
    });
    return { plan, history: cluster.history, steps, result };
  } finally {
    await cluster.close();
  }
}

/** How long the liveness phase waits for the jobs: a lapsed claim's lease, a takeover, every job's runs. */
function livenessBoundMs(plan: RealRunPlan): number {
  const longest = Math.max(0, ...plan.jobs.map((job) => job.durationMs * job.maxAttempts));
  return 2 * (plan.timings.claimLeaseMs + plan.timings.leadershipTimeoutMs) + longest + 10_000;
}

/** Waits until every enqueue asked for was answered and every accepted job completed or died, or `boundMs`. */
async function jobsSettled(cluster: RealCluster, boundMs: number): Promise<void> {
  const until = Date.now() + boundMs;
  while (Date.now() < until) {
    let asked = 0;
    let answered = 0;
    const open = new Set<string>();
    for (const entry of cluster.history) {
      if (entry.kind === 'command' && entry.command.command === 'enqueue') asked += entry.command.count;
      if (entry.kind !== 'report') continue;
      const { report } = entry;
      if (report.report === 'enqueueFailed') answered++;
      if (report.report !== 'event') continue;
      const { event } = report;
      if (event.type === 'enqueued') {
        answered++;
        open.add(event.jobId);
      } else if (event.type === 'completed' || (event.type === 'failed' && event.outcome === 'dead')) {
        open.delete(event.jobId);
      }
    }
    if (answered >= asked && open.size === 0) return;
    await sleep(50);
  }
}

/**
 * The server leading now, as the servers reported it: the last elected whose term has not ended (stepped
 * down, released, stopped, crashed, or its process gone). The tests of real clusters read it too.
 */
export function currentLeader(cluster: RealCluster): string | undefined {
  let leader: string | undefined;
  for (const entry of cluster.history) {
    if (entry.kind === 'exit' && entry.serverId === leader) leader = undefined;
    if (entry.kind !== 'report' || entry.report.report !== 'event') continue;
    const { type } = entry.report.event;
    if (type === 'elected') leader = entry.serverId;
    else if (['steppedDown', 'released', 'stopped', 'crashed'].includes(type) && entry.serverId === leader) {
      leader = undefined;
    }
  }
  return leader;
}

function resolveTarget(
  cluster: RealCluster,
  step: RealStep,
  paused: ReadonlySet<string>,
): string | undefined {
  if (step.server === '@leader') return currentLeader(cluster);
  if (step.server === '@follower') {
    const leader = currentLeader(cluster);
    return [...cluster.serverIds]
      .sort()
      .find((id) => id !== leader && unfit(cluster, step, id, paused) === undefined);
  }
  return step.server;
}

/** Why the server is in no state for the step, as the simulation would refuse it; undefined if it is. */
function unfit(
  cluster: RealCluster,
  step: RealStep,
  server: string,
  paused: ReadonlySet<string>,
): string | undefined {
  const running = cluster.isRunning(server);
  switch (step.type) {
    case 'restart':
      return running ? 'it is running' : undefined;
    case 'resume':
      return paused.has(server) ? undefined : 'it is not paused';
    case 'heal':
      return undefined;
    case 'pause':
      if (paused.has(server)) return 'it is paused already';
      return running ? undefined : 'it is not running';
    case 'stop':
      // SIGTERM would wait for SIGCONT: the graceful stop of a frozen process is no stop.
      if (paused.has(server)) return 'it is paused';
      return running ? undefined : 'it is not running';
    case 'crash':
    case 'cutOff':
    case 'setClock':
    case 'enqueue':
      return running ? undefined : 'it is not running';
  }
}

/** Carries the step out; returns why not where the server turned out to be in no state for it. */
async function carryOut(
  cluster: RealCluster,
  plan: RealRunPlan,
  step: RealStep,
  server: string,
  paused: Set<string>,
): Promise<string | undefined> {
  switch (step.type) {
    case 'enqueue':
      cluster.enqueue(server, step.count, step.job);
      return;
    case 'crash':
      paused.delete(server);
      await cluster.crash(server);
      return;
    case 'pause':
      // A file has no server to end a stopped writer's transaction: the process first holds its turn on
      // the file, so that it is not stopped holding the write lock (`resume` gives the turn back). One
      // that cannot take its turn in time is not stopped, and runs on.
      try {
        await cluster.pause(server, { betweenTransactions: plan.database === 'sqlite' });
      } catch (error) {
        if (!(error instanceof TurnNotTakenError)) throw error;
        return `it could not take its turn on the file within ${error.withinMs} ms, so it was not stopped${error.reason === undefined ? '' : ` (${error.reason})`}`;
      }
      paused.add(server);
      return;
    case 'resume':
      paused.delete(server);
      cluster.resume(server);
      return;
    case 'stop':
      await cluster.stop(server);
      return;
    case 'restart':
      await cluster.restart(server);
      return;
    case 'cutOff':
      await cluster.cutOff(server);
      return;
    case 'setClock':
      cluster.setClock(server, step.offsetMs);
      return;
    case 'heal':
      return;
  }
}

/** The coordinator's tables at the end of the run, read on a connection of the run's own. */
async function finalRows(database: ServerDatabaseConfig): Promise<RunResult['final']> {
  const reader =
    database.kind === 'postgres'
      ? await PostgresDatabase.open({
          connectionString: database.url,
          schema: database.schema,
          name: 'checker',
        })
      : await SqliteFileDatabase.open({ path: database.path, name: 'checker' });
  try {
    return await finalTables(reader);
  } finally {
    await reader.close();
  }
}

/** Every row of the coordinator's tables, as a run's `final` (read through `database`, left open). */
export async function finalTables(database: Database): Promise<RunResult['final']> {
  const rows = (table: string) => database.query(`SELECT * FROM ${table}`);
  return {
    distributedJobs: await rows('distributedJobs'),
    jobCronTicks: await rows('jobCronTicks'),
    jobSchedules: await rows('jobSchedules'),
    leadJobCoordinators: await rows('leadJobCoordinators'),
  };
}
