/**
 * The deterministic simulation's own speed, through the engine the tests, the CLI and the playground use
 * (`runScenario` in src/sim/runScenario.ts): the conductor, one in-thread ServerRuntime per server, the shared
 * sql.js database, the trace.
 *
 * - `measureSimulation`: a long steady run, as virtual seconds simulated per wall second;
 * - `measurePropertyBatch`: what a property suite pays per run, as runs per wall second over a batch of seeds.
 *
 * Either can run under the sql.js probe (sqlJsProbe.ts), which splits the wall time into sql.js and the rest.
 */
import type { SqlJsStatic } from 'sql.js';
import { runScenario } from '../src/sim/runScenario';
import type { RunResult } from '../src/sim/runResult';
import type { Action, Scenario } from '../src/scenario/types';
import { DEFAULT_EPOCH_MS } from '../src/sim/time/virtualTime';
import { SqlJsProbe, type SqlJsTotals } from './sqlJsProbe';

/** The steady load: every ENQUEUE_EVERY_MS, one server (in turn) enqueues ENQUEUE_COUNT jobs of JOB_MS. */
export const STEADY_LOAD = {
  servers: 5,
  enqueueEveryMs: 10_000,
  enqueueCount: 5,
  jobMs: 200,
} as const;

/** 5 servers, one job model of 200 ms, and an `enqueue` of 5 jobs every 10 virtual s, round robin over the servers. */
export function steadyScenario(durationMs: number): Scenario {
  const { servers, enqueueEveryMs, enqueueCount, jobMs } = STEADY_LOAD;
  const ids = Array.from({ length: servers }, (_, i) => `s${i + 1}`);
  const actions: Action[] = [];
  // Strictly before the end, so that every enqueued job can finish inside the run.
  for (let atMs = enqueueEveryMs, i = 0; atMs < durationMs; atMs += enqueueEveryMs, i++) {
    actions.push({ atMs, type: 'enqueue', server: ids[i % servers]!, job: 'work', count: enqueueCount });
  }
  return {
    version: 1,
    name: 'bench: steady load',
    seed: 1,
    durationMs,
    jobs: [{ name: 'work', durationMs: jobMs }],
    servers: ids.map((id) => ({ id })),
    actions,
  };
}

/** The leader at the crash: server `a` starts first and wins the first election (checked per run). */
export const PROPERTY_CRASHED = 'a';

/**
 * A property-suite-sized run: 3 servers for 60 virtual s, a cron job every second, 20 jobs of 200 ms
 * enqueued at 5 s, the leader crashed at 20 s.
 */
export function propertyScenario(): Scenario {
  return {
    version: 1,
    name: 'bench: property run',
    seed: 1,
    durationMs: 60_000,
    jobs: [
      { name: 'work', durationMs: 200 },
      { name: 'tick', schedules: [{ cron: '* * * * * *' }] },
    ],
    servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
    actions: [
      { atMs: 5_000, type: 'enqueue', server: 'b', job: 'work', count: 20 },
      { atMs: 20_000, type: 'crash', server: PROPERTY_CRASHED },
    ],
  };
}

export interface SimulationResult {
  wallMs: number;
  /** CPU time of this process meanwhile (all its threads): far below wallMs means the machine was busy. */
  cpuMs: number;
  /** Virtual ms from the start to the end of the run. */
  virtualMs: number;
  traceEntries: number;
  /** Trace entries by source: database (lock events), coordinator, action, process. */
  traceBySource: Record<string, number>;
  jobs: number;
  completed: number;
}

export interface PropertyBatchResult {
  runs: number;
  heal: boolean;
  wallMs: number;
  cpuMs: number;
  /** Virtual ms of one run (the same for every seed: the scenario's length, plus the liveness phase). */
  virtualMsPerRun: number;
  traceEntries: number;
  /** Runs in which the crashed server held leadership at the crash. */
  leaderCrashed: number;
  /** Runs whose every job ended completed or dead-lettered (only meaningful with heal). */
  allJobsFinished: number;
}

/** One run of `scenario`, without healing: the run ends at `durationMs`. */
export async function measureSimulation(scenario: Scenario, sqlJs: SqlJsStatic): Promise<SimulationResult> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await runScenario(scenario, { heal: false, sqlJs });
  const wallMs = performance.now() - start;
  const cpuMs = cpuMsSince(cpu);
  const traceBySource: Record<string, number> = {};
  for (const entry of result.trace) traceBySource[entry.source] = (traceBySource[entry.source] ?? 0) + 1;
  return {
    wallMs,
    cpuMs,
    virtualMs: elapsed(result),
    traceEntries: result.trace.length,
    traceBySource,
    jobs: result.final.distributedJobs.length,
    completed: result.final.distributedJobs.filter((row) => row.status === 'completed').length,
  };
}

/** `runs` runs of `scenario`, with seeds 1..runs, one after the other. */
export async function measurePropertyBatch(
  scenario: Scenario,
  sqlJs: SqlJsStatic,
  runs: number,
  heal: boolean,
): Promise<PropertyBatchResult> {
  let traceEntries = 0;
  let leaderCrashed = 0;
  let allJobsFinished = 0;
  let virtualMsPerRun = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let seed = 1; seed <= runs; seed++) {
    const result = await runScenario(scenario, { seed, heal, sqlJs });
    traceEntries += result.trace.length;
    virtualMsPerRun = elapsed(result);
    if (crashedTheLeader(result)) leaderCrashed += 1;
    if (result.final.distributedJobs.every((row) => row.status === 'completed' || row.status === 'dead'))
      allJobsFinished += 1;
  }
  return {
    runs,
    heal,
    wallMs: performance.now() - start,
    cpuMs: cpuMsSince(cpu),
    virtualMsPerRun,
    traceEntries,
    leaderCrashed,
    allJobsFinished,
  };
}

/** Runs `measure` with the sql.js probe installed, and hands back its totals beside the result. */
export async function withSqlJsProbe<T>(
  sqlJs: SqlJsStatic,
  measure: () => Promise<T>,
): Promise<{ result: T; sqlJs: SqlJsTotals }> {
  const probe = SqlJsProbe.install(sqlJs);
  try {
    const result = await measure();
    return { result, sqlJs: probe.totals() };
  } finally {
    probe.uninstall();
  }
}

/** The trace stamps each action with the term its server held: a crash with a term crashed a leader. */
function crashedTheLeader(result: RunResult): boolean {
  return result.trace.some(
    (entry) =>
      entry.type === 'action' &&
      entry.action.type === 'crash' &&
      entry.action.server === PROPERTY_CRASHED &&
      entry.term !== null,
  );
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1_000;
}

/** Virtual ms the run lasted: the conductor starts every run at DEFAULT_EPOCH_MS. */
function elapsed(result: RunResult): number {
  return result.endedAt - DEFAULT_EPOCH_MS;
}
