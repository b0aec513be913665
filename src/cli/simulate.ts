#!/usr/bin/env node
import {
  accessSync,
  constants,
  existsSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../sim/runResult.js';
import type { Scenario } from '../scenario/types.js';
import { parseScenarioJson, ScenarioError } from '../scenario/schema.js';
import { historyToEdn, toJepsenHistory } from '../verify/jepsenHistory.js';
import { traceToJson } from '../sim/trace/trace.js';
import { parseArgs, USAGE, UsageError, type CliOptions } from './args.js';
import { EXIT } from './exitCodes.js';
import { noProgress, progressLine } from './progress.js';
import { simulationReport } from './report.js';
import { summarise, type InvariantReport } from './summary.js';
import { summaryLines } from './summaryText.js';
import { packageVersion } from './version.js';

/**
 * The command `coordinator-sim <scenario.json> [options]` (`npm run simulate -- ...` in this repository):
 * compiled to dist/cli/simulate.js it runs with plain node, as the package's bin.
 */

export { EXIT };

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal: only then is a progress line drawn. */
  errIsTty: boolean;
  /** Wall-clock ms, for the wall time and the progress line. */
  now(): number;
}

const nodeIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTty: Boolean(process.stderr.isTTY),
  now: () => performance.now(),
};

/** Errors that mean the scenario asks for something the coordinator refuses, not a bug of the simulation. */
const REFUSALS = new Set([
  'ScenarioError',
  'InvalidOptionError',
  'JobDefinitionError',
  'InvalidCronError',
  'InvalidParamsError',
  'UnknownJobError',
]);

class Refused extends Error {}

/** A file the command was asked to write and could not: exit 2, like an output folder that does not exist. */
class OutputError extends Error {}

/** Reads and checks the scenario file; every failure is a one-line (or one-block) Refused. */
export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    if (!existsSync(path)) throw new Refused(`scenario file not found: ${path}`);
    if (!statSync(path).isFile()) throw new Refused(`not a file: ${path}`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof Refused) throw error;
    throw new Refused(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return parseScenarioJson(text, path);
  } catch (error) {
    if (error instanceof ScenarioError) throw new Refused(error.message);
    throw new Unexpected(`reading ${path}`, error);
  }
}

/** An error nobody expected, with what the command was doing: exit 3, one line (a stack with --debug). */
class Unexpected extends Error {
  constructor(
    readonly doing: string,
    override readonly cause: unknown,
  ) {
    super(`${doing}: ${oneLine(cause)}`);
  }
}

/** An error as one line: its name and the first line of its message. */
function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split('\n')[0]!;
  const first = error.message.split('\n')[0] ?? '';
  return error.name && error.name !== 'Error' ? `${error.name}: ${first}` : first;
}

function stackOf(error: unknown): string {
  const inner = error instanceof Unexpected ? error.cause : error;
  return inner instanceof Error && inner.stack ? `\n${inner.stack}` : '';
}

/** Refuses, before the run, an output path that cannot be written, so that a long run is not lost at its end. */
function checkOutputPath(flag: string, path: string | undefined): void {
  if (path === undefined) return;
  const folder = dirname(resolve(path));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new Refused(`${flag}: the folder ${folder} does not exist`);
  }
  const exists = existsSync(path);
  if (exists && statSync(path).isDirectory()) throw new Refused(`${flag}: ${path} is a folder, not a file`);
  try {
    accessSync(exists ? path : folder, constants.W_OK);
  } catch {
    throw new Refused(`${flag}: cannot write ${path}: permission denied`);
  }
}

function writeOutput(flag: string, path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new OutputError(`${flag}: cannot write ${path}: ${oneLine(error)}`);
  }
}

/** What the command runs: the engine and the invariant checkers, loaded only once the arguments are good. */
export interface Engine {
  runScenario: (typeof import('../sim/runScenario.js'))['runScenario'];
  checkAll: (result: RunResult) => readonly InvariantReport[];
}

async function loadEngine(): Promise<Engine> {
  const [{ runScenario }, { checkAll }] = await Promise.all([
    import('../sim/runScenario.js'),
    import('../verify/checkers/index.js'),
  ]);
  return { runScenario, checkAll };
}

async function simulate(options: CliOptions, scenario: Scenario, io: Io, engine: Engine): Promise<number> {
  const { runScenario, checkAll } = engine;
  const progress = io.errIsTty ? progressLine(io.err, () => io.now()) : noProgress;
  const startedAt = io.now();
  let result: RunResult;
  try {
    result = await runScenario(scenario, {
      seed: options.seed,
      untilMs: options.untilMs,
      heal: options.heal,
      onProgress: (elapsedMs, endMs) => progress.update(elapsedMs, endMs),
      ...(options.maxEvents !== undefined && { maxEvents: options.maxEvents }),
      ...(options.maxWallMs !== undefined && { maxWallMs: options.maxWallMs, wallClock: () => io.now() }),
    });
  } finally {
    progress.done();
  }
  const wallMs = Math.round(io.now() - startedAt);
  const reports = checkAll(result);
  if (options.tracePath) writeOutput('--trace', options.tracePath, traceToJson(result.trace));
  if (options.historyPath) {
    writeOutput('--history', options.historyPath, historyToEdn(toJepsenHistory(result)));
  }
  const context = { file: options.scenarioPath, wallMs, untilMs: options.untilMs };
  const text = options.json
    ? `${JSON.stringify(simulationReport(scenario, summarise(result, reports, context), reports, wallMs), null, 2)}\n`
    : `${summaryLines(result, reports, context).join('\n')}\n`;
  if (options.outputPath === undefined) io.out(text);
  else writeOutput('--output', options.outputPath, text);
  return reports.some((report) => !report.ok && !report.skipped) ? EXIT.invariantFailed : EXIT.ok;
}

/** Runs the command line; returns the exit status instead of exiting, so that tests can call it. */
export async function main(
  argv: readonly string[],
  io: Io = nodeIo,
  engine: () => Promise<Engine> = loadEngine,
): Promise<number> {
  let options: CliOptions;
  let scenario: Scenario;
  // `coordinator-sim real ...`: the same scenario on a real cluster (src/cli/real.ts), loaded only then.
  if (argv[0] === 'real') return (await import('./real.js')).realMain(argv.slice(1), io);
  const debug = argv.includes('--debug');
  const unexpected = (error: unknown, doing: string) => {
    const wrapped = error instanceof Unexpected ? error : new Unexpected(doing, error);
    io.err(`simulate: unexpected error while ${wrapped.message}${debug ? stackOf(wrapped) : ''}\n`);
    if (!debug) io.err('simulate: run again with --debug for the stack\n');
    return EXIT.crashed;
  };
  try {
    const parsed = parseArgs(argv);
    if (parsed.help) {
      io.out(`${USAGE}\n`);
      return EXIT.ok;
    }
    if (parsed.version) {
      io.out(`${packageVersion()}\n`);
      return EXIT.ok;
    }
    options = parsed;
    scenario = loadScenario(options.scenarioPath);
    checkOutputPath('--output', options.outputPath);
    checkOutputPath('--trace', options.tracePath);
    checkOutputPath('--history', options.historyPath);
  } catch (error) {
    if (error instanceof UsageError || error instanceof Refused) {
      io.err(`simulate: ${error.message}\n`);
      return EXIT.usage;
    }
    return unexpected(error, 'reading the command line');
  }
  try {
    return await simulate(options, scenario, io, await engine());
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof OutputError) {
      io.err(`simulate: ${error.message}\n`);
      return EXIT.usage;
    }
    if (REFUSALS.has(name)) {
      io.err(`simulate: the scenario was refused: ${name}: ${message}\n`);
      return EXIT.usage;
    }
    if (name === 'RunBudgetError') {
      io.err(`simulate: ${message}\n`);
      return EXIT.overBudget;
    }
    io.err(`simulate: the simulation failed: ${oneLine(error)}${debug ? stackOf(error) : ''}\n`);
    if (!debug) io.err('simulate: run again with --debug for the stack\n');
    return EXIT.crashed;
  }
}

/** Whether this file is the program being run (not imported by a test). */
function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined || !existsSync(script)) return false;
  return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
}

if (invokedDirectly()) {
  process.exitCode = await main(process.argv.slice(2));
}
