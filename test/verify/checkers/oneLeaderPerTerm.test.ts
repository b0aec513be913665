import { describe, expect, it } from 'vitest';
import { checkOneLeaderPerTerm } from '../../../src/verify/checkers';
import { RunBuilder, seqs } from './build';

const KEY = 'work|* * * * * *|{}';

describe('I3 one leader per term', () => {
  it('passes a failover with growing terms and measures the elections', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.heartbeat(1_000, 'a', 1);
    run.cronFired(1_000, 'a', KEY, 1_000, '1', 1);
    run.action(1_500, { type: 'crash', server: 'a' });
    run.process(1_500, 'a', 'processEnded', 'crash');
    run.elected(4_001, 'b', 2);
    run.cronFired(5_000, 'b', KEY, 5_000, '2', 2);
    run.row(1, 'completed', { scheduleKey: KEY, tickAt: 1_000, term: 1, createdAt: 1_000 });
    run.row(2, 'completed', { scheduleKey: KEY, tickAt: 5_000, term: 2, createdAt: 5_000, enqueuedBy: 'b' });
    run.endedAt = 5_000; // b's lease, read at 4001, is still valid
    const report = checkOneLeaderPerTerm(run.build());
    expect(report).toMatchObject({ id: 'I3', ok: true, measurements: { elections: 2, maxTerm: 2 } });
  });

  it('reports two leaders in one term', () => {
    const run = new RunBuilder();
    const first = run.elected(0, 'a', 1);
    const second = run.elected(700, 'b', 1);
    const report = checkOneLeaderPerTerm(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe('two leaders in term 1: a (elected at 0) and b (elected at 700)');
    expect(report.violation?.atVt).toBe(700);
    expect(seqs(report.violation?.evidence)).toEqual([first.seq, second.seq]);
  });

  it('reports a term that went backwards, but not an election whose answer merely arrived late', () => {
    const run = new RunBuilder();
    const higher = run.elected(100, 'a', 2);
    const lower = run.elected(200, 'b', 1, 150);
    const report = checkOneLeaderPerTerm(run.build());
    expect(report.violation?.message).toBe(
      'terms went backwards: b elected in term 1 at 200, after a was elected in term 2 at 100',
    );
    expect(report.violation?.atVt).toBe(200);
    expect(seqs(report.violation?.evidence)).toEqual([higher.seq, lower.seq]);

    const late = new RunBuilder();
    late.elected(100, 'a', 2, 90);
    late.event(3_000, 'a', { type: 'steppedDown', term: 2, reason: 'lost the lease' });
    late.elected(5_000, 'b', 1, 50); // read the lease at 50, its answer held by a pause
    late.endedAt = 5_000;
    expect(checkOneLeaderPerTerm(late.build()).ok).toBe(true);
  });

  it('reports a row written under an old term after a newer term began', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    const newer = run.elected(4_000, 'b', 2, 3_990);
    // a learns at its next heartbeat, within the slack I3 allows; b's lease is valid to the end.
    run.event(4_000, 'a', { type: 'steppedDown', term: 1, reason: 'lost the lease' });
    run.row(1, 'queued', { scheduleKey: KEY, tickAt: 4_000, term: 1, createdAt: 4_500 });
    run.endedAt = 4_500;
    const report = checkOneLeaderPerTerm(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      'distributedJobs row 1 was written under term 1 at database time 4500, after term 2 began (b elected at database time 3990)',
    );
    expect(report.violation?.atVt).toBe(4_500);
    expect(seqs(report.violation?.evidence)).toEqual([newer.seq]);
  });

  it('reports a scheduled job without a term written by a deposed leader (H4), judged on the database clock', () => {
    const run = new RunBuilder();
    run.skew = 100_000;
    run.elected(0, 'a', 1);
    run.action(500, { type: 'pause', server: 'a' });
    const newer = run.elected(4_000, 'b', 2);
    run.action(6_000, { type: 'resume', server: 'a' });
    const stale = run.cronFired(6_000, 'a', KEY, 106_000, '1', 1);
    run.row(1, 'queued', {
      scheduleKey: KEY,
      tickAt: 106_000,
      term: null,
      createdAt: 105_999,
      enqueuedBy: 'a',
    });
    const report = checkOneLeaderPerTerm(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      `a wrote scheduled job 1 (${KEY}, tick 106000) without a term at database time 105999, after its term 1 ended: ` +
        'term 2 began at database time 104000 (b)',
    );
    expect(report.violation?.atVt).toBe(5_999);
    expect(seqs(report.violation?.evidence)).toEqual([0, newer.seq, stale.seq]);
  });

  it('reports a heartbeat under an old term that provably ran after the newer term began', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.heartbeat(1_000, 'a', 1); // its lease is valid until 4000
    const newer = run.elected(4_000, 'b', 2);
    const beat = run.heartbeat(4_200, 'a', 1);
    run.event(4_300, 'a', { type: 'steppedDown', term: 1, reason: 'lost the lease' });
    run.endedAt = 4_300;
    const report = checkOneLeaderPerTerm(run.build());
    expect(report.violation?.message).toBe(
      'a wrote a heartbeat under term 1 at 4200, after term 2 began (b elected at 4000)',
    );
    expect(report.violation?.atVt).toBe(4_200);
    expect(seqs(report.violation?.evidence)).toEqual([newer.seq, beat.seq]);
  });

  it('does not blame a heartbeat whose answer a pause held until after the newer term', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.action(1_001, { type: 'pause', server: 'a' });
    run.elected(4_002, 'b', 2);
    run.action(6_000, { type: 'resume', server: 'a' });
    run.heartbeat(6_000, 'a', 1); // written at 1000, just before the pause
    run.event(6_500, 'a', { type: 'steppedDown', term: 1, reason: 'lost the lease' }); // its next heartbeat
    run.endedAt = 6_500;
    expect(checkOneLeaderPerTerm(run.build()).ok).toBe(true);
  });
});
