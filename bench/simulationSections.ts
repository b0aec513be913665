import type { SqlJsStatic } from 'sql.js';
import { progress } from './progress';
import type { BenchSettings, ProbeSplit, PropertyRow, SimulationReport } from './report';
import {
  measurePropertyBatch,
  measureSimulation,
  propertyScenario,
  steadyScenario,
  STEADY_LOAD,
  withSqlJsProbe,
  type PropertyBatchResult,
  type SimulationResult,
} from './simulation';
import type { SqlJsTotals } from './sqlJsProbe';
import { medianRun } from './stats';

/** The aim for the simulation: one virtual hour per wall second. */
const AIM_VIRTUAL_SECONDS_PER_WALL_SECOND = 3_600;
/** Statements listed in the simulation's sql.js breakdown. */
const TOP_STATEMENTS = 6;

/**
 * Sections 4 and 5, in the same manner as the drains: a warm-up of each kind, then rounds of timed runs
 * (steady load, healed property batch, unhealed property batch), then one probed run of each kind, whose
 * wall time is split into sql.js and the rest. The probed runs come last and the probe is removed after
 * each, so that the timed runs pay nothing for it.
 */
export async function measureSimulationSections(
  sqlJs: SqlJsStatic,
  settings: BenchSettings,
): Promise<{ simulation: SimulationReport; properties: PropertyRow[] }> {
  const steady = steadyScenario(settings.simHours * 3_600_000);
  const property = propertyScenario();
  const runs = settings.propertyRuns;
  const batch = (heal: boolean) => measurePropertyBatch(property, sqlJs, runs, heal);

  progress('simulation: warming up ...');
  await measureSimulation(steady, sqlJs);
  await batch(true);
  await batch(false);

  const steadyRuns: SimulationResult[] = [];
  const healed: PropertyBatchResult[] = [];
  const unhealed: PropertyBatchResult[] = [];
  for (let round = 1; round <= settings.repeats; round++) {
    progress(`simulation and property runs, round ${round} of ${settings.repeats} ...`);
    steadyRuns.push(await measureSimulation(steady, sqlJs));
    healed.push(await batch(true));
    unhealed.push(await batch(false));
  }

  progress('simulation and property runs under the sql.js probe ...');
  const probedSteady = await withSqlJsProbe(sqlJs, () => measureSimulation(steady, sqlJs));
  const probedHealed = await withSqlJsProbe(sqlJs, () => batch(true));
  const probedUnhealed = await withSqlJsProbe(sqlJs, () => batch(false));

  const middle = medianRun(steadyRuns, (run) => run.wallMs);
  const { sqlJs: totals } = probedSteady;
  const simulation: SimulationReport = {
    servers: STEADY_LOAD.servers,
    enqueueEveryMs: STEADY_LOAD.enqueueEveryMs,
    enqueueCount: STEADY_LOAD.enqueueCount,
    jobMs: STEADY_LOAD.jobMs,
    virtualMs: middle.virtualMs,
    wallMs: middle.wallMs,
    runsWallMs: steadyRuns.map((run) => run.wallMs),
    cpuMs: middle.cpuMs,
    virtualSecondsPerWallSecond: middle.virtualMs / middle.wallMs,
    aim: AIM_VIRTUAL_SECONDS_PER_WALL_SECOND,
    traceEntries: middle.traceEntries,
    traceBySource: middle.traceBySource,
    jobs: middle.jobs,
    completed: middle.completed,
    probe: {
      ...probeSplit(probedSteady.result.wallMs, totals),
      floorVirtualSecondsPerWallSecond: totals.ms > 0 ? middle.virtualMs / totals.ms : Infinity,
      statements: totals.statements.slice(0, TOP_STATEMENTS),
      executions: totals.statements.reduce((sum, statement) => sum + statement.executions, 0),
    },
  };

  const propertyRow = (
    timed: readonly PropertyBatchResult[],
    probed: { result: PropertyBatchResult; sqlJs: SqlJsTotals },
  ): PropertyRow => {
    const run = medianRun(timed, (result) => result.wallMs);
    return {
      heal: run.heal,
      runs: run.runs,
      runsPerSec: (run.runs / run.wallMs) * 1_000,
      wallMs: run.wallMs,
      runsWallMs: timed.map((result) => result.wallMs),
      cpuMs: run.cpuMs,
      virtualMsPerRun: run.virtualMsPerRun,
      traceEntriesPerRun: run.traceEntries / run.runs,
      leaderCrashed: run.leaderCrashed,
      allJobsFinished: run.allJobsFinished,
      probe: probeSplit(probed.result.wallMs, probed.sqlJs),
    };
  };
  return {
    simulation,
    properties: [propertyRow(healed, probedHealed), propertyRow(unhealed, probedUnhealed)],
  };
}

function probeSplit(wallMs: number, totals: SqlJsTotals): ProbeSplit {
  const otherMs = wallMs - totals.ms;
  return {
    wallMs,
    sqlJsMs: totals.ms,
    sqlJsShare: totals.ms / wallMs,
    otherMs,
    otherShare: otherMs / wallMs,
    calls: totals.calls,
    callbackMs: totals.callbackMs,
  };
}
