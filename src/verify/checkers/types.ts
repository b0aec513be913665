import type { TraceEntry } from '../../sim/trace/trace.js';

export type InvariantId = 'I1' | 'I2' | 'I3' | 'I4' | 'I5' | 'I6' | 'I7' | 'I8';

/**
 * What a check needs a run to have done before it can judge it. A skipped report names the one that did
 * not happen, in words (`skipped`) and as this value (`precondition`), so that a test can assert that its
 * scenario still reaches what it is about (a regression test that drifts away from its bug fails).
 */
export type Precondition =
  /** Distributed mode: servers elect a leader (two single servers, H14, have no election). */
  | 'leaderElection'
  /** The run healed every fault and ran its liveness phase. */
  | 'heal'
  /** A leader was lost: crashed, died by itself, paused, cut off, stopped without releasing, or stepped down. */
  | 'leaderLoss'
  /** A lost leader could be judged: another server could lead until the bound, and the run went on that long. */
  | 'judgeableLoss'
  /** A leader released its lease (a graceful stop). */
  | 'release'
  /** A release could be judged: another server could lead for the second after it, and the run went on. */
  | 'judgeableRelease'
  /** After the faults ended, some server could lead (running, not paused or cut off, with jobs). */
  | 'candidateAfterFaults'
  /** The run went on for at least the liveness bound after the faults ended. */
  | 'timeAfterFaults'
  /** A job was claimed (I1 has claims to judge). */
  | 'claim'
  /** A cron tick was due while some server could fire it (I4 has ticks to judge). */
  | 'cronTick'
  /** I7: the two runs compared are of the same scenario and seed. */
  | 'sameRun';

/** What one invariant checker found in a run (or, for I7, in two runs of one scenario and seed). */
export interface InvariantReport {
  id: InvariantId;
  title: string;
  /** False only when a violation was found. A skipped check is ok. */
  ok: boolean;
  /** Why the invariant could not be checked on this run (the run did not heal, no leader could exist ...). */
  skipped?: string;
  /** When skipped: the precondition that did not happen (see Precondition). */
  precondition?: Precondition;
  /** The first violation, by virtual time: what, when, and the few trace entries that prove it. */
  violation?: Violation;
  measurements?: Record<string, number | number[]>;
}

export interface Violation {
  message: string;
  /** Virtual time at which the invariant was first broken (ms). */
  atVt: number;
  /** The entries that prove it, in trace order. */
  evidence: TraceEntry[];
}

export const TITLES: Record<InvariantId, string> = {
  I1: 'exactly-once claim',
  I2: 'nothing lost',
  I3: 'one leader per term',
  I4: 'cron exactly once',
  I5: 'failover bound',
  I6: 'graceful handover',
  I7: 'determinism',
  I8: 'leadership liveness',
};

/** A violation found while scanning, before the earliest one is chosen. */
export interface Candidate extends Violation {
  /** Breaks ties between candidates at the same virtual time: the offending entry's seq. */
  order: number;
}

export function candidate(message: string, atVt: number, evidence: (TraceEntry | undefined)[]): Candidate {
  const unique = new Map<number, TraceEntry>();
  for (const entry of evidence) if (entry) unique.set(entry.seq, entry);
  const sorted = [...unique.values()].sort((a, b) => a.seq - b.seq);
  const last = sorted[sorted.length - 1];
  return { message, atVt, evidence: sorted, order: last ? last.seq : Number.MAX_SAFE_INTEGER };
}

/** The report for one checker: the earliest candidate (by virtual time, then trace position) if any. */
export function makeReport(
  id: InvariantId,
  candidates: readonly Candidate[],
  measurements?: Record<string, number | number[]>,
  skipped?: string,
  precondition?: Precondition,
): InvariantReport {
  const report: InvariantReport = { id, title: TITLES[id], ok: true };
  if (skipped !== undefined) report.skipped = skipped;
  if (skipped !== undefined && precondition !== undefined) report.precondition = precondition;
  const first = earliest(candidates);
  if (first) {
    report.ok = false;
    report.violation = { message: first.message, atVt: first.atVt, evidence: first.evidence };
  }
  if (measurements) report.measurements = measurements;
  return report;
}

export function skippedReport(
  id: InvariantId,
  reason: string,
  measurements?: Record<string, number | number[]>,
  precondition?: Precondition,
): InvariantReport {
  return makeReport(id, [], measurements, reason, precondition);
}

function earliest(candidates: readonly Candidate[]): Candidate | undefined {
  let best: Candidate | undefined;
  for (const found of candidates) {
    if (!best || found.atVt < best.atVt || (found.atVt === best.atVt && found.order < best.order)) {
      best = found;
    }
  }
  return best;
}

/** At most `max` items of a list, as text: `3, 7, 9 and 4 more`. */
export function listText(items: readonly (string | number)[], max = 8): string {
  const shown = items.slice(0, max).map(String).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
