import { describe, expect, it } from 'vitest';
import { checkNothingLost } from '../../../src/verify/checkers';
import { RunBuilder, seqs } from './build';

describe('I2 nothing lost', () => {
  it('is skipped on a run that did not heal', () => {
    const run = new RunBuilder();
    run.healedAt = null;
    run.enqueued(10, 'a', '1');
    const report = checkNothingLost(run.build());
    expect(report).toMatchObject({ id: 'I2', ok: true });
    expect(report.skipped).toMatch(/did not heal/);
  });

  it('passes when every job ended completed or dead', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    run.enqueued(10, 'a', '2');
    run.cronFired(1_000, 'a', 'work|* * * * * *|{}', 1_000, '3');
    run.row(1, 'completed');
    run.row(2, 'dead');
    run.row(3, 'completed', { scheduleKey: 'work|* * * * * *|{}', tickAt: 1_000, term: 1 });
    const report = checkNothingLost(run.build());
    expect(report.ok).toBe(true);
    expect(report.measurements).toMatchObject({ jobs: 3, completed: 2, dead: 1, lost: 0, unfinished: 0 });
  });

  it('reports a job deleted on claim (H8) whose server then crashed, lost when the process ended', () => {
    const run = new RunBuilder();
    const origin = run.enqueued(10, 'a', '1');
    run.enqueued(10, 'a', '2');
    const claim = run.claimed(20, 'b', '1', 1, null);
    run.action(500, { type: 'crash', server: 'b' });
    const ended = run.process(500, 'b', 'processEnded', 'crash');
    run.row(2, 'completed');
    const report = checkNothingLost(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      "1 job(s) lost: 1 (work, missing from distributedJobs; b's process ended (crash))",
    );
    expect(report.violation?.atVt).toBe(500);
    expect(seqs(report.violation?.evidence)).toEqual([origin.seq, claim.seq, ended.seq]);
  });

  it('reports a job dropped after a failure (H11) at the failure', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    run.claimed(20, 'a', '1', 1);
    const dropped = run.failed(30, 'a', '1', 1, 'dropped');
    const report = checkNothingLost(run.build());
    expect(report.violation?.message).toBe('1 job(s) lost: 1 (work, dropped after a failure)');
    expect(report.violation?.atVt).toBe(30);
    expect(seqs(report.violation?.evidence)).toEqual([0, 1, dropped.seq]);
  });

  it('reports rows still queued or claimed at the end, with how many and which', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    run.enqueued(10, 'a', '2');
    run.enqueued(10, 'a', '3');
    run.claimed(20, 'a', '3', 1);
    run.row(1, 'completed');
    run.row(2, 'queued');
    run.row(3, 'claimed', { claimedBy: 'a' });
    run.endedAt = 50_000;
    const report = checkNothingLost(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      '2 job(s) unfinished at the end of the run (queued: 2; claimed: 3), due before the last 1020 ms in which ' +
        'one attempt could still be under way; the oldest queued one became due 50000 ms before the end',
    );
    expect(report.violation?.atVt).toBe(50_000);
    expect(report.measurements).toMatchObject({ unfinished: 2, lost: 0 });
  });

  it('follows a job re-inserted under a new id after a failure of a claim without token (H8)', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', '1');
    run.claimed(20, 'b', '1', 1, null);
    run.failed(30, 'b', '1', 1, 'retry');
    run.claimed(2_000, 'a', '5', 2, null);
    run.completed(2_100, 'a', '5', 2);
    const ok = checkNothingLost(run.build());
    expect(ok.ok).toBe(true);

    const gone = new RunBuilder();
    gone.enqueued(10, 'a', '1');
    gone.claimed(20, 'b', '1', 1, null);
    gone.failed(30, 'b', '1', 1, 'retry');
    gone.row(5, 'queued', { enqueuedBy: 'b', attempts: 1, createdAt: 30 });
    gone.endedAt = 100_000;
    const report = checkNothingLost(gone.build());
    expect(report.violation?.message).toBe(
      '1 job(s) unfinished at the end of the run (queued: 5), due before the last 1020 ms in which one attempt ' +
        'could still be under way; the oldest queued one became due 99970 ms before the end',
    );
    expect(report.measurements).toMatchObject({ carriedByNewRows: 1, lost: 0 });
  });

  it('reports a job left in the memory of a server that crashed (H10), and accepts one moved to the table', () => {
    const run = new RunBuilder();
    run.enqueued(10, 'a', 'local-1', 'local');
    const kept = run.enqueued(11, 'a', 'local-2', 'local');
    run.row(7, 'completed', { enqueuedBy: 'a' }); // local-1 moved to the table by the election tick
    const ended = run.process(900, 'a', 'processEnded', 'crash');
    const report = checkNothingLost(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      "1 job(s) lost: local-2@a (work, never left the memory of its server; a's process ended (crash))",
    );
    expect(report.violation?.atVt).toBe(900);
    expect(seqs(report.violation?.evidence)).toEqual([kept.seq, ended.seq]);
  });

  it("reports a job still waiting in a live server's memory, unless it came at the very end", () => {
    const run = new RunBuilder();
    run.scenario.mode = 'single';
    run.enqueued(10, 'a', 'job-1', 'local');
    run.endedAt = 100_000;
    const report = checkNothingLost(run.build());
    expect(report.violation?.message).toBe(
      "1 job(s) still waiting in a server's memory at the end of the run: job-1@a",
    );
    expect(report.violation?.atVt).toBe(100_000);

    const late = new RunBuilder();
    late.scenario.mode = 'single';
    late.enqueued(99_990, 'a', 'job-1', 'local');
    late.endedAt = 100_000;
    expect(checkNothingLost(late.build()).ok).toBe(true);
  });
});
