import type { HazardCode } from '../../core/hazards';
import type { InvariantId } from '../../verify/checkers';

/**
 * What each bundled example scenario claims about hazards: run `scenario` with exactly `hazards` on (its
 * own list replaced) and exactly the invariants of `breaks` fail, no other. The scenario's description
 * states each claim in one sentence that names those hazards and those invariants, and
 * test/property/hazardExamples.test.ts runs every claim and reads every description, so that what the
 * page tells a learner and what the checkers find cannot drift apart.
 */
export interface HazardClaim {
  /** The example's file stem in `scenarios/`. */
  scenario: string;
  /** The hazards on for this run, in code order; empty for the fixed behaviour (or H14's single mode). */
  hazards: readonly HazardCode[];
  /** Exactly the invariants that fail, in id order. */
  breaks: readonly InvariantId[];
}

/** Every claim the example scenarios make, by scenario. */
export const HAZARD_CLAIMS: readonly HazardClaim[] = [
  { scenario: 'burst-1000-jobs', hazards: [], breaks: [] },
  { scenario: 'burst-1000-jobs', hazards: ['H9'], breaks: ['I2'] },
  { scenario: 'burst-1000-jobs', hazards: ['H10'], breaks: [] },
  { scenario: 'burst-1000-jobs', hazards: ['H11'], breaks: ['I2'] },
  { scenario: 'clock-skew', hazards: [], breaks: [] },
  { scenario: 'clock-skew', hazards: ['H2'], breaks: ['I3', 'I5'] },
  { scenario: 'cron-across-failover', hazards: [], breaks: [] },
  { scenario: 'cron-across-failover', hazards: ['H7'], breaks: ['I4'] },
  { scenario: 'graceful-handover', hazards: [], breaks: [] },
  { scenario: 'hazard-bad-crontab', hazards: ['H13'], breaks: ['I4', 'I8'] },
  { scenario: 'hazard-null-heartbeat', hazards: ['H1'], breaks: ['I4', 'I6', 'I8'] },
  { scenario: 'hazard-null-heartbeat', hazards: ['H1', 'H12'], breaks: ['I4', 'I6', 'I8'] },
  { scenario: 'hazard-null-heartbeat', hazards: [], breaks: [] },
  { scenario: 'leader-crash-failover', hazards: [], breaks: [] },
  { scenario: 'leader-crash-failover', hazards: ['H3'], breaks: [] },
  { scenario: 'leader-crash-failover', hazards: ['H8'], breaks: ['I2'] },
  { scenario: 'leader-crash-failover', hazards: ['H10'], breaks: ['I2'] },
  { scenario: 'partitioned-leader', hazards: [], breaks: [] },
  { scenario: 'paused-leader', hazards: [], breaks: [] },
  { scenario: 'paused-leader', hazards: ['H4'], breaks: ['I3'] },
  { scenario: 'paused-leader', hazards: ['H5'], breaks: ['I3'] },
  { scenario: 'paused-leader', hazards: ['H6'], breaks: [] },
  { scenario: 'paused-leader', hazards: ['H4', 'H7'], breaks: ['I3', 'I4'] },
  {
    scenario: 'reference-hazards',
    hazards: ['H2', 'H3', 'H4', 'H5', 'H6', 'H7', 'H8', 'H9', 'H10', 'H11', 'H12'],
    breaks: ['I2', 'I3', 'I4'],
  },
  { scenario: 'two-single-servers', hazards: [], breaks: ['I2', 'I4'] },
];

/** The hazard H14 is a deployment (two single-server coordinators), not a switch: its example is this file. */
export const H14_EXAMPLE = 'two-single-servers';

/**
 * The example that shows a hazard: the first claim with that hazard alone, or else with the fewest others
 * (H12 shows only beside H1, whose failing elections it spreads to claims); for H14, the single-server
 * file with no hazard on. Every hazard has one; the examples test makes sure of it.
 */
export function exampleOf(code: HazardCode | 'H14'): HazardClaim | undefined {
  if (code === 'H14') return HAZARD_CLAIMS.find((claim) => claim.scenario === H14_EXAMPLE);
  let best: HazardClaim | undefined;
  for (const claim of HAZARD_CLAIMS) {
    if (!claim.hazards.includes(code)) continue;
    if (!best || claim.hazards.length < best.hazards.length) best = claim;
  }
  return best;
}

/** "breaks I2 and I4", "breaks I3", or "breaks no invariant": how the page says a claim. */
export function breaksText(claim: HazardClaim): string {
  const ids = claim.breaks;
  if (ids.length === 0) return 'breaks no invariant';
  if (ids.length === 1) return `breaks ${ids[0]}`;
  return `breaks ${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1]}`;
}
