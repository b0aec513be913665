import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import type { Entropy } from '../core/ports.js';

/**
 * A seed for one part of a run (a server process, say) from the run's seed and the part's name: the same
 * whatever else the run did before, so that adding an action does not reshuffle every server's draws.
 * FNV-1a over the text, folded to 31 bits.
 */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const char of [seed, ...parts].join('/')) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}

/**
 * Ids and randomness from one seed: the same seed gives the same ids and the same draws in the same
 * order, so a run replays exactly. Ids are counters, readable in traces (`claim-7`), and unique per run.
 */
export class SeededEntropy implements Entropy {
  private readonly generator: RandomGenerator;
  private readonly counters = new Map<string, number>();

  constructor(readonly seed: number) {
    this.generator = xoroshiro128plus(seed);
  }

  newId(prefix: string): string {
    const next = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, next);
    return `${prefix}-${next}`;
  }

  random(): number {
    // 2^31 evenly spaced values in [0, 1): plenty for jitter and fault draws.
    return unsafeUniformIntDistribution(0, 0x7fffffff, this.generator) / 0x80000000;
  }

  /** An independent stream for one purpose (one server, one fault kind), derived from this one. */
  fork(): SeededEntropy {
    return new SeededEntropy(unsafeUniformIntDistribution(0, 0x7fffffff, this.generator));
  }
}
