import { seconds } from './summaryText.js';

export interface Progress {
  update(elapsedMs: number, endMs: number): void;
  /** Clears the line, if one was written. */
  done(): void;
}

/**
 * A one-line progress display (`\r`-rewritten) for a terminal, written at most every `intervalMs` of wall
 * time and not before the first interval has passed, so that a short run prints nothing.
 */
export function progressLine(write: (text: string) => void, now: () => number, intervalMs = 500): Progress {
  let last = now();
  let shown = false;
  return {
    update(elapsedMs, endMs) {
      const wall = now();
      if (wall - last < intervalMs) return;
      last = wall;
      shown = true;
      const percent = endMs > 0 ? Math.min(100, Math.floor((elapsedMs / endMs) * 100)) : 100;
      write(`\rsimulating ${seconds(elapsedMs)} of ${seconds(endMs)} virtual (${percent}%)\x1b[K`);
    },
    done() {
      if (shown) write('\r\x1b[K');
      shown = false;
    },
  };
}

/** A progress display that shows nothing (stderr is not a terminal). */
export const noProgress: Progress = { update() {}, done() {} };
