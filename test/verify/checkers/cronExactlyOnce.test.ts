import { describe, expect, it } from 'vitest';
import { scheduleKey } from '../../../src/core/scheduleKey';
import { checkCronExactlyOnce } from '../../../src/verify/checkers';
import { RunBuilder, seqs } from './build';

const KEY = scheduleKey('tick', '* * * * * *');

function cronRun(): RunBuilder {
  const run = new RunBuilder();
  run.scenario.jobs = [{ name: 'tick', schedules: [{ cron: '* * * * * *' }] }];
  return run;
}

describe('I4 cron exactly once', () => {
  it('passes one job per tick, counted from events, rows and tick records', () => {
    const run = cronRun();
    run.cronFired(1_000, 'a', KEY, 1_000, '1');
    run.cronFired(2_000, 'a', KEY, 2_000, '2');
    run.cronFired(3_000, 'a', KEY, 3_000, '3');
    for (const id of [1, 2, 3]) {
      run.row(id, 'completed', { name: 'tick', scheduleKey: KEY, tickAt: id * 1_000, term: 1 });
      run.final.jobCronTicks.push({ scheduleKey: KEY, tickAt: id * 1_000, jobId: id, term: 1 });
    }
    run.endedAt = 3_500; // no later tick was due yet
    const report = checkCronExactlyOnce(run.build());
    expect(report).toMatchObject({
      id: 'I4',
      ok: true,
      measurements: { schedules: 1, firedTicks: 3, missingTicks: [], duplicatedTicks: [] },
    });
  });

  it('reports a tick that produced two jobs, at the second one', () => {
    const run = cronRun();
    run.cronFired(1_000, 'a', KEY, 1_000, '1');
    const one = run.cronFired(2_000, 'a', KEY, 2_000, '2');
    const two = run.cronFired(2_300, 'b', KEY, 2_000, '3', 2);
    run.cronFired(3_000, 'b', KEY, 3_000, '4', 2);
    const report = checkCronExactlyOnce(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      `tick 2000 of schedule ${KEY} produced 2 jobs (2, 3), expected exactly one`,
    );
    expect(report.violation?.atVt).toBe(2_300);
    expect(seqs(report.violation?.evidence)).toEqual([one.seq, two.seq]);
    expect(report.measurements?.duplicatedTicks).toEqual([2_000]);
  });

  it('finds a duplicate from the rows alone (no tick record, H7)', () => {
    const run = cronRun();
    run.row(1, 'completed', { name: 'tick', scheduleKey: KEY, tickAt: 1_000, createdAt: 1_000 });
    run.row(2, 'completed', { name: 'tick', scheduleKey: KEY, tickAt: 1_000, createdAt: 1_450 });
    run.heartbeat(0, 'a', 1);
    const report = checkCronExactlyOnce(run.build());
    expect(report.violation?.message).toContain('produced 2 jobs (1, 2)');
    expect(report.violation?.atVt).toBe(1_450);
  });

  it('reports ticks missing beyond those reported skipped, and accepts them when skipped', () => {
    const build = (skipped: number) => {
      const run = cronRun();
      run.cronFired(1_000, 'a', KEY, 1_000, '1');
      const before = run.cronFired(2_000, 'a', KEY, 2_000, '2');
      const skip = run.event(5_000, 'b', { type: 'cronSkipped', scheduleKey: KEY, count: skipped });
      const after = run.cronFired(5_000, 'b', KEY, 5_000, '3', 2);
      run.endedAt = 5_500; // the run ends before the next tick is due
      return { run, before, skip, after };
    };
    const { run, before, skip, after } = build(1);
    const report = checkCronExactlyOnce(run.build());
    expect(report.ok).toBe(false);
    expect(report.violation?.message).toBe(
      `schedule ${KEY}: 2 tick(s) between its first and last fired tick never fired (3000, 4000) but only 1 were ` +
        'reported skipped; first unaccounted tick 4000',
    );
    expect(report.violation?.atVt).toBe(5_000);
    expect(seqs(report.violation?.evidence)).toEqual([before.seq, skip.seq, after.seq]);
    expect(report.measurements?.missingTicks).toEqual([3_000, 4_000]);

    expect(checkCronExactlyOnce(build(2).run.build()).ok).toBe(true);
  });

  it('counts two single-server coordinators firing the same tick as a duplicate (H14)', () => {
    const run = cronRun();
    run.scenario.mode = 'single';
    run.enqueued(1_000, 'a', 'job-1', 'local', 'tick');
    run.cronFired(1_000, 'a', KEY, 1_000, 'job-1', null);
    run.enqueued(1_000, 'b', 'job-1', 'local', 'tick');
    run.cronFired(1_000, 'b', KEY, 1_000, 'job-1', null);
    const report = checkCronExactlyOnce(run.build());
    expect(report.violation?.message).toBe(
      `tick 1000 of schedule ${KEY} produced 2 jobs (job-1@a, job-1@b), expected exactly one`,
    );
  });
});
