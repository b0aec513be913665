/**
 * `npm run bench`: the distributed coordinator's drain on sql.js, for 1, 2 and 4 servers.
 *
 * 1. jobs claimed and completed per wall second, in small virtual steps so that only wall work bounds it;
 * 2. the same SQL statements run bare in the same process, and the ratio (the coordinator's overhead);
 * 3. the same drain in virtual time, fixed coordinator against the reference's one claim per tick (H9);
 * 4. the simulation engine (runScenario): virtual seconds per wall second for 5 servers under a steady job
 *    load, and the share of that wall time spent inside sql.js;
 * 5. property runs per second: a 3-server, 60-virtual-second scenario over a batch of seeds, with and
 *    without the liveness phase;
 * 6. the built app in headless Chromium (browser.ts): the engine's speed in Web Workers, in the conductor's
 *    worker and in the page, against Node; the playground's frames per second at 20x; the built JavaScript's
 *    size.
 *
 * Every figure is the median of --repeats runs, after one warm-up run of each timed kind (the first runs
 * pay for JIT compilation and the wasm tiers). Timed runs are interleaved round by round, so that drift
 * over the process's life (heap growth, CPU frequency, a noisy neighbour) spreads over every row instead
 * of biasing the last one.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { SqlJsStatic } from 'sql.js';
import { loadSqlJs } from '../src/db';
import { measureBareSql, type BareSqlResult } from './bareSql';
import {
  diagnoseDrain,
  measureVirtualDrain,
  measureWallDrain,
  type DrainOptions,
  type VirtualDrainResult,
  type WallDrainResult,
} from './distributedDrain';
import { browserAvailable, measureBrowser } from './browser';
import { formatBrowserOnlyReport, formatReport } from './format';
import { machineInfo } from './machine';
import type {
  BenchReport,
  BenchSettings,
  BrowserBenchReport,
  BrowserReport,
  PropertyRow,
  ProbeSplit,
  SimulationReport,
  VirtualRow,
} from './report';
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
import { medianRun, repeat } from './stats';

const USAGE = `usage: npm run bench -- [options]
  --jobs N            jobs per wall-throughput drain (default 5000)
  --virtual-jobs N    jobs per virtual-time drain, fixed vs H9 (default 200)
  --servers LIST      cluster sizes, comma-separated (default 1,2,4)
  --concurrency N     jobs run at once per server (default 8)
  --repeats N         runs per figure; the median is reported (default 3)
  --step-ms N         virtual step of the wall-throughput drain (default 1)
  --pragma NAME=VALUE what-if: also run "PRAGMA NAME = VALUE" on both databases; may be repeated
  --sim-hours N       virtual hours of the steady-load simulation (default 1; fractions allowed)
  --property-runs N   seeds per property batch (default 20)
  --no-browser        skip section 6 (the built app in headless Chromium); it is skipped anyway, with a
                      message, when /usr/bin/chromium is missing
  --browser-only      run section 6 alone
  --browser-scenarios LIST  scenarios for the engine speeds, comma-separated
                      (default eight-servers,leader-crash-failover)
  --browser-virtual-s N     virtual seconds of every engine run (default 60)
  --fps-seconds N     wall seconds over which the page's frames are counted (default 10)
  --json              print the report as JSON instead of tables
  --help`;

/** The reference's election tick: one claim per server per tick under H9. */
const REFERENCE_TICK_MS = 5_000;

function parseSettings(
  argv: string[],
): { settings: BenchSettings; json: boolean; browserOnly: boolean } | undefined {
  const { values } = parseArgs({
    args: argv,
    allowNegative: true,
    options: {
      jobs: { type: 'string', default: '5000' },
      'virtual-jobs': { type: 'string', default: '200' },
      servers: { type: 'string', default: '1,2,4' },
      concurrency: { type: 'string', default: '8' },
      repeats: { type: 'string', default: '3' },
      'step-ms': { type: 'string', default: '1' },
      pragma: { type: 'string', multiple: true, default: [] },
      'sim-hours': { type: 'string', default: '1' },
      'property-runs': { type: 'string', default: '20' },
      browser: { type: 'boolean', default: true },
      'browser-only': { type: 'boolean', default: false },
      'browser-scenarios': { type: 'string', default: 'eight-servers,leader-crash-failover' },
      'browser-virtual-s': { type: 'string', default: '60' },
      'fps-seconds': { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  if (values['browser-only'] && !values.browser)
    throw new UsageError('--browser-only and --no-browser: nothing left to run');
  return {
    json: values.json,
    browserOnly: values['browser-only'],
    settings: {
      servers: values.servers.split(',').map((n) => positiveInteger(n, '--servers')),
      jobs: positiveInteger(values.jobs, '--jobs'),
      virtualJobs: positiveInteger(values['virtual-jobs'], '--virtual-jobs'),
      concurrency: positiveInteger(values.concurrency, '--concurrency'),
      repeats: positiveInteger(values.repeats, '--repeats'),
      stepMs: positiveInteger(values['step-ms'], '--step-ms'),
      // Big steps: H9 drains at one job per server per 5 s, so 1 ms steps would only cost wall time.
      virtualStepMs: 1_000,
      // Long enough for 200 jobs on one server under H9 (about 1,000 s), short enough to stop a stuck run.
      virtualCapMs: 30 * 60_000,
      pragmas: values.pragma.map(pragmaStatement),
      simHours: positiveNumber(values['sim-hours'], '--sim-hours'),
      propertyRuns: positiveInteger(values['property-runs'], '--property-runs'),
      browser: values.browser
        ? {
            scenarios: values['browser-scenarios'].split(',').map((name) => scenarioName(name)),
            virtualMs: positiveNumber(values['browser-virtual-s'], '--browser-virtual-s') * 1_000,
            fpsSeconds: positiveNumber(values['fps-seconds'], '--fps-seconds'),
          }
        : null,
    },
  };
}

/** A mistake on the command line: reported with the usage, without a stack trace. */
class UsageError extends Error {}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${flag}: expected a whole number >= 1, got "${text}"`);
  return value;
}

function positiveNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`${flag}: expected a number > 0, got "${text}"`);
  return value;
}

/** A scenario file's stem: scenarios/<name>.json must exist. */
function scenarioName(text: string): string {
  const name = text.trim();
  if (!/^[\w-]+$/.test(name) || !existsSync(new URL(`../scenarios/${name}.json`, import.meta.url)))
    throw new UsageError(`--browser-scenarios: no scenarios/${name}.json`);
  return name;
}

/** `journal_mode=MEMORY` becomes `PRAGMA journal_mode = MEMORY`; only a name and a plain value are accepted. */
function pragmaStatement(text: string): string {
  const match = /^\s*(\w+)\s*=\s*(\w+)\s*$/.exec(text);
  if (!match) throw new UsageError(`--pragma: expected NAME=VALUE, got "${text}"`);
  return `PRAGMA ${match[1]} = ${match[2]}`;
}

/** Progress goes to stderr, and only to a terminal, so that stdout stays the table (or clean JSON). */
function progress(message: string): void {
  if (process.stderr.isTTY) process.stderr.write(`${message}\n`);
}

async function main(): Promise<void> {
  const parsed = parseSettings(process.argv.slice(2));
  if (!parsed) {
    console.log(USAGE);
    return;
  }
  const { settings, json, browserOnly } = parsed;
  const started = performance.now();
  const sqlJs = await loadSqlJs();

  if (browserOnly) {
    const report: BrowserBenchReport = {
      machine: machineInfo(sqlJs),
      settings,
      browser: await browserSection(settings),
      totalWallMs: performance.now() - started,
    };
    console.log(json ? JSON.stringify(report, null, 2) : formatBrowserOnlyReport(report));
    return;
  }

  const drainOptions = (servers: number): DrainOptions => ({
    servers,
    concurrency: settings.concurrency,
    jobs: settings.jobs,
    stepMs: settings.stepMs,
    // A wall drain should end in a few virtual steps; a cap keeps a regression from spinning for ever.
    capMs: 60 * 60_000,
    pragmas: settings.pragmas,
  });
  const bareOptions = { jobs: settings.jobs, batch: settings.concurrency, pragmas: settings.pragmas };

  progress('warming up ...');
  await measureWallDrain(drainOptions(Math.max(...settings.servers)));
  measureBareSql(sqlJs, bareOptions);

  const wallRuns = new Map<number, WallDrainResult[]>(settings.servers.map((n) => [n, []]));
  const bareRuns: BareSqlResult[] = [];
  for (let round = 1; round <= settings.repeats; round++) {
    progress(`wall throughput, round ${round} of ${settings.repeats} ...`);
    for (const servers of settings.servers)
      wallRuns.get(servers)!.push(await measureWallDrain(drainOptions(servers)));
    bareRuns.push(measureBareSql(sqlJs, bareOptions));
  }

  const bareMedian = medianRun(bareRuns, (run) => run.wallMs);
  const bare = {
    batch: settings.concurrency,
    wallMs: bareMedian.wallMs,
    jobsPerSec: (settings.jobs / bareMedian.wallMs) * 1_000,
    runsWallMs: bareRuns.map((run) => run.wallMs),
    claimTransactions: bareMedian.claimTransactions,
    statementsPerJob: bareMedian.statements / settings.jobs,
  };
  const throughput = settings.servers.map((servers) => {
    const runs = wallRuns.get(servers)!;
    const middle = medianRun(runs, (run) => run.wallMs);
    return {
      servers,
      wallMs: middle.wallMs,
      jobsPerSec: (settings.jobs / middle.wallMs) * 1_000,
      runsWallMs: runs.map((run) => run.wallMs),
      virtualMs: middle.virtualMs,
      steps: middle.steps,
      overhead: middle.wallMs / bare.wallMs,
    };
  });

  progress('counting statements ...');
  const diagnostics = [];
  for (const servers of settings.servers) diagnostics.push(await diagnoseDrain(drainOptions(servers)));

  progress('virtual-time drains, fixed vs H9 ...');
  const virtual: VirtualRow[] = [];
  for (const servers of settings.servers) {
    const options: DrainOptions = {
      servers,
      concurrency: settings.concurrency,
      jobs: settings.virtualJobs,
      stepMs: settings.virtualStepMs,
      capMs: settings.virtualCapMs,
      pragmas: settings.pragmas,
    };
    const fixedRuns = await repeat(settings.repeats, () => measureVirtualDrain(options));
    const referenceRuns = await repeat(settings.repeats, () =>
      measureVirtualDrain({ ...options, hazards: ['oneClaimPerTick'] }),
    );
    const fixed = medianRun(fixedRuns, (run) => run.virtualMs);
    const reference = medianRun(referenceRuns, (run) => run.virtualMs);
    virtual.push({
      servers,
      jobs: settings.virtualJobs,
      fixed,
      reference,
      referenceBoundMs: Math.ceil(settings.virtualJobs / servers) * REFERENCE_TICK_MS,
      ratio: fixed.finished && fixed.virtualMs > 0 ? reference.virtualMs / fixed.virtualMs : null,
      repeatable: sameVirtualOutcome(fixedRuns) && sameVirtualOutcome(referenceRuns),
    });
  }

  const { simulation, properties } = await measureSimulationSections(sqlJs, settings);
  const browser = settings.browser ? await browserSection(settings) : undefined;

  const report: BenchReport = {
    machine: machineInfo(sqlJs),
    settings,
    throughput,
    bare,
    diagnostics,
    virtual,
    simulation,
    properties,
    browser,
    totalWallMs: performance.now() - started,
  };
  console.log(json ? JSON.stringify(report, null, 2) : formatReport(report));
}

/** Section 6, last: it builds the app and starts a browser, which the Node figures must not share a CPU with. */
async function browserSection(settings: BenchSettings): Promise<BrowserReport> {
  const available = browserAvailable();
  if (!available.ok) {
    console.error(`bench: skipping the browser section: ${available.reason}`);
    return { skipped: available.reason };
  }
  try {
    return await measureBrowser(settings.browser!, settings.repeats, progress);
  } catch (error) {
    // The Node sections above took minutes: report them, and say why this one failed.
    console.error('bench: the browser section failed:', error);
    return { failed: (error as Error).message.split('\n')[0] ?? String(error) };
  }
}

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
async function measureSimulationSections(
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

/** Virtual time is deterministic (I7): every run of the same drain must end at the same instant. */
function sameVirtualOutcome(runs: readonly VirtualDrainResult[]): boolean {
  const first = runs[0];
  return runs.every((run) => run.virtualMs === first?.virtualMs && run.finished === first.finished);
}

main().catch((error: unknown) => {
  // parseArgs reports unknown flags with its own error codes; treat those as usage errors too.
  const usage =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  console.error(usage ? `${(error as Error).message}\n\n${USAGE}` : error);
  process.exitCode = 1;
});
