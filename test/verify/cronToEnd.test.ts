import { describe, expect, it } from 'vitest';
import { events, runAndCheck, safetyScenario } from './safetySupport';

/**
 * I4 counts the ticks after a schedule's last fired tick, and those of a schedule that never fired, to the
 * end of the run, while some server could lead throughout the tick's decision window.
 */
describe('I4 cron exactly once, to the end of the run', () => {
  it('fails H1: after the null release nobody leads again, and the ticks due while b could lead never fire', async () => {
    const { result, report } = await runAndCheck(safetyScenario('h1-leaderless-cron'));
    // The precondition: a released the lease while b was cut off, and nobody was elected after it.
    const release = events(result, 'released', 'a')[0]!;
    expect(release).toBeDefined();
    expect(events(result, 'elected').filter((entry) => entry.vt > release.vt)).toEqual([]);

    const i4 = report('I4');
    expect(i4.ok).toBe(false);
    expect(i4.violation?.message).toMatch(
      /^schedule digest\|\*\/2 \* \* \* \* \*\|\{\}: (\d+) tick\(s\) after its last fired tick \(\d+\) never fired although a server could lead for 21050 ms after each/,
    );
    const missing = Number(/: (\d+) tick\(s\) after/.exec(i4.violation!.message)![1]);
    // Every 2 s through the liveness phase (55 s: no attempt can fail, so no retries to wait for).
    expect(missing).toBeGreaterThan(20);
  });

  it('passes the same run without H1: b takes over after the heal and the cron goes on', async () => {
    const { report } = await runAndCheck(safetyScenario('h1-leaderless-cron', (s) => delete s.hazards));
    const i4 = report('I4');
    expect(i4.ok).toBe(true);
    expect(i4.measurements?.missingTicks).toEqual([]);
  });

  it('fails a schedule that never fires at all (hazard-bad-crontab.json, H13)', async () => {
    const { result, report } = await runAndCheck(safetyScenario('scenarios/hazard-bad-crontab.json'));
    expect(events(result, 'cronFired')).toEqual([]);
    const i4 = report('I4');
    expect(i4.ok).toBe(false);
    expect(i4.violation?.message).toMatch(
      /^schedule digest\|\*\/5 \* \* \* \* \*\|\{\}: \d+ tick\(s\) never fired \(the schedule never fired at all\) although a server could lead/,
    );
  });

  it('says why it skipped a run without schedules', async () => {
    const { report } = await runAndCheck(safetyScenario('h2-two-leaders', (s) => delete s.hazards));
    expect(report('I4')).toMatchObject({
      ok: true,
      skipped: 'no cron schedule was set',
      precondition: 'cronTick',
    });
  });
});
