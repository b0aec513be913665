/**
 * How often the checkers find each hazard: random scenarios from the soak's arbitraries (a mix of every
 * fault profile), run with no hazard and then with each hazard on by itself, every invariant checked on
 * every run. Unlike the soak, it does not stop at the first violation: it counts.
 *
 *   npm run test:census -- [--runs 300] [--budget 3m] [--seed N] [--hazards H1,H4] [--out census.json]
 *
 * `--runs` and `--budget` apply to each hazard in turn. A run counts as finding its hazard when some
 * invariant fails with the hazard on and the same scenario passes with it off (that second run is made for
 * every failing run, so "found" means the hazard itself broke it). Prints, per hazard: runs, runs that
 * found it, the rate, the run and wall seconds at which it was first found, runs per second, and how many
 * runs failed each invariant. Exits 1 if any run fails with no hazard on.
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { HAZARDS, type HazardCode } from '../src/core/hazards';
import { FAULT_PROFILES, scenarioArbitrary } from '../src/scenario/arbitraries/scenarioArbitrary';
import type { Scenario } from '../src/scenario/types';
import type { InvariantId } from '../src/verify/checkers';
import { checkScenario } from '../src/verify/properties';
import { parseDuration } from './duration';

interface Options {
  runs: number;
  budgetMs: number;
  seed: number;
  hazards: (HazardCode | 'none')[];
  out: string | undefined;
}

const CODES = Object.values(HAZARDS).map((hazard) => hazard.code as HazardCode);
const USAGE =
  'usage: npm run test:census -- [--runs 300] [--budget 3m] [--seed N] [--hazards none,H1,H4] [--out file.json]';

function fail(message: string): never {
  console.error(`census: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    runs: 300,
    budgetMs: 3 * 60_000,
    seed: 1,
    hazards: ['none', ...CODES],
    out: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const value = argv[++i];
    if (value === undefined) fail(`${flag} needs a value`);
    switch (flag) {
      case '--runs':
        options.runs = Number(value);
        if (!Number.isInteger(options.runs) || options.runs < 1)
          fail(`--runs: expected a whole number >= 1, got "${value}"`);
        break;
      case '--budget':
        options.budgetMs =
          parseDuration(value) ?? fail(`--budget: expected a duration such as 3m or 90s, got "${value}"`);
        break;
      case '--seed':
        options.seed = Number(value);
        if (!Number.isInteger(options.seed)) fail(`--seed: expected a whole number, got "${value}"`);
        break;
      case '--hazards':
        options.hazards = value.split(',').map((code) => {
          if (code !== 'none' && !CODES.includes(code as HazardCode))
            fail(`--hazards: expected none or H1-H13, got "${code}"`);
          return code as HazardCode | 'none';
        });
        break;
      case '--out':
        options.out = value;
        break;
      default:
        fail(`unknown option "${flag}"`);
    }
  }
  return options;
}

interface Tally {
  hazard: HazardCode | 'none';
  runs: number;
  /** Runs that failed with the hazard on and passed with it off. */
  found: number;
  /** Runs that failed with the hazard off too (with no hazard: every failing run). */
  failedWithout: number;
  firstFoundRun: number | null;
  firstFoundSeconds: number | null;
  seconds: number;
  /** Per invariant, the runs that found the hazard through it. */
  byInvariant: Partial<Record<InvariantId, number>>;
  /** The first scenario that failed with the hazard off, to replay. */
  unexplained?: Scenario;
}

function withoutHazards(scenario: Scenario): Scenario {
  const copy = structuredClone(scenario);
  delete copy.hazards;
  return copy;
}

/** Runs for one hazard, drawn from the soak's mix of profiles with the same seed for every hazard. */
async function census(hazard: HazardCode | 'none', options: Options): Promise<Tally> {
  const hazards = hazard === 'none' ? [] : [hazard];
  const arbitrary = fc.oneof(
    ...Object.values(FAULT_PROFILES).map((profile) => scenarioArbitrary({ ...profile, hazards })),
  );
  const scenarios = fc.sample(arbitrary, { numRuns: options.runs, seed: options.seed });
  const tally: Tally = {
    hazard,
    runs: 0,
    found: 0,
    failedWithout: 0,
    firstFoundRun: null,
    firstFoundSeconds: null,
    seconds: 0,
    byInvariant: {},
  };
  const started = performance.now();
  for (const drawn of scenarios) {
    if (performance.now() - started > options.budgetMs) break;
    tally.runs++;
    const { failed } = await checkScenario(drawn);
    if (failed.length === 0) continue;
    const off = hazard === 'none' ? failed : (await checkScenario(withoutHazards(drawn))).failed;
    if (off.length > 0) {
      tally.failedWithout++;
      tally.unexplained ??= drawn;
      continue;
    }
    tally.found++;
    if (tally.firstFoundRun === null) {
      tally.firstFoundRun = tally.runs;
      tally.firstFoundSeconds = (performance.now() - started) / 1000;
    }
    for (const report of failed) tally.byInvariant[report.id] = (tally.byInvariant[report.id] ?? 0) + 1;
  }
  tally.seconds = (performance.now() - started) / 1000;
  return tally;
}

function row(tally: Tally): string {
  const rate = `${((100 * tally.found) / Math.max(1, tally.runs)).toFixed(1)}%`;
  const first =
    tally.firstFoundRun === null
      ? '-'
      : `run ${tally.firstFoundRun}, ${tally.firstFoundSeconds!.toFixed(1)} s`;
  const speed = (tally.runs / Math.max(0.001, tally.seconds)).toFixed(1);
  const through = Object.entries(tally.byInvariant)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, count]) => `${id} ${count}`)
    .join(', ');
  const without = tally.failedWithout > 0 ? `  (${tally.failedWithout} failed with it off too)` : '';
  return `${tally.hazard.padEnd(5)} ${String(tally.runs).padStart(5)} ${String(tally.found).padStart(5)} ${rate.padStart(6)}  ${first.padEnd(16)} ${speed.padStart(6)}  ${through}${without}`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  console.log(
    `census: up to ${options.runs} runs or ${(options.budgetMs / 1000).toFixed(0)} s per hazard, a mix of every fault profile, fast-check seed ${options.seed}`,
  );
  console.log('hazard runs found   rate  first found      runs/s  runs that found it, by invariant');
  const tallies: Tally[] = [];
  for (const hazard of options.hazards) {
    const tally = await census(hazard, options);
    tallies.push(tally);
    console.log(row(tally));
  }
  if (options.out) {
    writeFileSync(options.out, `${JSON.stringify(tallies, null, 2)}\n`);
    console.log(`written to ${options.out}`);
  }
  const unexplained = tallies.filter((tally) => tally.failedWithout > 0);
  for (const tally of unexplained) {
    console.error(
      `census: with ${tally.hazard}, ${tally.failedWithout} run(s) failed with no hazard on; the first:\n${JSON.stringify(tally.unexplained)}`,
    );
  }
  if (unexplained.length > 0) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
