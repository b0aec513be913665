/** `npm run bench:real`: see realBench.ts for what it measures and how. */
import { runRealBench } from './realBench';
import { parseRealBenchSettings, USAGE } from './settings';

async function main(): Promise<void> {
  const settings = parseRealBenchSettings(process.argv.slice(2));
  if (!settings) {
    console.log(USAGE);
    return;
  }
  console.log((await runRealBench(settings)).text);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error, `\n\n${USAGE}`);
  process.exitCode = 1;
});
