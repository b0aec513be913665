/**
 * Section 7 of `npm run bench`: the time the property suite takes to find each hazard (H1-H14) and shrink
 * it, over several fast-check seeds.
 *
 * Each hazard is searched the way test/property/hazards.test.ts searches it, with the same arbitrary
 * options (test/property/hazardCases.ts): the hazard on, scenarios drawn from the scenario arbitraries, every
 * drawn scenario run with its liveness phase and judged on the invariant the hazard breaks (only that one
 * counts, as in the suite), or, for H3 and H12, which break none on their own, on the trace property that
 * shows them. Instead of the suite's fixed seed and run count, each search runs with each of the given seeds
 * until its first counterexample and the end of fast-check's shrinking, or until the cap: a search that
 * finds nothing within the cap is reported as not found, with the runs it made.
 *
 *   npm run bench -- --hazard-find-only [--hazard-seeds 5] [--hazard-cap-s 60] [--hazard-list H1,H4]
 */
import { loadavg } from 'node:os';
import fc from 'fast-check';
import { scenarioArbitrary, scenarioSize } from '../src/scenario/arbitraries/scenarioArbitrary';
import type { Scenario } from '../src/scenario/types';
import { runScenario } from '../src/sim/runScenario';
import type { InvariantId } from '../src/verify/checkers';
import { checkScenario } from '../src/verify/properties';
import {
  CASES,
  H12_OPTIONS,
  H3_ONE_CRASH_OPTIONS,
  H5_OPTIONS,
  ownErrorsOnly,
  takeoverOnTime,
  type TraceCheck,
} from '../test/property/hazardCases';
import type { ScenarioArbitraryOptions } from '../src/scenario/arbitraries/scenarioArbitrary';
import type { HazardFindBenchReport } from './report';
import { fixed, table } from './textTable';

export interface HazardFindSettings {
  /** fast-check seeds, one search each (default 1-5). */
  seeds: number[];
  /** Wall ms a search may take, finding and shrinking together, before it counts as not found. */
  capMs: number;
  /** Hazards to search (default H1-H14). */
  hazards: string[];
}

/** One hazard's search: what is drawn and what counts as finding it. */
export interface HazardSearch {
  code: string;
  what: string;
  options: ScenarioArbitraryOptions;
  /** The invariant whose failure counts, or a property of the trace. */
  target: { invariant: InvariantId } | { trace: TraceCheck; label: string };
}

/** The suite's searches, H1-H14 in order: its invariant cases, H5's I3 search, H3's and H12's trace properties. */
export function hazardSearches(): HazardSearch[] {
  const searches: HazardSearch[] = CASES.map((c) => ({
    code: c.code,
    what: c.what,
    options: c.options,
    target: { invariant: c.invariant },
  }));
  searches.push(
    {
      code: 'H3',
      what: 'the lease compared in whole seconds: a crashed leader is replaced up to 1 s late',
      options: H3_ONE_CRASH_OPTIONS,
      target: { trace: takeoverOnTime, label: 'takeover by 15,010 ms' },
    },
    {
      code: 'H5',
      what: 'a deposed leader steps down a tick late and acts as leader meanwhile',
      options: H5_OPTIONS,
      target: { invariant: 'I3' },
    },
    {
      code: 'H12',
      what: "with H1, a claim queued behind a failing election fails with the election's error",
      options: H12_OPTIONS,
      target: { trace: ownErrorsOnly, label: 'own errors only' },
    },
  );
  return searches.sort((a, b) => Number(a.code.slice(1)) - Number(b.code.slice(1)));
}

export const HAZARD_CODES = hazardSearches().map((search) => search.code);

/** One seed's search. */
export interface HazardFindRun {
  seed: number;
  found: boolean;
  /** Wall ms to the end of the run that first failed. */
  findMs: number | null;
  /** Wall ms of the whole search: finding and shrinking, or up to the cap when nothing was found. */
  totalMs: number;
  /** This process's CPU ms (user and system) in the search: what a busy machine's wall time hides. */
  cpuMs: number;
  /** Scenarios run to the first failure (or in all, when not found). */
  runsToFind: number;
  shrinks: number;
  /** The cap ended the shrinking: the counterexample is found but not fully shrunk. */
  shrinkCut: boolean;
  size: { servers: number; actions: number; jobs: number } | null;
  /** What the counterexample broke, in a few words. */
  problem: string | null;
}

export interface HazardFindRow {
  code: string;
  what: string;
  property: string;
  runs: HazardFindRun[];
  found: number;
  /** Median over the seeds of totalMs, a search that found nothing counting as longer than any; null when
   * most searches found nothing. */
  medianMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  medianFindMs: number | null;
  /** Median CPU ms of the searches that found it. */
  medianCpuMs: number | null;
}

export interface HazardFindReport {
  settings: HazardFindSettings;
  rows: HazardFindRow[];
  /** The 1-minute load average before and after, since a busy machine moves every wall figure. */
  loadBefore: number;
  loadAfter: number;
  totalWallMs: number;
}

/** A search that runs this many scenarios without a failure is capped by time long before. */
const MAX_RUNS = 1_000_000;

async function judge(search: HazardSearch, scenario: Scenario): Promise<string | undefined> {
  if ('invariant' in search.target) {
    // As the suite: a safety violation (I1, I3) ends the run where it is judged, and every shrink step.
    const { failed } = await checkScenario(scenario, {
      only: [search.target.invariant],
      stopAtFirstViolation: true,
    });
    const first = failed[0];
    return first ? `${first.id}: ${first.violation?.message ?? 'violated'}` : undefined;
  }
  return search.target.trace(await runScenario(scenario));
}

/** Thrown by the property on a counterexample, so that an engine error is told apart from a finding. */
class Found extends Error {}

export async function measureHazardSearch(
  search: HazardSearch,
  seed: number,
  capMs: number,
): Promise<HazardFindRun> {
  let findMs: number | null = null;
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const property = fc.asyncProperty(scenarioArbitrary(search.options), async (scenario) => {
    const problem = await judge(search, scenario);
    if (problem === undefined) return;
    findMs ??= performance.now() - started;
    throw new Found(problem);
  });
  const details = await fc.check(property, { seed, numRuns: MAX_RUNS, interruptAfterTimeLimit: capMs });
  const totalMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const counterexample = details.failed ? details.counterexample?.[0] : undefined;
  if (details.failed && !(details.errorInstance instanceof Found)) {
    throw new Error(
      `${search.code}, seed ${seed}: the property failed without a finding (the engine threw): ${String(details.errorInstance)}`,
    );
  }
  return {
    seed,
    found: counterexample !== undefined,
    findMs,
    totalMs,
    cpuMs: (cpu.user + cpu.system) / 1_000,
    // fast-check's numRuns counts the runs up to and including the first failure.
    runsToFind: details.numRuns,
    shrinks: details.numShrinks,
    shrinkCut: counterexample !== undefined && details.interrupted,
    size: counterexample ? scenarioSize(counterexample) : null,
    problem: details.errorInstance instanceof Found ? details.errorInstance.message : null,
  };
}

/** The median of the totals, a search that found nothing counting as longer than any. */
function medianOf(runs: readonly HazardFindRun[], key: (run: HazardFindRun) => number | null): number | null {
  const values = runs.map((run) => (run.found ? (key(run) ?? Infinity) : Infinity)).sort((a, b) => a - b);
  const middle = values[Math.floor((values.length - 1) / 2)];
  return middle === undefined || middle === Infinity ? null : middle;
}

export async function measureHazardFind(
  settings: HazardFindSettings,
  progress: (message: string) => void,
): Promise<HazardFindReport> {
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const rows: HazardFindRow[] = [];
  const searches = hazardSearches().filter((s) => settings.hazards.includes(s.code));
  // Warm-up, untimed: the first runs pay for sql.js's wasm and the JIT, which no search should be charged.
  progress('hazard find: warming up ...');
  for (const search of searches.slice(0, 1))
    for (const scenario of fc.sample(scenarioArbitrary(search.options), { numRuns: 5, seed: 0 }))
      await judge(search, scenario);
  for (const search of searches) {
    const runs: HazardFindRun[] = [];
    for (const seed of settings.seeds) {
      progress(`hazard find: ${search.code}, seed ${seed} ...`);
      runs.push(await measureHazardSearch(search, seed, settings.capMs));
    }
    const found = runs.filter((run) => run.found);
    rows.push({
      code: search.code,
      what: search.what,
      property: 'invariant' in search.target ? search.target.invariant : `trace: ${search.target.label}`,
      runs,
      found: found.length,
      medianMs: medianOf(runs, (run) => run.totalMs),
      minMs: found.length > 0 ? Math.min(...found.map((run) => run.totalMs)) : null,
      maxMs: found.length > 0 ? Math.max(...found.map((run) => run.totalMs)) : null,
      medianFindMs: medianOf(runs, (run) => run.findMs),
      medianCpuMs: medianOf(runs, (run) => run.cpuMs),
    });
  }
  return { settings, rows, loadBefore, loadAfter: loadavg()[0]!, totalWallMs: performance.now() - started };
}

const seconds = (ms: number | null) => (ms === null ? '-' : fixed(ms / 1_000, 1));

/** The section as text: one row per hazard. */
export function formatHazardFind(report: HazardFindReport, number = '7.'): string {
  const { settings } = report;
  const out: string[] = [];
  out.push(
    `${number} Time to find each hazard: wall seconds for the property suite's search (hazards.test.ts's arbitraries,` +
      ` the hazard on) to find and shrink a counterexample, over fast-check seeds ${settings.seeds.join(', ')};` +
      ` capped at ${fixed(settings.capMs / 1_000, 0)} s a search`,
  );
  out.push(
    table(
      [
        { header: 'hazard', align: 'left' },
        { header: 'breaks', align: 'left' },
        { header: 'median s' },
        { header: 'min-max s' },
        { header: 'find s (median)' },
        { header: 'CPU s (median)' },
        { header: 'runs to find', align: 'left' },
        { header: 'shrunk (servers/actions/jobs)', align: 'left' },
        { header: 'found' },
      ],
      report.rows.map((row) => {
        const sizes = row.runs
          .map((run) =>
            run.size
              ? `${run.size.servers}/${run.size.actions}/${run.size.jobs}${run.shrinkCut ? '*' : ''}`
              : '-',
          )
          .join(' ');
        return [
          row.code,
          row.property,
          row.medianMs === null ? `not found (>${fixed(settings.capMs / 1_000, 0)})` : seconds(row.medianMs),
          row.minMs === null ? '-' : `${seconds(row.minMs)}-${seconds(row.maxMs)}`,
          seconds(row.medianFindMs),
          seconds(row.medianCpuMs),
          row.runs.map((run) => (run.found ? String(run.runsToFind) : `(${run.runsToFind})`)).join(' '),
          sizes,
          `${row.found}/${row.runs.length}`,
        ];
      }),
    ),
  );
  const target = report.rows.filter((row) => row.medianMs === null || row.medianMs > 5_000);
  out.push(
    `   Target 5 s or less each: ${target.length === 0 ? 'met by every hazard' : `missed by ${target.map((row) => row.code).join(', ')}`}.` +
      ' Runs to find per seed, in brackets when nothing was found; * a shrink the cap cut short.' +
      ' CPU s: this process alone, which a busy machine inflates less than wall s.',
  );
  out.push(
    `   ${fixed(report.totalWallMs / 1_000, 0)} s in all; load average ${fixed(report.loadBefore, 2)} before, ${fixed(report.loadAfter, 2)} after.`,
  );
  return out.join('\n');
}

/** `--hazard-find-only`: section 7 alone, under the machine line. */
export function formatHazardFindOnlyReport(report: HazardFindBenchReport): string {
  const { machine } = report;
  return [
    'Pinstripe jobCoordinator bench: time to find each hazard',
    `node ${machine.node} · ${machine.cpu} · ${machine.cores} cores · ${machine.platform} ${machine.arch} · sql.js ${machine.sqlJs}`,
    '',
    formatHazardFind(report.hazardFind),
    '',
    `total bench time ${fixed(report.totalWallMs / 1_000, 1)} s`,
  ].join('\n');
}
