/**
 * One colour per leadership term, the same in the lanes and on the timeline, so that a learner can match a
 * band to a leader at a glance. Hues step by a golden-angle fraction so neighbouring terms never look alike;
 * the term number is always written next to the colour, which is never the only signal.
 */
export function termColor(term: number): string {
  const hue = Math.round((term * 137.508 + 35) % 360);
  return `hsl(${hue} 70% 42%)`;
}

export function termFill(term: number): string {
  const hue = Math.round((term * 137.508 + 35) % 360);
  return `hsl(${hue} 75% 88%)`;
}
