/**
 * Drains of the shared job table by a cluster of distributed coordinators.
 *
 * A drain: start N servers, let them settle (elected, workers asleep on an empty table), load the jobs in
 * one transaction without waking anyone, then enqueue one last job through the public API (its server
 * takes first, and its full claim wakes the others), and advance virtual time step by step until the table
 * says every job is completed.
 * Only that last part is timed, on the host's clock (bench/ may read it; src/ may not).
 *
 * The same drain serves two questions:
 * - wall throughput (`measureWallDrain`): small virtual steps, so that virtual waits cannot bound it; what
 *   is left is the work the coordinator and sql.js do per job;
 * - virtual duration (`measureVirtualDrain`): large virtual steps, and the virtual time of the last
 *   completion, to compare the fixed coordinator with the reference's one claim per tick (hazard H9).
 */
import type { HazardSelection } from '../src/core';
import type { DatabaseObserver } from '../src/db';
import { BenchCluster } from './cluster';
import { StatementMix } from './statementMix';

export interface DrainOptions {
  servers: number;
  concurrency: number;
  jobs: number;
  /** Virtual time per step of the drain loop. */
  stepMs: number;
  /** Virtual time after which the drain gives up, reported as unfinished. */
  capMs: number;
  hazards?: HazardSelection;
  pragmas?: readonly string[];
}

export interface WallDrainResult {
  servers: number;
  jobs: number;
  wallMs: number;
  /** Virtual time from the wake to the step in which the table showed every job completed. */
  virtualMs: number;
  steps: number;
}

export interface VirtualDrainResult {
  servers: number;
  jobs: number;
  finished: boolean;
  completed: number;
  /** Virtual time from the wake to the last completion (exact, from the coordinators' events). */
  virtualMs: number;
  /** Host time the simulation took, for the record. */
  wallMs: number;
}

export interface DrainDiagnostics {
  servers: number;
  jobs: number;
  transactions: number;
  statements: number;
  statementsPerJob: Record<string, number>;
  claims: number;
  emptyClaims: number;
  meanClaimBatch: number;
  /** Lock requests that had to queue behind another holder. */
  lockWaits: number;
  /** Share of the jobs each server completed, in server order. */
  jobsByServer: number[];
}

/** Jobs per wall second: no event sink and no statement counter, so the coordinator runs as shipped. */
export async function measureWallDrain(options: DrainOptions): Promise<WallDrainResult> {
  const cluster = await BenchCluster.start(options);
  try {
    await cluster.load(options.jobs - 1);
    const virtualStart = cluster.time.now();
    const wallStart = performance.now();
    await cluster.enqueueAndWake();
    const steps = await advanceUntilDrained(cluster, options);
    const wallMs = performance.now() - wallStart;
    return {
      servers: options.servers,
      jobs: options.jobs,
      wallMs,
      virtualMs: cluster.time.now() - virtualStart,
      steps,
    };
  } finally {
    await cluster.close();
  }
}

/** Virtual seconds to drain; the exact end comes from the last `completed` event. */
export async function measureVirtualDrain(options: DrainOptions): Promise<VirtualDrainResult> {
  let lastCompletionAt: number | undefined;
  const cluster = await BenchCluster.start({
    ...options,
    // An event's `at` is its server's clock, which in the bench is virtual time itself (no offset, no drift).
    onEvent: (event) => {
      if (event.type === 'completed') lastCompletionAt = event.at;
    },
  });
  try {
    await cluster.load(options.jobs - 1);
    const virtualStart = cluster.time.now();
    const wallStart = performance.now();
    await cluster.enqueueAndWake();
    let completed = cluster.completed();
    while (completed < options.jobs && cluster.time.now() - virtualStart < options.capMs) {
      await cluster.time.advance(Math.min(options.stepMs, virtualStart + options.capMs - cluster.time.now()));
      completed = cluster.completed();
    }
    const finished = completed === options.jobs;
    return {
      servers: options.servers,
      jobs: options.jobs,
      finished,
      completed,
      virtualMs: finished
        ? (lastCompletionAt ?? virtualStart) - virtualStart
        : cluster.time.now() - virtualStart,
      wallMs: performance.now() - wallStart,
    };
  } finally {
    await cluster.close();
  }
}

/** One untimed drain with every request counted: what the coordinator actually asked of the database. */
export async function diagnoseDrain(options: DrainOptions): Promise<DrainDiagnostics> {
  const mix = new StatementMix();
  let lockWaits = 0;
  const observer: DatabaseObserver = (event) => {
    if (event.type === 'lockWait') lockWaits += 1;
  };
  const cluster = await BenchCluster.start({ ...options, observer, wrapConnection: (c) => mix.wrap(c) });
  try {
    await cluster.load(options.jobs - 1);
    const before = snapshot(mix);
    lockWaits = 0;
    await cluster.enqueueAndWake();
    await advanceUntilDrained(cluster, options);
    const jobsByServer = cluster.coordinators.map((coordinator) =>
      Number(
        cluster.db.inspect(
          `SELECT count(*) AS n FROM distributedJobs WHERE status = 'completed' AND claimedBy = ?`,
          [coordinator.serverId],
        )[0]!.n,
      ),
    );
    const after = snapshot(mix);
    const transactions = after.transactions - before.transactions;
    const claims = after.claims - before.claims;
    const statementsPerJob: Record<string, number> = {};
    for (const [kind, perJob] of Object.entries(mix.perJob(1))) {
      const n = perJob - (before.perJob[kind] ?? 0);
      if (n > 0) statementsPerJob[kind] = n / options.jobs;
    }
    return {
      servers: options.servers,
      jobs: options.jobs,
      transactions,
      statements: after.statements - before.statements,
      statementsPerJob,
      claims,
      emptyClaims: after.emptyClaims - before.emptyClaims,
      meanClaimBatch: claims === 0 ? 0 : (after.claimedRows - before.claimedRows) / claims,
      lockWaits,
      jobsByServer,
    };
  } finally {
    await cluster.close();
  }
}

/** Advances virtual time step by step until the table shows every job completed; returns the steps taken. */
async function advanceUntilDrained(cluster: BenchCluster, options: DrainOptions): Promise<number> {
  const virtualStart = cluster.time.now();
  let steps = 0;
  while (cluster.completed() < options.jobs) {
    if (cluster.time.now() - virtualStart >= options.capMs) {
      throw new Error(
        `drain with ${options.servers} servers did not finish within ${options.capMs} virtual ms`,
      );
    }
    await cluster.time.advance(options.stepMs);
    steps += 1;
  }
  return steps;
}

/** The counters before the drain, so that start-up work (migrations, elections, loading) is left out. */
function snapshot(mix: StatementMix) {
  return {
    transactions: mix.transactions,
    claims: mix.claims,
    emptyClaims: mix.emptyClaims,
    claimedRows: mix.claimedRows,
    statements: mix.totalStatements(),
    perJob: mix.perJob(1),
  };
}
