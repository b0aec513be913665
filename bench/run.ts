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
 *    size;
 * 7. the time the property suite takes to find and shrink each hazard, over several seeds (hazardFind.ts).
 *
 * Every figure is the median of --repeats runs, after one warm-up run of each timed kind (the first runs
 * pay for JIT compilation and the wasm tiers). Timed runs are interleaved round by round, so that drift
 * over the process's life (heap growth, CPU frequency, a noisy neighbour) spreads over every row instead
 * of biasing the last one.
 */
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
import { formatReport } from './format';
import { formatBrowserOnlyReport } from './formatBrowser';
import { machineInfo } from './machine';
import type {
  BenchReport,
  BenchSettings,
  BrowserBenchReport,
  BrowserReport,
  HazardFindBenchReport,
  VirtualRow,
} from './report';
import { formatHazardFindOnlyReport, measureHazardFind } from './hazardFind';
import { medianRun, repeat } from './stats';
import { progress } from './progress';
import { parseSettings, USAGE, UsageError } from './settings';
import { measureSimulationSections } from './simulationSections';

/** The reference's election tick: one claim per server per tick under H9. */
const REFERENCE_TICK_MS = 5_000;

async function main(): Promise<void> {
  const parsed = parseSettings(process.argv.slice(2));
  if (!parsed) {
    console.log(USAGE);
    return;
  }
  const { settings, json, browserOnly, hazardFindOnly } = parsed;
  const started = performance.now();
  // The bench drives sql.js directly too (bareSql.ts), so it wants sql.js's own, fuller type.
  const sqlJs = (await loadSqlJs()) as SqlJsStatic;

  if (hazardFindOnly) {
    const report: HazardFindBenchReport = {
      machine: machineInfo(sqlJs),
      settings,
      hazardFind: await measureHazardFind(settings.hazardFind!, progress),
      totalWallMs: performance.now() - started,
    };
    console.log(json ? JSON.stringify(report, null, 2) : formatHazardFindOnlyReport(report));
    return;
  }

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
  // Last: its wall seconds are the figure, so it runs after the browser has closed.
  const hazardFind = settings.hazardFind ? await measureHazardFind(settings.hazardFind, progress) : undefined;

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
    hazardFind,
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
