/**
 * I5 counts every way a leader stops leading (crash, its own death, pause, cut-off, a stop without a
 * release, a step-down) and judges the failover after each; a graceful release is I6's. Runs built by hand
 * (RunBuilder: heartbeat 1000 ms, leadership timeout 3000 ms, so the bound is 4050 ms).
 */
import { describe, expect, it } from 'vitest';
import { checkFailoverBound, checkGracefulHandover } from '../../src/verify/checkers';
import { RunBuilder, seqs } from './checkers/build';

describe('I5: every way a leader is lost', () => {
  it('counts a leader that dies by itself, and judges the failover after it', () => {
    const run = new RunBuilder();
    const elected = run.elected(0, 'a', 1);
    const crashed = run.event(100, 'a', { type: 'crashed', error: 'InvalidCronError: bad' });
    run.process(100, 'a', 'processEnded', 'crashed: InvalidCronError: bad');
    const late = run.elected(6_000, 'b', 2);
    const report = checkFailoverBound(run.build());
    expect(report.measurements).toMatchObject({ leaderLosses: 1, ownDeaths: 1, failoverMs: [6_000] });
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toMatch(
      /^failover took 6000 ms after the own death of leader a \(term 1\) at 100/,
    );
    expect(seqs(report.violation?.evidence)).toEqual([elected.seq, crashed.seq, late.seq]);
  });

  it('counts a step-down; the same server may be the one that takes over', () => {
    const run = new RunBuilder();
    run.scenario.servers = [{ id: 'a' }];
    run.elected(0, 'a', 1);
    run.heartbeat(1_000, 'a', 1);
    run.event(1_500, 'a', { type: 'steppedDown', term: 1, reason: 'heartbeat failed' });
    run.elected(4_200, 'a', 2);
    const report = checkFailoverBound(run.build());
    expect(report.skipped).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.measurements).toMatchObject({ leaderLosses: 1, stepDowns: 1, failoverMs: [3_200] });
  });

  it('fails a step-down that nobody followed within the bound', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.event(500, 'a', { type: 'steppedDown', term: 1, reason: 'heartbeat failed' });
    run.endedAt = 10_000;
    const report = checkFailoverBound(run.build());
    expect(report.violation?.message).toMatch(/^no new leader was elected after the step-down of leader a/);
    expect(report.violation?.atVt).toBe(4_050);
  });

  it('counts a stop that never released, and leaves a stop that released to I6', () => {
    const unreleased = new RunBuilder();
    unreleased.elected(0, 'a', 1);
    unreleased.action(500, { type: 'stop', server: 'a' });
    unreleased.process(1_500, 'a', 'processEnded', 'stop');
    unreleased.elected(5_000, 'b', 2);
    expect(checkFailoverBound(unreleased.build()).measurements).toMatchObject({
      leaderLosses: 1,
      unreleasedStops: 1,
      failoverMs: [5_000],
    });
    expect(checkFailoverBound(unreleased.build()).ok).toBe(false);

    const released = new RunBuilder();
    released.elected(0, 'a', 1);
    released.action(500, { type: 'stop', server: 'a' });
    // b is elected on the release's notification, recorded before a hears that its release was written.
    released.elected(503, 'b', 2);
    released.event(504, 'a', { type: 'released', term: 1 });
    released.process(505, 'a', 'processEnded', 'stop');
    const i5 = checkFailoverBound(released.build());
    expect(i5).toMatchObject({ ok: true, precondition: 'leaderLoss', measurements: { leaderLosses: 0 } });
    expect(i5.skipped).toBe(
      'no leader was lost (no crash, own death, pause, cut-off, stop without a release or step-down of a leader)',
    );
    expect(checkGracefulHandover(released.build()).measurements).toMatchObject({ handoverMs: [0] });
  });

  it('counts a second pause of a leader that came back from the first', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.action(500, { type: 'pause', server: 'a' });
    run.action(700, { type: 'resume', server: 'a' });
    run.heartbeat(1_000, 'a', 1);
    run.action(1_500, { type: 'pause', server: 'a' });
    run.elected(4_500, 'b', 2);
    const report = checkFailoverBound(run.build());
    expect(report.measurements).toMatchObject({ leaderLosses: 2, leaderCameBack: 1, failoverMs: [3_500] });
  });

  it('says which precondition a skipped check lacked', () => {
    const none = new RunBuilder();
    none.elected(0, 'a', 1);
    expect(checkFailoverBound(none.build())).toMatchObject({ ok: true, precondition: 'leaderLoss' });
    expect(checkGracefulHandover(none.build())).toMatchObject({
      ok: true,
      skipped: 'no leader released its lease (no graceful stop of a leader)',
      precondition: 'release',
    });

    const alone = new RunBuilder();
    alone.scenario.servers = [{ id: 'a' }];
    alone.elected(0, 'a', 1);
    alone.action(500, { type: 'crash', server: 'a' });
    alone.process(500, 'a', 'processEnded', 'crash');
    alone.action(600, { type: 'stop', server: 'b' });
    expect(checkFailoverBound(alone.build())).toMatchObject({ ok: true, precondition: 'judgeableLoss' });
  });
});
