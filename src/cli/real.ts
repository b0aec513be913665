import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { buildHistoryFile, historyFileJson } from '../realrun/historyFile.js';
import {
  openRunDatabase,
  planRealRun,
  RunDatabaseError,
  runScenarioOnRealCluster,
  UnmappableScenarioError,
  type RealRunOutcome,
} from '../realrun/index.js';
import { parseScenarioJson, ScenarioError } from '../scenario/schema.js';
import type { Scenario } from '../scenario/types.js';
import { checkAll } from '../verify/checkers/index.js';
import { UsageError } from './args.js';
import { EXIT } from './exitCodes.js';
import { parseRealArgs, REAL_USAGE, type RealCliOptions } from './realArgs.js';
import { simulationReport } from './report.js';
import { summarise } from './summary.js';
import { summaryLines } from './summaryText.js';
// A type only: simulate.ts imports this file when it runs, and a value import back would be a cycle.
import type { Io } from './simulate.js';

/**
 * `coordinator-sim real <scenario.json> (--database URL | --sqlite FILE) [--scale F] [--json] [--history
 * FILE] [--history-file FILE]`: the scenario on a real cluster (`src/realrun`), judged by the same checkers as a simulation and
 * summarised the same way. Exit codes as the simulation's: 0, 1 an invariant failed, 2 bad input (an
 * action that cannot map included), 3 unexpected.
 */
export async function realMain(argv: readonly string[], io: Io): Promise<number> {
  let options: RealCliOptions;
  let scenario: Scenario;
  try {
    const parsed = parseRealArgs(argv);
    if (parsed.help) {
      io.out(`${REAL_USAGE}\n`);
      return EXIT.ok;
    }
    options = parsed;
    scenario = readScenario(options.scenarioPath);
    planRealRun(scenario, options.scale, options.database.kind);
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof UnmappableScenarioError ||
      error instanceof ScenarioError
    ) {
      io.err(`real: ${error.message}\n`);
      return EXIT.usage;
    }
    io.err(`real: unexpected error while reading the command line: ${String(error)}\n`);
    return EXIT.crashed;
  }
  let database;
  try {
    database = await openRunDatabase(options.database);
  } catch (error) {
    io.err(`real: ${error instanceof RunDatabaseError ? error.message : String(error)}\n`);
    return error instanceof RunDatabaseError ? EXIT.usage : EXIT.crashed;
  }
  const startedAt = io.now();
  let outcome: RealRunOutcome;
  try {
    outcome = await runScenarioOnRealCluster(scenario, { database: database.config, scale: options.scale });
  } catch (error) {
    io.err(`real: the real run failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.crashed;
  } finally {
    await database.dispose().catch(() => undefined);
  }
  const wallMs = Math.round(io.now() - startedAt);
  if (options.historyPath !== undefined) {
    try {
      writeFileSync(
        options.historyPath,
        outcome.history.map((entry) => `${JSON.stringify(entry)}\n`).join(''),
      );
    } catch (error) {
      io.err(`real: --history: cannot write ${options.historyPath}: ${String(error)}\n`);
      return EXIT.usage;
    }
  }
  const reports = checkAll(outcome.result);
  if (options.historyFilePath !== undefined) {
    const settings = {
      database: options.database.kind,
      servers: [...outcome.plan.serverIds],
      scale: options.scale,
      scenario: basename(options.scenarioPath),
      wallMs,
    };
    try {
      writeFileSync(
        options.historyFilePath,
        historyFileJson(buildHistoryFile(settings, outcome.result, reports)),
      );
    } catch (error) {
      io.err(`real: --history-file: cannot write ${options.historyFilePath}: ${String(error)}\n`);
      return EXIT.usage;
    }
  }
  // A real run's trace counts from 0 (its first spawn), not from the simulation's epoch.
  const context = { file: options.scenarioPath, wallMs, startedAt: 0 };
  const real = {
    database: options.database.kind,
    scale: options.scale,
    servers: outcome.plan.serverIds,
    timings: outcome.plan.timings,
    steps: outcome.steps,
  };
  if (options.json) {
    const report = simulationReport(
      outcome.result.scenario,
      summarise(outcome.result, reports, context),
      reports,
      wallMs,
    );
    io.out(`${JSON.stringify({ ...report, real }, null, 2)}\n`);
  } else {
    const kind =
      options.database.kind === 'postgres' ? 'PostgreSQL' : `a SQLite file (${options.database.path})`;
    const notes = outcome.steps
      .filter((step) => step.outcome !== 'done')
      .map(
        (step) => `  action ${step.index} (${step.type} ${step.server}): ${step.outcome}: ${step.why ?? ''}`,
      );
    io.out(
      [
        `Real      ${real.servers.length} processes on ${kind}, every time x${options.scale} (times below are real ms)`,
        ...notes,
        ...summaryLines(outcome.result, reports, context),
      ].join('\n') + '\n',
    );
  }
  return reports.some((report) => !report.ok && !report.skipped) ? EXIT.invariantFailed : EXIT.ok;
}

function readScenario(path: string): Scenario {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`scenario file not found: ${path}`);
  return parseScenarioJson(readFileSync(path, 'utf8'), path);
}
