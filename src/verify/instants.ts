/** How far from the run's start an epoch-ms number may be and still read as one of its instants. */
const INSTANT_WINDOW_MS = 8 * 86_400_000;

/**
 * Checker messages and trace fields name instants in epoch ms (`tick 1767225616000`), exact but hard to
 * read. This rewrites every 13-digit number that falls within a week of the run's start as time since the
 * start, in the caller's `format` (the CLI's `16.000s`, the page's `00:16.000`). Other numbers (job ids,
 * counts) are left alone; a time before the start gets a minus sign.
 */
export function humanizeInstants(text: string, start: number, format: (ms: number) => string): string {
  return text.replace(/\b\d{13}\b/g, (digits) => {
    const offset = Number(digits) - start;
    if (Math.abs(offset) > INSTANT_WINDOW_MS) return digits;
    return offset < 0 ? `\u2212${format(-offset)}` : format(offset);
  });
}
