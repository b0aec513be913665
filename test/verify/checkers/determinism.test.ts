import { describe, expect, it } from 'vitest';
import { checkAll, checkDeterminism } from '../../../src/verify/checkers';
import { RunBuilder, seqs } from './build';

function sample(claimBy: string) {
  const run = new RunBuilder();
  run.elected(0, 'a', 1);
  run.enqueued(10, 'a', '1');
  run.claimed(20, claimBy, '1', 1);
  run.completed(30, claimBy, '1', 1);
  run.row(1, 'completed');
  run.endedAt = 1_000; // before a's lease (3 s, never renewed here) runs out
  return run.build();
}

describe('I7 determinism', () => {
  it('passes two identical runs', () => {
    expect(checkDeterminism(sample('a'), sample('a'))).toMatchObject({ id: 'I7', ok: true });
  });

  it('reports the first entry that differs, with both versions', () => {
    const a = sample('a');
    const b = sample('b');
    const report = checkDeterminism(a, b);
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toMatch(
      /^the traces differ first at seq 2: \{.*"server":"a".*\} against \{.*"server":"b"/,
    );
    expect(report.violation?.atVt).toBe(20);
    expect(report.violation?.evidence).toEqual([a.trace[2], b.trace[2]]);
    expect(report.measurements?.firstDifferentSeq).toBe(2);
  });

  it('reports a trace that is longer than the other', () => {
    const a = sample('a');
    const b = { ...a, trace: a.trace.slice(0, 3) };
    const report = checkDeterminism(a, b);
    expect(report.violation?.message).toContain('differ in length (4 and 3 entries)');
    expect(seqs(report.violation?.evidence)).toEqual([3]);
  });
});

describe('checkAll', () => {
  it('runs I1 to I6 and I8 in order', () => {
    const reports = checkAll(sample('a'));
    expect(reports.map((report) => report.id)).toEqual(['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I8']);
    expect(reports.every((report) => report.ok)).toBe(true);
  });
});
