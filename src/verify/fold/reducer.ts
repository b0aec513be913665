import type { Scenario } from '../../scenario/types.js';
import type { ResolvedTimings, RunResult } from '../../sim/runResult.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import type { Candidate, InvariantId, InvariantReport } from '../checkers/types.js';
import type { RunFold } from './runFold.js';

/** What a checker knows before the first entry: the run's scenario and timings, and the fold it reads. */
export interface CheckContext {
  scenario: Scenario;
  timings: ResolvedTimings;
  fold: RunFold;
}

/** How the trace so far ends: the tables at that moment, its end, and when faults were healed (if so). */
export interface RunEnd {
  final: RunResult['final'];
  endedAt: number;
  healedAt: number | null;
}

/**
 * An invariant checker as a reducer over the fold, as TigerBeetle's state checker runs alongside the
 * cluster: `start` once, `step` for each settled entry in trace order (the fold has derived everything up
 * to and including it), `finish` for the report on the trace so far. What a checker can judge at the entry
 * where it breaks it keeps in `found` at once (a second live claim, two leaders in one term); what needs
 * the end of the run (nothing lost, a liveness bound, facts on the database clock, which a later skew
 * change can move) `finish` judges. `finish` reads the reducer's state and changes nothing, so it can be
 * called after any entry, as often as wanted.
 */
export interface InvariantReducer {
  readonly id: InvariantId;
  start(context: CheckContext): void;
  step(entry: TraceEntry): void;
  /** Violations judged at once, so far (each will be among the report's candidates). */
  readonly found: readonly Candidate[];
  finish(end: RunEnd): InvariantReport;
}
