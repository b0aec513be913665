/**
 * `npm run bench`: the distributed coordinator's drain on sql.js, for 1, 2 and 4 servers.
 *
 * 1. jobs claimed and completed per wall second, in small virtual steps so that only wall work bounds it;
 * 2. the same SQL statements run bare in the same process, and the ratio (the coordinator's overhead);
 * 3. the same drain in virtual time, fixed coordinator against the reference's one claim per tick (H9).
 *
 * Every figure is the median of --repeats runs, after one warm-up run of each timed kind (the first runs
 * pay for JIT compilation and the wasm tiers). Timed runs are interleaved round by round, so that drift
 * over the process's life (heap growth, CPU frequency, a noisy neighbour) spreads over every row instead
 * of biasing the last one.
 */
import { parseArgs } from 'node:util';
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
import { formatReport } from './format';
import { machineInfo } from './machine';
import type { BenchReport, BenchSettings, VirtualRow } from './report';
import { medianRun, repeat } from './stats';

const USAGE = `usage: npm run bench -- [options]
  --jobs N            jobs per wall-throughput drain (default 5000)
  --virtual-jobs N    jobs per virtual-time drain, fixed vs H9 (default 200)
  --servers LIST      cluster sizes, comma-separated (default 1,2,4)
  --concurrency N     jobs run at once per server (default 8)
  --repeats N         runs per figure; the median is reported (default 3)
  --step-ms N         virtual step of the wall-throughput drain (default 1)
  --pragma NAME=VALUE what-if: also run "PRAGMA NAME = VALUE" on both databases; may be repeated
  --json              print the report as JSON instead of tables
  --help`;

/** The reference's election tick: one claim per server per tick under H9. */
const REFERENCE_TICK_MS = 5_000;

function parseSettings(argv: string[]): { settings: BenchSettings; json: boolean } | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      jobs: { type: 'string', default: '5000' },
      'virtual-jobs': { type: 'string', default: '200' },
      servers: { type: 'string', default: '1,2,4' },
      concurrency: { type: 'string', default: '8' },
      repeats: { type: 'string', default: '3' },
      'step-ms': { type: 'string', default: '1' },
      pragma: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  return {
    json: values.json,
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
  const { settings, json } = parsed;
  const started = performance.now();
  const sqlJs = await loadSqlJs();

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

  const report: BenchReport = {
    machine: machineInfo(sqlJs),
    settings,
    throughput,
    bare,
    diagnostics,
    virtual,
    totalWallMs: performance.now() - started,
  };
  console.log(json ? JSON.stringify(report, null, 2) : formatReport(report));
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
