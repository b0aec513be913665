import { describe, expect, it } from 'vitest';
import { measured, runAndCheck, safetyScenario } from './safetySupport';

/**
 * I2 excuses an unfinished job only for what one attempt of it needs after it became due (a claim poll,
 * the attempt cut short by its timeout, the answers), and a queue that grows at every quarter of the
 * liveness phase fails on its own.
 */
describe('I2 nothing lost: a growing backlog', () => {
  it('fails H9 (one claim per tick): the queue grows through the liveness phase and its oldest jobs are not excused', async () => {
    const { result, report } = await runAndCheck(safetyScenario('h9-growing-queue'));
    // The precondition: jobs were still queued at the end, the oldest of them for well over one attempt.
    const queued = result.final.distributedJobs.filter((row) => row.status === 'queued');
    expect(queued.length).toBeGreaterThanOrEqual(5);

    const i2 = report('I2');
    expect(i2.ok).toBe(false);
    expect(i2.violation?.message).toMatch(
      /^the queue kept growing through the liveness phase: jobs not finished at the heal and at each quarter of the phase after it: \d+, \d+, \d+, \d+, \d+; the cluster finishes jobs more slowly than they come; \d+ job\(s\) unfinished at the end of the run \(queued: /,
    );
    expect(i2.violation?.message).toMatch(
      /due before the last 5070 ms in which one attempt could still be under way/,
    );
    const samples = i2.measurements?.openJobsAfterHeal as number[];
    expect(samples[4]!).toBeGreaterThan(samples[1]!);
    expect(measured(i2, 'oldestQueuedMs')).toBeGreaterThan(10_000);
  });

  it('passes the same run without H9: the queue stays empty', async () => {
    const { report } = await runAndCheck(safetyScenario('h9-growing-queue', (s) => delete s.hazards));
    const i2 = report('I2');
    expect(i2.ok).toBe(true);
    expect(measured(i2, 'unfinished')).toBe(0);
    expect(Math.max(...(i2.measurements?.openJobsAfterHeal as number[]))).toBeLessThanOrEqual(1);
  });
});
