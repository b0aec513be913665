/** Small helpers shared by the property suites. */

/**
 * The fast-check seed of a property suite: fixed by default, so that `npm test` checks the same scenarios
 * every time (fresh ones come from `npm run test:soak`); `PROPERTY_SEED=<n>` replays the seed fast-check
 * printed, `PROPERTY_SEED=random` draws a new one (printed with the result).
 */
export function propertySeed(fixed: number): number {
  const pinned = process.env.PROPERTY_SEED;
  if (pinned === undefined || pinned === '') return fixed;
  if (pinned === 'random') return Math.floor(Math.random() * 0x7fffffff);
  const seed = Number(pinned);
  if (!Number.isInteger(seed))
    throw new Error(`PROPERTY_SEED: expected a whole number or "random", got ${pinned}`);
  return seed;
}

/** Prints how many runs a property did, how fast, and with which seed. */
export function reportRate(name: string, runs: number, startedMs: number, seed: number, scenariosPerRun = 1) {
  const seconds = (performance.now() - startedMs) / 1000;
  const perSecond = (runs / seconds).toFixed(1);
  const scenarios = scenariosPerRun === 1 ? '' : ` (${runs * scenariosPerRun} scenario runs)`;
  console.log(
    `${name}: ${runs} runs${scenarios} in ${seconds.toFixed(1)} s, ${perSecond} runs/s, fast-check seed ${seed} (replay: PROPERTY_SEED=${seed})`,
  );
}

/** Whether counterexamples should be printed (`SHOW_COUNTEREXAMPLES=1`). */
export const SHOW_COUNTEREXAMPLES = Boolean(process.env.SHOW_COUNTEREXAMPLES);
