/**
 * I8 leadership liveness on runs built by hand (RunBuilder: heartbeat 1000 ms, leadership timeout 3000 ms,
 * so the bound is 4050 ms). What the leaderless time is, from when it is judged, what a database clock set
 * back excuses, and the cluster that dies out by itself.
 */
import { describe, expect, it } from 'vitest';
import { checkLeadershipLiveness } from '../../src/verify/checkers';
import { RunBuilder, seqs } from './checkers/build';

describe('I8 leadership liveness', () => {
  it('holds when a leader is elected within the bound after the heal, and measures the leaderless time', () => {
    const run = new RunBuilder();
    run.process(0, 'a', 'processStarted', 'start');
    run.process(0, 'b', 'processStarted', 'start');
    run.elected(10, 'a', 1);
    run.heartbeat(1_000, 'a', 1);
    run.action(1_500, { type: 'crash', server: 'a' });
    run.process(1_500, 'a', 'processEnded', 'crash');
    run.healedAt = 2_000;
    run.action(2_000, { type: 'restart', server: 'a' });
    run.process(2_000, 'a', 'processStarted', 'restart', 2);
    run.elected(4_500, 'b', 2);
    run.endedAt = 20_000;
    const report = checkLeadershipLiveness(run.build());
    expect(report).toMatchObject({ id: 'I8', title: 'leadership liveness', ok: true });
    expect(report.skipped).toBeUndefined();
    // Leaderless while b could lead: 0-10 ms before the first election, and 1500-4500 ms.
    expect(report.measurements).toEqual({
      leaderlessMs: 3_010,
      longestLeaderlessMs: 3_000,
      leaderlessAfterFaultsMs: 2_500,
      boundMs: 4_050,
    });
  });

  it('fails when nobody leads again after the heal though a server could', () => {
    const run = new RunBuilder();
    const elected = run.elected(10, 'a', 1);
    const stop = run.action(1_000, { type: 'stop', server: 'a' });
    const released = run.event(1_001, 'a', { type: 'released', term: 1 });
    run.process(1_001, 'a', 'processEnded', 'stop');
    run.healedAt = 2_000;
    run.endedAt = 30_000;
    const report = checkLeadershipLiveness(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      'nobody led once the faults ended at 2000, though b could lead (running with jobs, not paused or cut off): ' +
        'nobody led again before the run ended at 30000, 28000 ms later, over the bound of 4050 ms (leadership ' +
        'timeout 3000 + heartbeat interval 1000 + 50)',
    );
    expect(report.violation?.atVt).toBe(6_050);
    expect(seqs(report.violation?.evidence)).toEqual([elected.seq, stop.seq, released.seq]);
    expect(report.measurements).toMatchObject({ leaderlessAfterFaultsMs: 28_000 });
  });

  it('fails a leaderless stretch after the faults that ends too late, at the moment the bound ran out', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.healedAt = 1_000;
    run.event(2_000, 'a', { type: 'steppedDown', term: 1, reason: 'heartbeat failed' });
    const late = run.elected(9_000, 'b', 2);
    run.endedAt = 20_000;
    const report = checkLeadershipLiveness(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toMatch(
      /^nobody led from 2000 \(the faults ended at 1000\), though a could lead .*: b was elected \(term 2\) only at 9000, 7000 ms later/,
    );
    expect(report.violation?.atVt).toBe(6_050);
    expect(seqs(report.violation?.evidence)).toContain(late.seq);
  });

  it('judges only after the faults: a long failover during them is I5s', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.action(1_000, { type: 'crash', server: 'a' });
    run.process(1_000, 'a', 'processEnded', 'crash');
    run.elected(9_000, 'b', 2);
    run.healedAt = 10_000;
    run.endedAt = 30_000;
    const report = checkLeadershipLiveness(run.build());
    expect(report.ok).toBe(true);
    expect(report.measurements).toMatchObject({ leaderlessMs: 8_000, leaderlessAfterFaultsMs: 0 });
  });

  it('without a heal, judges from the last fault action', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.action(1_000, { type: 'pause', server: 'a' });
    run.action(5_000, { type: 'resume', server: 'a' });
    run.event(5_001, 'a', { type: 'steppedDown', term: 1, reason: 'lease expired' });
    run.healedAt = null;
    run.endedAt = 30_000;
    const report = checkLeadershipLiveness(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toMatch(/^nobody led from 5001 \(the faults ended at 5000\)/);
    expect(report.violation?.atVt).toBe(9_051);
  });

  it('allows for a lease that a database clock set back made last longer', () => {
    const excused = (skewMs: number) => {
      const run = new RunBuilder();
      run.elected(0, 'a', 1);
      run.heartbeat(1_000, 'a', 1);
      run.action(1_500, { type: 'crash', server: 'a' });
      run.process(1_500, 'a', 'processEnded', 'crash');
      run.action(1_600, { type: 'setDatabaseSkew', skewMs });
      run.skew = skewMs;
      run.healedAt = 2_000;
      // The lease (renewed at database time 1000) expires at database time 4000: virtual 4000 - skew.
      run.elected(9_500, 'b', 2);
      run.endedAt = 30_000;
      return checkLeadershipLiveness(run.build());
    };
    // Set back 5 s: the lease ran until virtual 9000, and b took over within one interval of that.
    expect(excused(-5_000).ok).toBe(true);
    // No set-back: b was elected 7500 ms after the heal, over the bound.
    const late = excused(0);
    expect(late.ok).toBe(false);
    expect(late.violation?.atVt).toBe(6_050);
  });

  it('does not excuse a lease that was released', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.heartbeat(1_000, 'a', 1);
    run.action(1_100, { type: 'setDatabaseSkew', skewMs: -5_000 });
    run.skew = -5_000;
    run.action(1_500, { type: 'stop', server: 'a' });
    run.event(1_501, 'a', { type: 'released', term: 1 });
    run.process(1_501, 'a', 'processEnded', 'stop');
    run.healedAt = 2_000;
    run.elected(9_500, 'b', 2);
    run.endedAt = 30_000;
    const report = checkLeadershipLiveness(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.atVt).toBe(6_050);
  });

  it('fails a cluster that dies out by itself, with a message of its own', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    const aCrashed = run.event(100, 'a', { type: 'crashed', error: 'InvalidCronError: bad' });
    const aEnded = run.process(100, 'a', 'processEnded', 'crashed: InvalidCronError: bad');
    run.elected(3_100, 'b', 2);
    const bCrashed = run.event(3_200, 'b', { type: 'crashed', error: 'InvalidCronError: bad' });
    const bEnded = run.process(3_200, 'b', 'processEnded', 'crashed: InvalidCronError: bad');
    run.endedAt = 30_000;
    const report = checkLeadershipLiveness(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      'no server is left up: a, b died by themselves (InvalidCronError: bad); the last went down at 3200, ' +
        'and nothing could lead or run jobs from then on',
    );
    expect(report.violation?.atVt).toBe(3_200);
    expect(seqs(report.violation?.evidence)).toEqual([aCrashed.seq, aEnded.seq, bCrashed.seq, bEnded.seq]);
  });

  it('names the servers the scenario took down when one died by itself', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.action(100, { type: 'crash', server: 'b' });
    run.process(100, 'b', 'processEnded', 'crash');
    run.event(200, 'a', { type: 'crashed', error: 'boom' });
    run.process(200, 'a', 'processEnded', 'crashed: boom');
    run.healedAt = null;
    const report = checkLeadershipLiveness(run.build());
    expect(report.violation?.message).toMatch(
      /^no server is left up: a died by itself \(boom\), and b crashed or stopped by the scenario;/,
    );
  });

  it('skips a run whose scenario took every server down on purpose and did not heal', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.action(1_000, { type: 'crash', server: 'a' });
    run.process(1_000, 'a', 'processEnded', 'crash');
    run.action(1_000, { type: 'stop', server: 'b' });
    run.process(1_010, 'b', 'processEnded', 'stop');
    run.healedAt = null;
    run.endedAt = 30_000;
    const report = checkLeadershipLiveness(run.build());
    expect(report).toMatchObject({ ok: true, precondition: 'candidateAfterFaults' });
    expect(report.skipped).toMatch(/^no server could lead after the faults ended at 1000/);
  });

  it('skips a run that ended before the bound after the faults, and single-server mode', () => {
    const run = new RunBuilder();
    run.healedAt = 0;
    run.process(0, 'a', 'processStarted', 'start');
    run.endedAt = 3_000;
    expect(checkLeadershipLiveness(run.build())).toMatchObject({ ok: true, precondition: 'timeAfterFaults' });
    run.scenario = { ...run.scenario, mode: 'single' };
    expect(checkLeadershipLiveness(run.build())).toMatchObject({
      ok: true,
      skipped: 'single-server mode: no leader election',
      precondition: 'leaderElection',
    });
  });
});
