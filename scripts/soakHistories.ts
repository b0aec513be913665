/**
 * Soak test of the playground's promise: many random histories of clicks, rewinds and forks (see
 * src/playground/histories.ts), each saved as a scenario file and replayed headless, must give the
 * trace the session gave, byte for byte.
 *
 *   npm run test:soak:histories -- [--runs 20000] [--budget 10m] [--seed N]
 *
 * On a difference, fast-check shrinks the history; the script prints it, the saved scenario and the first
 * trace line that differs, then exits 1.
 */
import fc from 'fast-check';
import { HISTORY_CLUSTER, historyArbitrary, replayHistory, type Move } from '../src/playground/histories';
import { serializeScenario } from '../src/scenario/schema';
import { parseDuration } from './duration';

const USAGE = 'usage: npm run test:soak:histories -- [--runs 20000] [--budget 10m] [--seed N]';

function fail(message: string): never {
  console.error(`soak: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): { runs: number; budgetMs: number; seed: number } {
  const options = { runs: 20_000, budgetMs: 10 * 60_000, seed: Math.floor(Math.random() * 0x7fffffff) };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const value = argv[++i];
    if (value === undefined) fail(`${flag} needs a value`);
    const whole = Number(value);
    if (flag === '--runs' && Number.isInteger(whole) && whole >= 1) options.runs = whole;
    else if (flag === '--seed' && Number.isInteger(whole)) options.seed = whole;
    else if (flag === '--budget' && parseDuration(value) !== undefined)
      options.budgetMs = parseDuration(value)!;
    else fail(`${flag}: "${value}" is not a valid value`);
  }
  return options;
}

class Diverged extends Error {
  constructor(
    readonly moves: Move[],
    readonly text: string,
  ) {
    super('the saved run replayed to another trace');
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  console.log(
    `soak: up to ${options.runs} histories or ${options.budgetMs / 1000} s; fast-check seed ${options.seed}`,
  );
  const started = Date.now();
  let runs = 0;
  const property = fc.asyncProperty(historyArbitrary(HISTORY_CLUSTER, 24), async (moves) => {
    runs += 1;
    const { saved, played, replayed } = await replayHistory(HISTORY_CLUSTER, moves);
    if (played === replayed) return;
    const a = played.split('\n');
    const b = replayed.split('\n');
    const line = a.findIndex((text, index) => text !== b[index]);
    throw new Diverged(
      moves,
      `${serializeScenario(saved)}\nfirst difference, line ${line + 1}:\n  played:   ${a[line]}\n  replayed: ${b[line]}`,
    );
  });
  for (let batch = 0; runs < options.runs && Date.now() - started < options.budgetMs; batch++) {
    const details = await fc.check(property, {
      numRuns: Math.min(250, options.runs - runs),
      seed: (options.seed + batch) | 0,
    });
    const elapsed = (Date.now() - started) / 1000;
    console.log(`  ${runs} histories in ${elapsed.toFixed(1)} s, ${(runs / elapsed).toFixed(1)} per s`);
    if (details.failed) {
      const cause = details.errorInstance;
      console.error(
        `soak: a history diverged (seed ${(options.seed + batch) | 0}, path ${details.counterexamplePath})`,
      );
      if (cause instanceof Diverged) console.error(`${JSON.stringify(cause.moves)}\n${cause.text}`);
      else console.error(cause);
      process.exit(1);
    }
  }
  const elapsed = (Date.now() - started) / 1000;
  console.log(
    `soak: ${runs} histories replayed to the same trace in ${elapsed.toFixed(1)} s; seed ${options.seed}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
