import type { Scenario } from '../../scenario/types.js';
import type { ResolvedTimings, RunResult } from '../../sim/runResult.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import { TITLES, type InvariantId, type InvariantReport } from '../checkers/types.js';
import type { InvariantReducer, RunEnd } from './reducer.js';
import { RunFold } from './runFold.js';

/**
 * Reducers fed a run's trace as it grows, over one fold that derives what they share (RunChecker, in
 * ../runChecker.ts, is this with the checkers I1-I6 and I8). Push entries as they come; ask for `reports` of the
 * trace so far at any time, and `violated` says at once when a reducer has judged a violation on the
 * entries so far.
 */
export class FoldRunner {
  private fold: RunFold;
  private reducers: InvariantReducer[];

  constructor(
    readonly scenario: Scenario,
    readonly timings: ResolvedTimings,
    private readonly make: () => InvariantReducer[],
  ) {
    ({ fold: this.fold, reducers: this.reducers } = this.fresh());
  }

  /** Entries that follow those pushed before, in trace order. */
  push(entries: readonly TraceEntry[] | TraceEntry): void {
    if (!Array.isArray(entries)) return this.fold.push(entries as TraceEntry);
    for (const entry of entries as readonly TraceEntry[]) this.fold.push(entry);
  }

  /** How many entries have been pushed. */
  get length(): number {
    return this.fold.trace.length;
  }

  /** Whether some checker has already judged a violation on the entries settled so far. */
  get violated(): boolean {
    return this.reducers.some((reducer) => reducer.found.length > 0);
  }

  /** The checkers that have already judged a violation on the entries settled so far. */
  violations(): InvariantId[] {
    return this.reducers.filter((reducer) => reducer.found.length > 0).map((reducer) => reducer.id);
  }

  /**
   * The reports (I1-I6 and I8, in order) on the trace so far, ending as `end` says. The fold may hold the last
   * few entries back (an action until the next entry says whether it was refused, a reclaim until its
   * transaction ends); then these reports are those of a fresh fold over the same entries, finished
   * there, so that a prefix gets exactly the verdicts a finished run of that prefix would.
   */
  reports(end: RunEnd): InvariantReport[] {
    if (this.fold.unsettled === 0) return this.finishAll(this.reducers, end);
    const { fold, reducers } = this.fresh();
    for (const entry of this.fold.trace) fold.push(entry);
    fold.finish();
    return this.finishAll(reducers, end);
  }

  /** The trace is complete: settle what the fold held back, and report. */
  finish(end: RunEnd): InvariantReport[] {
    this.fold.finish();
    return this.finishAll(this.reducers, end);
  }

  private fresh(): { fold: RunFold; reducers: InvariantReducer[] } {
    const fold = new RunFold(this.scenario);
    const reducers = this.make();
    const context = { scenario: this.scenario, timings: this.timings, fold };
    for (const reducer of reducers) reducer.start(context);
    let stepping = [...reducers];
    fold.onSettled((entry) => {
      for (const reducer of stepping) {
        try {
          reducer.step(entry);
        } catch (error) {
          broken.set(reducer, error);
          stepping = stepping.filter((other) => other !== reducer);
        }
      }
    });
    return { fold, reducers };
  }

  private finishAll(reducers: readonly InvariantReducer[], end: RunEnd): InvariantReport[] {
    return reducers.map((reducer) => finishSafely(reducer, end));
  }
}

/** Reducers whose `step` threw, with what it threw: they step no more, and report it. */
const broken = new WeakMap<InvariantReducer, unknown>();

/** A checker that throws is reported as a failed check, not as a crash. */
function finishSafely(reducer: InvariantReducer, end: RunEnd): InvariantReport {
  if (broken.has(reducer)) return failedCheck(reducer.id, broken.get(reducer), end.endedAt);
  try {
    return reducer.finish(end);
  } catch (error) {
    return failedCheck(reducer.id, error, end.endedAt);
  }
}

export function failedCheck(id: InvariantId, error: unknown, atVt: number): InvariantReport {
  return {
    id,
    title: TITLES[id],
    ok: false,
    violation: {
      message: `the ${id} checker itself failed: ${error instanceof Error ? error.message : String(error)}`,
      atVt,
      evidence: [],
    },
  };
}

/** One reducer over a finished run. */
export function checkWith(reducer: InvariantReducer, result: RunResult): InvariantReport {
  const checker = new FoldRunner(result.scenario, result.timings, () => [reducer]);
  checker.push(result.trace);
  return checker.finish(result)[0]!;
}
