import { describe, expect, it } from 'vitest';
import { checkExactlyOnceClaim } from '../../../src/verify/checkers';
import { RunBuilder, seqs } from './build';

describe('I1 exactly-once claim', () => {
  it('passes retries, a reclaim after a crash, and a completion from the current claim', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    run.claimed(20, 'a', '1', 1);
    run.failed(30, 'a', '1', 1, 'retry');
    run.claimed(1_030, 'b', '1', 2);
    run.action(1_500, { type: 'crash', server: 'b' });
    run.process(1_500, 'b', 'processEnded', 'crash');
    run.database(7_000, 'a', { type: 'lockGranted', kind: 'transaction', waitedMs: 0 });
    run.reclaimed(7_001, 'a', '1', 'b');
    run.database(7_003, 'a', { type: 'lockReleased', outcome: 'commit' });
    run.claimed(7_005, 'a', '1', 3);
    run.completed(7_100, 'a', '1', 3);
    const report = checkExactlyOnceClaim(run.build());
    expect(report).toMatchObject({ id: 'I1', ok: true });
    expect(report.violation).toBeUndefined();
    expect(report.measurements).toMatchObject({ claims: 3, jobs: 1, unprovenOverlaps: 0 });
  });

  it('reports a second claim while the first one is live, with both claims as evidence', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    const first = run.claimed(100, 'a', '1', 1);
    const second = run.claimed(200, 'b', '1', 2);
    const done = run.completed(5_000, 'a', '1', 1);
    const report = checkExactlyOnceClaim(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.atVt).toBe(200);
    expect(report.violation?.message).toContain('job 1 claimed by b (attempt 2');
    expect(report.violation?.message).toContain("while a's claim (attempt 1");
    expect(seqs(report.violation?.evidence)).toEqual([first.seq, second.seq, done.seq]);
  });

  it('reports a completion accepted from a claim that was reclaimed and claimed again', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    const stale = run.claimed(100, 'a', '1', 1);
    run.action(150, { type: 'pause', server: 'a' });
    run.reclaimed(6_000, 'b', '1', 'a');
    const current = run.claimed(6_002, 'b', '1', 2);
    run.action(7_000, { type: 'resume', server: 'a' });
    const accepted = run.completed(7_001, 'a', '1', 1);
    run.completed(7_050, 'b', '1', 2);
    const report = checkExactlyOnceClaim(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.atVt).toBe(7_001);
    expect(report.violation?.message).toBe(
      'job 1: completion accepted from a attempt 1, which is not the current claim (the current claim is b attempt 2, token b:claim/1/2)',
    );
    expect(seqs(report.violation?.evidence)).toEqual([stale.seq, current.seq, accepted.seq]);
  });

  it('accepts a rejected completion from a reclaimed claim', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    run.claimed(100, 'a', '1', 1);
    run.action(150, { type: 'pause', server: 'a' });
    run.reclaimed(6_000, 'b', '1', 'a');
    run.claimed(6_002, 'b', '1', 2);
    run.action(7_000, { type: 'resume', server: 'a' });
    run.event(7_001, 'a', { type: 'completionRejected', jobId: '1', jobName: 'work', attempt: 1 });
    run.completed(7_050, 'b', '1', 2);
    expect(checkExactlyOnceClaim(run.build()).ok).toBe(true);
  });

  it('reports a completion after a reclaim, and ignores a reclaim whose transaction was rolled back', () => {
    const committed = new RunBuilder();
    committed.enqueued(10, 'a', '1');
    committed.claimed(100, 'a', '1', 1);
    const reclaim = committed.reclaimed(6_000, 'b', '1', 'a');
    committed.database(6_001, 'b', { type: 'lockReleased', outcome: 'commit' });
    const late = committed.completed(6_500, 'a', '1', 1);
    const report = checkExactlyOnceClaim(committed.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toContain('after its claim was reclaimed at 6000');
    expect(report.violation?.atVt).toBe(6_500);
    expect(seqs(report.violation?.evidence)).toEqual([1, reclaim.seq, late.seq]);

    const rolledBack = new RunBuilder();
    rolledBack.enqueued(10, 'a', '1');
    rolledBack.claimed(100, 'a', '1', 1);
    rolledBack.reclaimed(6_000, 'b', '1', 'a');
    rolledBack.database(6_001, 'b', { type: 'rolledBack', reason: 'b cut off from the database' });
    rolledBack.completed(6_500, 'a', '1', 1);
    expect(checkExactlyOnceClaim(rolledBack.build()).ok).toBe(true);
  });

  it('accepts a failure recorded late because a pause held its answer, and counts it as unproven', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    run.claimed(100, 'a', '1', 1);
    run.action(150, { type: 'pause', server: 'a' });
    run.claimed(3_000, 'b', '1', 2);
    run.action(4_990, { type: 'resume', server: 'a' });
    run.failed(4_990, 'a', '1', 1, 'retry');
    run.completed(5_000, 'b', '1', 2);
    const report = checkExactlyOnceClaim(run.build());
    expect(report.ok).toBe(true);
    expect(report.measurements?.unprovenOverlaps).toBe(1);
  });

  it('reports a failure recorded long after the second claim when nothing held its answer', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    const first = run.claimed(100, 'a', '1', 1);
    const second = run.claimed(3_000, 'b', '1', 2);
    const gaveBack = run.failed(4_990, 'a', '1', 1, 'retry');
    const report = checkExactlyOnceClaim(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.atVt).toBe(3_000);
    expect(report.violation?.message).toContain('a gave it back (failed, retry) only at 4990');
    expect(seqs(report.violation?.evidence)).toEqual([first.seq, second.seq, gaveBack.seq]);
  });

  it('reports an attempt claimed twice on a job no fault touched', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    const once = run.claimed(100, 'a', '1', 1);
    run.failed(200, 'a', '1', 1, 'retry');
    const twice = run.claimed(2_000, 'b', '1', 1);
    run.completed(2_100, 'b', '1', 1);
    const report = checkExactlyOnceClaim(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      'job 1: attempt 1 claimed twice (by a, then by b), though no claim of it was ever disturbed',
    );
    expect(report.violation?.atVt).toBe(2_000);
    expect(seqs(report.violation?.evidence)).toEqual([once.seq, twice.seq]);
  });

  it('does not count attempts of a job whose holder crashed while holding it', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    run.claimed(100, 'a', '1', 1);
    run.action(150, { type: 'crash', server: 'a' });
    run.process(150, 'a', 'processEnded', 'crash');
    // a's failure (attempt 1, retry) went in just before the crash, unanswered: b claims attempt 2 without a reclaim.
    run.claimed(2_000, 'b', '1', 2);
    run.completed(2_100, 'b', '1', 2);
    const report = checkExactlyOnceClaim(run.build());
    expect(report.ok).toBe(true);
    expect(report.measurements).toMatchObject({ unprovenOverlaps: 1, disturbedJobs: 1 });
  });

  it('keeps local jobs of different servers apart', () => {
    const run = new RunBuilder();
    run.scenario.mode = 'single';
    run.enqueued(10, 'a', 'job-1', 'local');
    run.enqueued(10, 'b', 'job-1', 'local');
    run.claimed(20, 'a', 'job-1', 1, null);
    run.claimed(20, 'b', 'job-1', 1, null);
    run.completed(30, 'a', 'job-1', 1);
    run.completed(30, 'b', 'job-1', 1);
    expect(checkExactlyOnceClaim(run.build()).ok).toBe(true);
  });

  it('reports a second claim while the holder still lived, even if the holder later crashed', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    const first = run.claimed(100, 'a', '1', 1);
    const second = run.claimed(2_000, 'b', '1', 2);
    run.action(9_000, { type: 'crash', server: 'a' });
    const ended = run.process(9_000, 'a', 'processEnded', 'crash');
    const report = checkExactlyOnceClaim(run.build());
    expect(report.violation?.message).toContain('a still held it and its process ended later, at 9000');
    expect(report.violation?.atVt).toBe(2_000);
    expect(seqs(report.violation?.evidence)).toEqual([first.seq, second.seq, ended.seq]);
  });
});
