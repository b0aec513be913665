import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scenarioArbitrary } from '../../src/scenario';
import { runScenario } from '../../src/sim/runScenario';
import type { RunResult } from '../../src/sim/runResult';
import { checkAll, RunChecker } from '../../src/verify';
import { RunBuilder } from './checkers/build';

/** The run cut after `length` entries, as the page would hand it to checkAll at that moment. */
function prefix(result: RunResult, length: number): RunResult {
  const trace = result.trace.slice(0, length);
  return { ...result, trace, endedAt: trace[trace.length - 1]?.vt ?? 0, healedAt: null };
}

describe('RunChecker: the checkers as reducers over one fold, fed as the run goes', () => {
  it('gives, after every chunk, the reports checkAll gives on that prefix', async () => {
    for (const scenario of fc.sample(scenarioArbitrary(), { numRuns: 4, seed: 11 })) {
      const result = await runScenario(scenario);
      const checker = new RunChecker(result.scenario, result.timings);
      const step = Math.max(1, Math.floor(result.trace.length / 25));
      for (let length = 0; length < result.trace.length;) {
        const chunk = result.trace.slice(length, length + step + (length % 3));
        checker.push(chunk);
        length += chunk.length;
        const cut = prefix(result, length);
        expect(checker.reports(cut)).toEqual(checkAll(cut));
      }
      expect(checker.finish(result)).toEqual(checkAll(result));
    }
  });

  it('reports a prefix whose last entries wait for later ones as a finished prefix would', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.enqueued(10, 'a', '1');
    run.claimed(20, 'a', '1', 1);
    run.action(30, { type: 'crash', server: 'a' }); // held: the next entry says whether it was refused
    run.process(30, 'a', 'processEnded', 'crash');
    run.database(6_000, 'b', { type: 'lockGranted', kind: 'transaction', waitedMs: 0 });
    run.reclaimed(6_001, 'b', '1', 'a'); // held: its transaction may roll back
    run.claimed(6_002, 'b', '1', 2);
    run.database(6_003, 'b', { type: 'lockReleased', outcome: 'rollback' });
    const result = run.build();
    const checker = new RunChecker(result.scenario, result.timings);
    result.trace.forEach((entry, index) => {
      checker.push(entry);
      const cut = prefix(result, index + 1);
      expect(checker.reports(cut)).toEqual(checkAll(cut));
    });
  });

  it('knows a violation at the entry that proves it: a second live claim, two leaders in one term', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.enqueued(10, 'a', '1');
    run.claimed(100, 'a', '1', 1);
    run.claimed(200, 'b', '1', 2);
    const completed = run.completed(5_000, 'a', '1', 1);
    run.elected(6_000, 'b', 1);
    const result = run.build();
    const checker = new RunChecker(result.scenario, result.timings);
    const violatedAt: number[] = [];
    let before = false;
    for (const entry of result.trace) {
      checker.push(entry);
      if (checker.violated && !before) violatedAt.push(entry.seq);
      before = checker.violated;
    }
    // The overlap is proven by a's completion; the second election of term 1 is a second violation.
    expect(violatedAt).toEqual([completed.seq]);
    const reports = checker.finish(result);
    expect(reports.map((report) => [report.id, report.ok])).toEqual([
      ['I1', false],
      ['I2', true],
      ['I3', false],
      ['I4', true],
      ['I5', true],
      ['I6', true],
      ['I8', true],
    ]);
  });
});
