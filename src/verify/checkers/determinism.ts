import type { RunResult } from '../../sim/runResult.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import { candidate, makeReport, type InvariantReport } from './types.js';

/**
 * I7 determinism: two runs of one scenario and seed give the same trace, entry by entry as JSON lines
 * (the format of `Trace.toJson`), and the same final tables. The violation names the first entry that
 * differs, with both versions as evidence (the missing one left out when a trace is shorter).
 */
export function checkDeterminism(a: RunResult, b: RunResult): InvariantReport {
  const measurements = { entriesA: a.trace.length, entriesB: b.trace.length };
  const length = Math.max(a.trace.length, b.trace.length);
  for (let i = 0; i < length; i++) {
    const left = a.trace[i];
    const right = b.trace[i];
    const leftJson = left === undefined ? undefined : JSON.stringify(left);
    const rightJson = right === undefined ? undefined : JSON.stringify(right);
    if (leftJson === rightJson) continue;
    const seq = (left ?? right)!.seq;
    const message =
      left === undefined || right === undefined
        ? `the traces differ in length (${a.trace.length} and ${b.trace.length} entries); the first extra entry is seq ${seq}`
        : `the traces differ first at seq ${seq}: ${leftJson} against ${rightJson}`;
    const atVt = Math.min(left?.vt ?? Infinity, right?.vt ?? Infinity);
    const found = candidate(message, atVt, []);
    found.evidence = [left, right].filter((entry): entry is TraceEntry => entry !== undefined);
    return makeReport('I7', [found], { ...measurements, firstDifferentSeq: seq });
  }
  for (const table of Object.keys(a.final) as (keyof RunResult['final'])[]) {
    const left = JSON.stringify(a.final[table]);
    const right = JSON.stringify(b.final[table]);
    if (left === right) continue;
    return makeReport(
      'I7',
      [
        candidate(
          `the traces agree but the final ${table} tables differ`,
          Math.max(a.endedAt, b.endedAt),
          [],
        ),
      ],
      measurements,
    );
  }
  if (a.seed !== b.seed || JSON.stringify(a.scenario) !== JSON.stringify(b.scenario)) {
    return makeReport(
      'I7',
      [],
      measurements,
      'the two runs are not of the same scenario and seed',
      'sameRun',
    );
  }
  return makeReport('I7', [], measurements);
}
