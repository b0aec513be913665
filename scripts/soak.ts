/**
 * Soak test: the invariant property (I1-I6 and I8 on every run, every hazard off unless asked) over many fresh
 * scenarios, until a number of runs or a time budget is reached, whichever comes first.
 *
 *   npm run test:soak -- [--runs 20000] [--budget 10m] [--seed N] [--profile all|crashes|partitions|stops|mixed]
 *                        [--hazards H4,H7] [--ignore I5] [--out counterexample.json]
 *
 * Prints progress and runs per second as it goes. On a violation, fast-check shrinks it, and the script
 * prints the violation and the shrunk scenario as a scenario file (and writes it to --out), then exits 1.
 * Replay it with the simulate CLI, or with `runScenario(parseScenarioJson(text))`.
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { HAZARDS, type HazardCode, type HazardName } from '../src/core/hazards';
import {
  FAULT_PROFILES,
  PROFILE_DESCRIPTIONS,
  scenarioArbitrary,
  type FaultProfile,
  type ScenarioArbitraryOptions,
} from '../src/scenario/arbitraries/scenarioArbitrary';
import type { InvariantId } from '../src/verify/checkers';
import { checkScenario, describeFailure, InvariantViolation } from '../src/verify/properties';
import type { Scenario } from '../src/scenario/types';
import { serializeScenario } from '../src/scenario/schema';
import { parseDuration } from './duration';

interface Options {
  runs: number;
  budgetMs: number;
  seed: number;
  profile: FaultProfile | 'mixed';
  hazards: (HazardName | HazardCode)[];
  ignore: InvariantId[];
  out: string | undefined;
}

const USAGE = `usage: npm run test:soak -- [--runs 20000] [--budget 10m] [--seed N]
       [--profile all|crashes|partitions|stops|mixed] [--hazards H4,H7] [--ignore I5] [--out file.json]`;

function fail(message: string): never {
  console.error(`soak: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    runs: 20_000,
    budgetMs: 10 * 60_000,
    seed: Math.floor(Math.random() * 0x7fffffff),
    profile: 'mixed',
    hazards: [],
    ignore: [],
    out: undefined,
  };
  const hazardKeys = new Set<string>([
    ...Object.keys(HAZARDS),
    ...Object.values(HAZARDS).map((hazard) => hazard.code),
  ]);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const [name, inline] = flag.includes('=') ? flag.split(/=(.*)/s) : [flag, undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) fail(`${name} needs a value`);
    switch (name) {
      case '--runs': {
        const runs = Number(value);
        if (!Number.isInteger(runs) || runs < 1) fail(`--runs: expected a whole number >= 1, got "${value}"`);
        options.runs = runs;
        break;
      }
      case '--budget':
        options.budgetMs =
          parseDuration(value) ??
          fail(`--budget: expected a duration such as 10m, 90s or 1h, got "${value}"`);
        break;
      case '--seed': {
        const seed = Number(value);
        if (!Number.isInteger(seed)) fail(`--seed: expected a whole number, got "${value}"`);
        options.seed = seed;
        break;
      }
      case '--profile':
        if (value !== 'mixed' && !(value in FAULT_PROFILES))
          fail(
            `--profile: expected one of ${[...Object.keys(FAULT_PROFILES), 'mixed'].join(', ')}, got "${value}"`,
          );
        options.profile = value as Options['profile'];
        break;
      case '--hazards':
        for (const hazard of value.split(',').filter(Boolean)) {
          if (!hazardKeys.has(hazard)) fail(`--hazards: unknown hazard "${hazard}" (H1-H13 or their names)`);
          options.hazards.push(hazard as HazardName | HazardCode);
        }
        break;
      case '--ignore':
        for (const id of value.split(',').filter(Boolean)) {
          if (!/^I[1-68]$/.test(id)) fail(`--ignore: expected invariant ids I1-I6 or I8, got "${id}"`);
          options.ignore.push(id as InvariantId);
        }
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

function arbitrary(options: Options): fc.Arbitrary<Scenario> {
  const withHazards = (profile: ScenarioArbitraryOptions): ScenarioArbitraryOptions => ({
    ...profile,
    hazards: options.hazards,
  });
  if (options.profile !== 'mixed') return scenarioArbitrary(withHazards(FAULT_PROFILES[options.profile]));
  return fc.oneof(...Object.values(FAULT_PROFILES).map((profile) => scenarioArbitrary(withHazards(profile))));
}

/** Runs per fast-check call: the budget is checked between calls. */
const BATCH_RUNS = 250;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const profile =
    options.profile === 'mixed' ? 'a mix of every profile' : PROFILE_DESCRIPTIONS[options.profile];
  console.log(
    `soak: up to ${options.runs} runs or ${seconds(options.budgetMs)}, ${profile}; hazards: ${
      options.hazards.join(', ') || 'none'
    }; fast-check seed ${options.seed}`,
  );

  const started = Date.now();
  let runs = 0;
  let shrinkSteps = 0;
  let firstFailure: { run: number; at: number } | undefined;
  const property = fc.asyncProperty(arbitrary(options), async (scenario) => {
    if (firstFailure) shrinkSteps++;
    else runs++;
    const { failed } = await checkScenario(scenario, { ignore: options.ignore });
    if (failed.length > 0) {
      firstFailure ??= { run: runs, at: Date.now() };
      throw new InvariantViolation(scenario, failed);
    }
  });
  const progress = setInterval(() => {
    const elapsed = Date.now() - started;
    if (firstFailure) {
      console.log(`  shrinking the failure of run ${firstFailure.run}: ${shrinkSteps} scenarios tried`);
    } else {
      console.log(`  ${runs} runs in ${seconds(elapsed)}, ${(runs / (elapsed / 1000)).toFixed(1)} runs/s`);
    }
  }, 10_000);

  // Batches of runs, each with its own seed, so that the budget is checked between batches and a failure
  // found in time is always shrunk to the end.
  let details: fc.RunDetails<[Scenario]> | undefined;
  let batchSeed = options.seed;
  try {
    for (let batch = 0; runs < options.runs && Date.now() - started < options.budgetMs; batch++) {
      batchSeed = (options.seed + batch) | 0;
      const numRuns = Math.min(BATCH_RUNS, options.runs - runs);
      details = await fc.check(property, { numRuns, seed: batchSeed });
      if (details.failed) break;
    }
  } finally {
    clearInterval(progress);
  }
  const elapsed = Date.now() - started;
  const searchMs = (firstFailure?.at ?? Date.now()) - started;
  const rate = `${(runs / (searchMs / 1000)).toFixed(1)} runs/s`;

  if (!details?.failed) {
    const why = runs < options.runs ? 'the time budget ran out' : 'all runs done';
    console.log(`soak: ${runs} runs passed in ${seconds(elapsed)} (${rate}); ${why}; seed ${options.seed}`);
    return;
  }
  const counterexample = details.counterexample?.[0];
  const cause = details.errorInstance;
  if (!counterexample || !(cause instanceof InvariantViolation)) {
    console.error(
      `soak: run ${runs} failed without an invariant violation (seed ${details.seed}, path ${details.counterexamplePath}):`,
    );
    console.error(cause);
    process.exit(1);
  }
  const text = serializeScenario(counterexample);
  console.error(
    `soak: invariant violated at run ${firstFailure?.run ?? runs} (${rate}), shrunk in ${details.numShrinks} steps ` +
      `(${shrinkSteps} scenarios tried); ${seconds(elapsed)} in all`,
  );
  console.error(
    `replay the search: npm run test:soak -- --seed ${batchSeed} --profile ${options.profile}` +
      `${options.hazards.length ? ` --hazards ${options.hazards.join(',')}` : ''} (fast-check path ${details.counterexamplePath})`,
  );
  for (const report of cause.failed) console.error(describeFailure(report));
  console.error(`\nshrunk counterexample:\n${text}`);
  if (options.out) {
    writeFileSync(options.out, text);
    console.error(`written to ${options.out}`);
  }
  process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
