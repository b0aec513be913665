/**
 * One colour per leadership term, the same in the lanes, the cluster diagram and the timeline, so that a
 * learner can match a band to a leader at a glance. Hues step by a golden-angle fraction so neighbouring
 * terms never look alike; the term number is always written next to the colour, which is never the only
 * signal. The text colour is as light as it can be while keeping 7:1 against white (so also 4.5:1 on the
 * term's pale fill): a fixed lightness left yellows and greens at 2.5:1 (axe-core, issue 10).
 */

function hueOf(term: number): number {
  return Math.round((term * 137.508 + 35) % 360);
}

/** sRGB channels 0..1 of hsl(h s% l%). */
function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0), f(8), f(4)];
}

export function relativeLuminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Contrast of hsl(hue 70% l%) against white. */
export function contrastOnWhite(hue: number, lightness: number): number {
  return 1.05 / (relativeLuminance(hslToRgb(hue, 0.7, lightness / 100)) + 0.05);
}

const cache = new Map<number, number>();

/** The highest lightness (in whole percent, at most 42) whose colour keeps 7:1 against white. */
function lightnessFor(hue: number): number {
  const known = cache.get(hue);
  if (known !== undefined) return known;
  let lightness = 42;
  while (lightness > 5 && contrastOnWhite(hue, lightness) < 7) lightness -= 1;
  cache.set(hue, lightness);
  return lightness;
}

export function termColor(term: number): string {
  const hue = hueOf(term);
  return `hsl(${hue} 70% ${lightnessFor(hue)}%)`;
}

export function termFill(term: number): string {
  return `hsl(${hueOf(term)} 75% 91%)`;
}
