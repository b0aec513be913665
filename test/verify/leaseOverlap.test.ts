import { describe, expect, it } from 'vitest';
import { checkOneLeaderPerTerm } from '../../src/verify/checkers';
import { RunBuilder } from './checkers/build';
import { events, measured, runAndCheck, safetyScenario } from './safetySupport';

/**
 * I3 judges leadership on the database clock: a server acting as leader (leading, not paused or cut off)
 * while the lease, as the database judges it, names another server or has expired, for longer than a
 * leader needs to learn it lost (one heartbeat interval and its answer), or at all when its own write left
 * the lease already expired. Fencing keeps such an overlap harmless, and the report says both.
 */
describe('I3 one leader at a database instant', () => {
  it('fails with H2: b, 20 s behind, takes a lease that is already expired and leads beside a for 5 s', async () => {
    const { result, report } = await runAndCheck(safetyScenario('h2-two-leaders'));
    // The precondition: b was elected first, a took over at once, and b stepped down only at its next heartbeat.
    const [first, second] = events(result, 'elected');
    expect([first?.server, second?.server]).toEqual(['b', 'a']);
    const stepDown = events(result, 'steppedDown', 'b')[0]!;
    expect(stepDown.vt - first!.vt).toBeGreaterThan(4_900);

    const i3 = report('I3');
    expect(i3.ok).toBe(false);
    expect(i3.violation?.message).toMatch(
      /^b acted as leader \(term 1\) for 50\d\d ms from \d+ while the lease, as the database judged it, had expired, and from \d+ named a; its own write at \d+ left the lease already expired, so it never held it/,
    );
    expect(i3.violation?.message).toMatch(/Fencing refused 0 of its writes, 0 landed$/);
    expect(i3.violation?.atVt).toBeLessThan(first!.vt + 10);
    expect(measured(i3, 'twoLeaderOverlaps')).toBe(1);
    expect(measured(i3, 'longestLeaseOverlapMs')).toBeGreaterThan(4_900);
  });

  it('passes the same run without H2, with no overlap at all', async () => {
    const { report } = await runAndCheck(safetyScenario('h2-two-leaders', (s) => delete s.hazards));
    const i3 = report('I3');
    expect(i3.ok).toBe(true);
    expect(measured(i3, 'leaseOverlaps')).toBe(0);
  });

  it('measures the overlap a database clock jump causes, within the slack, and that fencing refused the old leader', async () => {
    const { result, report } = await runAndCheck(safetyScenario('database-clock-jump'));
    // The precondition: b took the lease over after the jump, while a still led.
    const takeover = events(result, 'elected', 'b')[0]!;
    expect(takeover.vt).toBeGreaterThan(12_000);
    expect(events(result, 'steppedDown', 'a')[0]!.vt).toBeGreaterThan(takeover.vt);

    const i3 = report('I3');
    expect(i3.ok).toBe(true);
    expect(measured(i3, 'twoLeaderOverlaps')).toBe(1);
    expect(measured(i3, 'longestLeaseOverlapMs')).toBeGreaterThan(0);
    expect(measured(i3, 'longestLeaseOverlapMs')).toBeLessThanOrEqual(measured(i3, 'leaseOverlapSlackMs'));
    expect(measured(i3, 'deposedWritesFenced')).toBeGreaterThanOrEqual(1);
    expect(measured(i3, 'deposedWritesLanded')).toBe(0);
  });

  it('fails the database clock jump with H2: every heartbeat is then written 30 s in the past', async () => {
    const { report } = await runAndCheck(safetyScenario('database-clock-jump', (s) => (s.hazards = ['H2'])));
    const i3 = report('I3');
    expect(i3.ok).toBe(false);
    expect(i3.violation?.message).toMatch(/left the lease already expired, so it never held it/);
    expect(measured(i3, 'twoLeaderOverlaps')).toBeGreaterThan(10);
  });

  describe('the slack of a leader that lost a valid lease', () => {
    // Timings of the builder: heartbeat every 1 s, timeout 3 s, answers within 2 ms: the slack is 1,004 ms.
    function pausedLeader(stepsDownAfterResumeMs: number) {
      const run = new RunBuilder();
      run.elected(0, 'a', 1);
      run.heartbeat(1_000, 'a', 1);
      run.action(1_500, { type: 'pause', server: 'a' });
      run.elected(4_100, 'b', 2);
      run.heartbeat(5_100, 'b', 2);
      run.action(6_000, { type: 'resume', server: 'a' });
      run.heartbeat(6_100, 'b', 2);
      run.event(6_000 + stepsDownAfterResumeMs, 'a', {
        type: 'steppedDown',
        term: 1,
        reason: 'the lease names another server',
      });
      run.heartbeat(7_100, 'b', 2);
      run.endedAt = 8_000;
      return checkOneLeaderPerTerm(run.build());
    }

    it('does not count the pause, and passes a step-down within what was left of its interval', () => {
      // It acted 500 ms between its heartbeat at 1,000 and its pause: 504 ms of the slack are left.
      const report = pausedLeader(400);
      expect(report.ok).toBe(true);
      // Lease expired at 4,000, b took it at 4,100, a paused until 6,000: it acted 400 ms of the overlap.
      expect(measured(report, 'longestLeaseOverlapMs')).toBe(400);
      expect(measured(report, 'leaseOverlapSlackMs')).toBe(1_004);
    });

    it('fails a leader that acts on past what was left of its interval after its resume (H5: a tick late)', () => {
      // Its heartbeat was due at 2,000, during the pause: a correct leader renews the moment it resumes.
      const report = pausedLeader(900);
      expect(report.ok).toBe(false);
      expect(report.violation?.message).toBe(
        'a acted as leader (term 1) for 900 ms from 4000 while the lease, as the database judged it, had expired, ' +
          'and from 4100 named b; a leader that lost a valid lease learns it at its next heartbeat, one interval ' +
          'after its last renewal; having acted since that renewal, it had 504 ms left (of 1004 ms: one heartbeat ' +
          'interval and its answer). Fencing refused 0 of its writes, 0 landed',
      );
      expect(report.violation?.atVt).toBe(6_504);
      expect(pausedLeader(1_500).ok).toBe(false);
    });
  });
});
