/** Repetition and the median: one slow run (a GC pause, a noisy neighbour) must not move the figure. */

/** Runs `measure` `times` times, one after the other (runs must not overlap: they share one thread). */
export async function repeat<T>(times: number, measure: () => Promise<T> | T): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < times; i++) results.push(await measure());
  return results;
}

/** The run whose `key` is the median (the lower middle for an even count), so its other fields stay consistent. */
export function medianRun<T>(runs: readonly T[], key: (run: T) => number): T {
  if (runs.length === 0) throw new RangeError('median of nothing');
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
