/**
 * The long fuzz run (issue 9 section 6): mutated example scenarios and run links, as the fast suite in
 * test/fuzz/ draws them but with the large payloads too (5 MB strings, 100,000 levels of nesting, bombs up
 * to 1 GiB), each judged by test/fuzz/harness.ts, until a number of cases or a time budget is reached.
 *
 *   npm run test:fuzz -- [--cases 20000] [--budget 10m] [--seed N]
 *
 * Prints cases, accepted (run, over the run budget), rejected with the field paths they named (top 10),
 * crashes, the cases that ended in a known failure (test/fuzz/knownFailures.ts), peak memory (resident set,
 * sampled) and wall time. A crash is shrunk by fast-check and printed
 * with the seed that finds it again; the run goes on to the next batch, and exits 1 at the end.
 */
import fc from 'fast-check';
import { FuzzCrash, fuzzLinkCase, fuzzScenarioCase, type Outcome } from '../test/fuzz/harness';
import { linkCaseArbitrary, type LinkCase } from '../test/fuzz/linkMutations';
import { scenarioCaseArbitrary, type ScenarioCase } from '../test/fuzz/mutations';
import { LONG_BOMB_SIZES, LONG_RUN, LONG_RUN_ONE_IN } from '../test/fuzz/settings';
import { FuzzTally } from '../test/fuzz/tally';
import { KNOWN_FAILURES } from '../test/fuzz/knownFailures';
import { parseDuration } from './duration';

interface Options {
  cases: number;
  budgetMs: number;
  seed: number;
}

const USAGE = 'usage: npm run test:fuzz -- [--cases 20000] [--budget 10m] [--seed N]';

function fail(message: string): never {
  console.error(`fuzz: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    cases: 20_000,
    budgetMs: 10 * 60_000,
    seed: Math.floor(Math.random() * 0x7fffffff),
  };
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
      case '--cases': {
        const cases = Number(value);
        if (!Number.isInteger(cases) || cases < 1)
          fail(`--cases: expected a whole number >= 1, got "${value}"`);
        options.cases = cases;
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
      default:
        fail(`unknown option "${flag}"`);
    }
  }
  return options;
}

type FuzzCase = { scenario: ScenarioCase } | { link: LinkCase };

/** Four scenario files to one link: most of what a link can hold is a scenario file's problem. */
const caseArbitrary: fc.Arbitrary<FuzzCase> = fc.oneof(
  {
    weight: 4,
    arbitrary: scenarioCaseArbitrary({ scale: 'long', runOneIn: LONG_RUN_ONE_IN }).map((scenario) => ({
      scenario,
    })),
  },
  {
    weight: 1,
    arbitrary: linkCaseArbitrary({
      scale: 'long',
      runOneIn: LONG_RUN_ONE_IN,
      bombSizes: LONG_BOMB_SIZES,
    }).map((link) => ({ link })),
  },
);

function judge(fuzzCase: FuzzCase): Promise<Outcome> {
  return 'scenario' in fuzzCase
    ? fuzzScenarioCase(fuzzCase.scenario, LONG_RUN)
    : fuzzLinkCase(fuzzCase.link, LONG_RUN);
}

/** Cases per fast-check call: the budget is checked between calls, and each call stops at its first crash. */
const BATCH_CASES = 500;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

interface Crash {
  batchSeed: number;
  path: string | undefined;
  shrinks: number;
  counterexample: FuzzCase | undefined;
  error: unknown;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  console.log(
    `fuzz: up to ${options.cases} cases or ${seconds(options.budgetMs)}; fast-check seed ${options.seed}`,
  );

  const started = Date.now();
  const tally = new FuzzTally();
  const crashes: Crash[] = [];
  let peakRss = 0;
  const sampleMemory = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  let shrinking = false;
  const property = fc.asyncProperty(caseArbitrary, async (fuzzCase) => {
    try {
      const outcome = await judge(fuzzCase);
      if (!shrinking) tally.record(outcome);
    } catch (error) {
      if (!shrinking) tally.crashed();
      shrinking = true;
      throw error;
    } finally {
      sampleMemory();
    }
  });
  const sampler = setInterval(sampleMemory, 200);
  const progress = setInterval(() => {
    const elapsed = Date.now() - started;
    const rate = (tally.cases / (elapsed / 1000)).toFixed(1);
    console.log(
      `  ${tally.cases} cases in ${seconds(elapsed)} (${rate}/s), ${tally.crashes} crashes, peak ${megabytes(peakRss)}` +
        (shrinking ? ', shrinking a crash' : ''),
    );
  }, 10_000);

  try {
    for (let batch = 0; tally.cases < options.cases && Date.now() - started < options.budgetMs; batch++) {
      const batchSeed = (options.seed + batch) | 0;
      shrinking = false;
      const numRuns = Math.min(BATCH_CASES, options.cases - tally.cases);
      const details = await fc.check(property, { numRuns, seed: batchSeed });
      if (details.failed) {
        crashes.push({
          batchSeed,
          path: details.counterexamplePath ?? undefined,
          shrinks: details.numShrinks,
          counterexample: details.counterexample?.[0],
          error: details.errorInstance,
        });
      }
    }
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
  }
  sampleMemory();
  const elapsed = Date.now() - started;
  const why = tally.cases < options.cases ? 'the time budget ran out' : 'all cases done';

  console.log(`\nfuzz: ${tally.cases} cases in ${seconds(elapsed)} (${why}); seed ${options.seed}`);
  console.log(
    `  accepted   ${tally.accepted} (run ${tally.ran + tally.budget}, of which over the run budget ${tally.budget})`,
  );
  console.log(`  rejected   ${tally.rejected}, naming (top 10, cases per path):`);
  for (const [where, count] of tally.topRejections(10))
    console.log(`    ${String(count).padStart(7)}  ${where}`);
  console.log(`  crashes    ${tally.crashes}`);
  for (const known of KNOWN_FAILURES) {
    const count = tally.known.get(known.id) ?? 0;
    console.log(`  known failure ${known.id}: ${count} cases (${known.tracked})\n    ${known.fault}`);
  }
  console.log(`  peak memory ${megabytes(peakRss)} resident`);
  console.log(`  wall time  ${seconds(elapsed)}`);
  if (crashes.length === 0) return;

  for (const [index, crash] of crashes.entries()) {
    const what = crash.error instanceof FuzzCrash ? crash.error.message : String(crash.error);
    console.error(`\ncrash ${index + 1} of ${crashes.length}, shrunk in ${crash.shrinks} steps:\n  ${what}`);
    if (!(crash.error instanceof FuzzCrash) && crash.error instanceof Error) console.error(crash.error.stack);
    console.error(`  case: ${fc.stringify(crash.counterexample)}`);
    console.error(
      `  find it again: npm run test:fuzz -- --seed ${crash.batchSeed} --cases ${BATCH_CASES} (path ${crash.path})`,
    );
  }
  process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
