import { describe, expect, it } from 'vitest';
import { checkFailoverBound, checkGracefulHandover } from '../../../src/verify/checkers';
import { RunBuilder, seqs } from './build';

// Timings of RunBuilder: heartbeat 1000 ms, leadership timeout 3000 ms: the failover bound is 4050 ms.

function leaderCrash(electedAt: number) {
  const run = new RunBuilder();
  run.elected(0, 'a', 1);
  run.heartbeat(1_000, 'a', 1);
  const lastBeat = run.heartbeat(2_000, 'a', 1);
  const crash = run.action(2_500, { type: 'crash', server: 'a' });
  run.process(2_500, 'a', 'processEnded', 'crash');
  const elected = run.elected(electedAt, 'b', 2);
  return { run, lastBeat, crash, elected };
}

describe('I5 failover bound', () => {
  it('passes a failover within the bound and measures it on the database clock', () => {
    const { run } = leaderCrash(5_001);
    run.skew = 0;
    const report = checkFailoverBound(run.build());
    expect(report).toMatchObject({ id: 'I5', ok: true });
    expect(report.skipped).toBeUndefined();
    expect(report.measurements?.failoverMs).toEqual([3_001]);
  });

  it('reports a slow failover with the measured delay', () => {
    const { run, lastBeat, crash, elected } = leaderCrash(7_000);
    const report = checkFailoverBound(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      'failover took 5000 ms after the crash of leader a (term 1) at 2500: b was elected (term 2) 5000 ms after the ' +
        'last heartbeat, over the bound of 4050 ms (leadership timeout 3000 + heartbeat interval 1000 + 50)',
    );
    expect(report.violation?.atVt).toBe(7_000);
    expect(seqs(report.violation?.evidence)).toEqual([lastBeat.seq, crash.seq, elected.seq]);
    expect(report.measurements?.failoverMs).toEqual([5_000]);
  });

  it('measures from the election when the leader never beat, and reports a failover that never came', () => {
    const run = new RunBuilder();
    const elected = run.elected(0, 'a', 1);
    const pause = run.action(500, { type: 'pause', server: 'a' });
    run.endedAt = 20_000;
    const report = checkFailoverBound(run.build());
    expect(report.violation?.message).toBe(
      'no new leader was elected after the pause of leader a (term 1) at 500, though the run went on 15950 ms past ' +
        'the bound of 4050 ms after its last heartbeat',
    );
    expect(report.violation?.atVt).toBe(4_050);
    expect(seqs(report.violation?.evidence)).toEqual([elected.seq, pause.seq]);
  });

  it('skips a loss when no other server could lead', () => {
    const { run } = leaderCrash(9_000);
    run.scenario.servers = [{ id: 'a' }, { id: 'b', withoutJobs: true }];
    const report = checkFailoverBound(run.build());
    expect(report.ok).toBe(true);
    expect(report.skipped).toMatch(/could be judged/);
    expect(report.measurements).toMatchObject({ failoverMs: [7_000], noCandidate: 1 });
  });

  it('measures nothing when a paused leader comes back and beats again', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.action(500, { type: 'pause', server: 'a' });
    run.action(700, { type: 'resume', server: 'a' });
    run.heartbeat(700, 'a', 1);
    const report = checkFailoverBound(run.build());
    expect(report.ok).toBe(true);
    expect(report.measurements).toMatchObject({ failoverMs: [], leaderCameBack: 1 });
  });

  it('counts a step-down as the loss, not the later crash of a server that no longer led', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.event(400, 'a', { type: 'steppedDown', term: 1, reason: 'heartbeat failed' });
    run.action(500, { type: 'crash', server: 'a' });
    run.elected(3_000, 'b', 2);
    const report = checkFailoverBound(run.build());
    expect(report).toMatchObject({ ok: true, measurements: { leaderLosses: 1, stepDowns: 1 } });
    expect(report.skipped).toBeUndefined();
  });
});

describe('I6 graceful handover', () => {
  function release(electedAt: number | null) {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.action(900, { type: 'stop', server: 'a' });
    const released = run.event(1_000, 'a', { type: 'released', term: 1 });
    const elected = electedAt === null ? undefined : run.elected(electedAt, 'b', 2);
    run.process(1_100, 'a', 'processEnded', 'stop');
    return { run, released, elected };
  }

  it('passes a handover within a second and measures it', () => {
    const report = checkGracefulHandover(release(1_200).run.build());
    expect(report).toMatchObject({ id: 'I6', ok: true, measurements: { handoverMs: [200] } });
  });

  it('reports a slow handover', () => {
    const { run, released, elected } = release(2_500);
    const report = checkGracefulHandover(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      'handover took 1500 ms: a released term 1 at 1000, b was elected (term 2) only at 2500, over the bound of 1000 ms',
    );
    expect(report.violation?.atVt).toBe(2_500);
    expect(seqs(report.violation?.evidence)).toEqual([released!.seq, elected!.seq]);
  });

  it('reports a handover that never came, unless no other server could lead', () => {
    const { run, released } = release(null);
    const report = checkGracefulHandover(run.build());
    expect(report.violation?.atVt).toBe(2_000);
    expect(report.violation?.message).toContain('no server was elected after a released term 1 at 1000');
    expect(seqs(report.violation?.evidence)).toEqual([released.seq]);

    const alone = release(null).run;
    alone.action(950, { type: 'pause', server: 'b' });
    expect(checkGracefulHandover(alone.build())).toMatchObject({
      ok: true,
      skipped: expect.stringMatching(/judged/),
    });
  });

  it('does not judge the release of a term another server had already taken over', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.elected(4_000, 'b', 2); // a's lease expired unnoticed
    run.action(4_900, { type: 'stop', server: 'a' });
    run.event(5_000, 'a', { type: 'released', term: 1 });
    const report = checkGracefulHandover(run.build());
    expect(report).toMatchObject({ ok: true, measurements: { releases: 1, supersededReleases: 1 } });
  });

  it('matches the handover by term even when its election was recorded before the release', () => {
    const run = new RunBuilder();
    run.elected(0, 'a', 1);
    run.action(900, { type: 'stop', server: 'a' });
    run.elected(1_001, 'b', 2, 1_000); // notified by the commit, its answer came first
    run.event(1_002, 'a', { type: 'released', term: 1 });
    const report = checkGracefulHandover(run.build());
    expect(report).toMatchObject({ ok: true, measurements: { handoverMs: [0], supersededReleases: 0 } });
  });
});
