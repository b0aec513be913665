import { describe, expect, test } from 'vitest';
import {
  InvalidCronError,
  InvalidOptionError,
  InvalidParamsError,
  JobDefinitionError,
  UnknownJobError,
  defineJob,
  type JobDefinition,
} from '../../src/core';
import { RunLog, singleServer } from '../support/testCluster';

const SECOND = 1000;

describe('single-server jobCoordinator', () => {
  test('runs a per-second cron job exactly once per tick, at its tick', async () => {
    const runs: number[] = [];
    const { time, coordinator } = singleServer({
      jobs: [
        {
          name: 'everySecond',
          schedules: [{ cron: '* * * * * *' }],
          run: (_p, ctx) => void runs.push(ctx.tickAt!),
        },
      ],
    });
    await coordinator.start();
    const startedAt = time.now();
    await time.advance(10 * SECOND);
    expect(runs).toHaveLength(10);
    expect(new Set(runs).size).toBe(10);
    // Consecutive whole seconds after the start, each once.
    runs.forEach((tick, index) => expect(tick).toBe(startedAt + (index + 1) * SECOND));
    await coordinator.stop();
  });

  test('a 5-field cron fires on the minute and params reach the job', async () => {
    const seen: unknown[] = [];
    const { time, coordinator } = singleServer({
      jobs: [
        {
          name: 'report',
          schedules: [{ cron: '*/2 * * * *', params: { kind: 'daily' } }],
          run: (p) => void seen.push(p),
        },
      ],
    });
    await coordinator.start();
    await time.advance(10 * 60 * SECOND);
    expect(seen).toEqual(Array.from({ length: 5 }, () => ({ kind: 'daily' })));
    await coordinator.stop();
  });

  test('a queued job runs once, with its params, on this server', async () => {
    const log = new RunLog(() => time);
    const { time, coordinator } = singleServer({
      jobs: [{ name: 'send', run: (params, ctx) => log.record(ctx, params) }],
    });
    await coordinator.start();
    const id = await coordinator.enqueue('send', { to: 'ada@example.com' });
    await time.advance(SECOND);
    expect(log.runs).toEqual([
      expect.objectContaining({ jobId: id, params: { to: 'ada@example.com' }, attempt: 1 }),
    ]);
    expect(coordinator.jobQueue.length).toBe(0);
    await coordinator.stop();
  });

  test('a throwing job is retried with growing backoff, then kept as dead with its error', async () => {
    const attempts: number[] = [];
    const { time, coordinator, events } = singleServer({
      backoff: { baseMs: 1_000, factor: 2, jitter: 0 },
      jobs: [
        {
          name: 'flaky',
          maxAttempts: 4,
          run: () => {
            attempts.push(time.now());
            throw new Error('boom');
          },
        },
      ],
    });
    await coordinator.start();
    await coordinator.enqueue('flaky');
    await time.advance(60 * SECOND);
    expect(attempts).toHaveLength(4);
    const gaps = attempts.slice(1).map((at, index) => at - attempts[index]!);
    expect(gaps).toEqual([1_000, 2_000, 4_000]);
    const failures = events.filter((event) => event.type === 'failed');
    expect(failures.map((event) => event.type === 'failed' && event.outcome)).toEqual([
      'retry',
      'retry',
      'retry',
      'dead',
    ]);
    expect(failures.at(-1)).toMatchObject({ error: 'Error: boom', attempt: 4 });
  });

  test('a job that throws synchronously, rejects, or throws a non-error never stops the worker', async () => {
    const done: string[] = [];
    const { time, coordinator } = singleServer({
      maxAttempts: 1,
      jobs: [
        {
          name: 'sync',
          run: () => {
            throw new Error('sync');
          },
        },
        { name: 'reject', run: () => Promise.reject(new Error('reject')) },
        {
          name: 'weird',
          run: () => {
            throw 42;
          },
        },
        { name: 'ok', run: () => void done.push('ok') },
      ],
    });
    await coordinator.start();
    for (const name of ['sync', 'reject', 'weird', 'ok']) await coordinator.enqueue(name);
    await time.advance(SECOND);
    expect(done).toEqual(['ok']);
  });

  test('a job that hangs fails by timeout, frees its slot, and its late completion does not count', async () => {
    const events: string[] = [];
    const {
      time,
      coordinator,
      events: recorded,
    } = singleServer({
      concurrency: 1,
      maxAttempts: 1,
      jobs: [
        { name: 'hang', timeoutMs: 5_000, run: () => new Promise(() => {}) },
        { name: 'next', run: () => void events.push(`next at ${time.now()}`) },
      ],
    });
    await coordinator.start();
    const start = time.now();
    await coordinator.enqueue('hang');
    await coordinator.enqueue('next');
    await time.advance(10 * SECOND);
    expect(events).toEqual([`next at ${start + 5_000}`]);
    expect(recorded.find((event) => event.type === 'failed')).toMatchObject({
      jobName: 'hang',
      outcome: 'dead',
      error: expect.stringContaining('did not settle within 5000 ms'),
    });
  });

  test('concurrency bounds how many jobs run at once', async () => {
    let running = 0;
    let peak = 0;
    const { time, coordinator } = singleServer({
      concurrency: 3,
      jobs: [
        {
          name: 'slow',
          run: async (_p, ctx) => {
            peak = Math.max(peak, ++running);
            await ctx.sleep(1_000);
            running--;
          },
        },
      ],
    });
    await coordinator.start();
    for (let i = 0; i < 10; i++) await coordinator.enqueue('slow', { i });
    await time.advance(3 * SECOND + 1);
    expect(peak).toBe(3);
    await time.advance(2 * SECOND);
    expect(running).toBe(0);
  });

  test('start() is idempotent: calling it twice runs one scheduler', async () => {
    const runs: number[] = [];
    const { time, coordinator } = singleServer({
      jobs: [
        { name: 'tick', schedules: [{ cron: '* * * * * *' }], run: (_p, ctx) => void runs.push(ctx.tickAt!) },
      ],
    });
    await Promise.all([coordinator.start(), coordinator.start()]);
    await coordinator.start();
    await time.advance(5 * SECOND);
    expect(runs).toHaveLength(5);
  });

  test('stop() lets running jobs finish within the grace period and reports those that did not', async () => {
    const { time, coordinator } = singleServer({
      jobs: [{ name: 'work', run: (p, ctx) => ctx.sleep(Number(p.ms)) }],
    });
    await coordinator.start();
    await coordinator.enqueue('work', { ms: 2_000 });
    await coordinator.enqueue('work', { ms: 60_000 });
    await time.advance(100);
    const stopping = coordinator.stop({ graceMs: 5_000 });
    await time.advance(6 * SECOND);
    const report = await stopping;
    expect(report.finished).toBe(1);
    expect(report.abandoned).toEqual([expect.objectContaining({ jobName: 'work', attempt: 1 })]);
    expect(coordinator.state).toBe('stopped');
    // destroy() is the seed's alias and a second stop is harmless.
    await expect(coordinator.destroy()).resolves.toMatchObject({ finished: 0, abandoned: [] });
  });

  test('a stopped coordinator can start again and runs what was left', async () => {
    const runs: string[] = [];
    const { time, coordinator } = singleServer({
      jobs: [{ name: 'j', run: (p) => void runs.push(String(p.n)) }],
    });
    await coordinator.start();
    await coordinator.stop();
    await coordinator.enqueue('j', { n: 1 });
    await time.advance(SECOND);
    expect(runs).toEqual([]);
    await coordinator.start();
    await time.advance(SECOND);
    expect(runs).toEqual(['1']);
  });

  test('without jobs, a server enqueues but runs neither scheduler nor worker', async () => {
    const runs: string[] = [];
    const { time, coordinator } = singleServer({
      withoutJobs: true,
      jobs: [{ name: 'j', schedules: [{ cron: '* * * * * *' }], run: () => void runs.push('ran') }],
    });
    await coordinator.start();
    await coordinator.enqueue('j');
    await time.advance(5 * SECOND);
    expect(runs).toEqual([]);
    expect(coordinator.isLeader).toBe(false);
    expect(coordinator.jobQueue.length).toBe(1);
  });

  test('a job can enqueue another job through its context', async () => {
    const order: string[] = [];
    const { time, coordinator } = singleServer({
      jobs: [
        {
          name: 'first',
          run: async (_p, ctx) => {
            order.push('first');
            await ctx.enqueue('second', { from: ctx.jobId });
          },
        },
        { name: 'second', run: (p) => void order.push(`second from ${String(p.from)}`) },
      ],
    });
    await coordinator.start();
    const id = await coordinator.enqueue('first');
    await time.advance(SECOND);
    expect(order).toEqual(['first', `second from ${id}`]);
  });
});

describe('bad input fails where it is written, with a message that says what and where', () => {
  const base = (jobs: JobDefinition[]) => () => singleServer({ jobs });

  test('an invalid cron expression fails at definition time, naming the job and the expression', () => {
    const bad = { name: 'nightly', run: () => {}, schedules: [{ cron: '61 * * * * *' }] };
    expect(() => defineJob(bad)).toThrow(InvalidCronError);
    expect(() => defineJob(bad)).toThrow(
      /job "nightly": invalid cron expression "61 \* \* \* \* \*".*second/,
    );
    expect(base([bad])).toThrow(InvalidCronError);
    expect(base([{ name: 'x', run: () => {}, schedules: [{ cron: 'every day' }] }])).toThrow(
      /"every day" has 2 fields; it needs 5 \(minute first\) or 6 \(seconds first\)/,
    );
  });

  test('params that are not plain JSON fail at enqueue and at definition, with their path', async () => {
    const { coordinator } = singleServer({ jobs: [{ name: 'j', run: () => {} }] });
    await expect(coordinator.enqueue('j', { when: new Date(0) } as never)).rejects.toThrow(
      'job "j": params are not plain JSON at params.when: a Date is not a plain object',
    );
    await expect(coordinator.enqueue('j', { list: [1, Number.NaN] } as never)).rejects.toThrow(
      /params\.list\[1\]: NaN/,
    );
    await expect(coordinator.enqueue('j', { f: () => 1 } as never)).rejects.toThrow(/params\.f: a function/);
    await expect(coordinator.enqueue('j', { u: undefined } as never)).rejects.toThrow(InvalidParamsError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(coordinator.enqueue('j', cyclic as never)).rejects.toThrow(/params\.self: a cycle/);
    await expect(coordinator.enqueue('j', [] as never)).rejects.toThrow(/expected a plain object/);
    expect(
      base([{ name: 's', run: () => {}, schedules: [{ cron: '* * * * *', params: { big: 10n } as never }] }]),
    ).toThrow(/schedules\[0\]\.params\.big: a bigint is not JSON/);
  });

  test('unknown jobs, bad names, duplicate names and out-of-range options are refused', async () => {
    const { coordinator } = singleServer({ jobs: [{ name: 'known', run: () => {} }] });
    await expect(coordinator.enqueue('nope')).rejects.toThrow(UnknownJobError);
    await expect(coordinator.enqueue('nope')).rejects.toThrow('unknown job "nope"; defined jobs: known');
    expect(base([{ name: '', run: () => {} }])).toThrow(JobDefinitionError);
    expect(base([{ name: 'a', run: 'x' as never }])).toThrow('job "a": run must be a function');
    expect(
      base([
        { name: 'a', run: () => {} },
        { name: 'a', run: () => {} },
      ]),
    ).toThrow('job "a" is defined twice');
    expect(base([{ name: 'a', run: () => {}, maxAttempts: 0 }])).toThrow(
      'job "a": maxAttempts: expected a whole number >= 1, got 0',
    );
    expect(() => singleServer({ jobs: [], concurrency: 0 })).toThrow(InvalidOptionError);
    expect(() => singleServer({ jobs: [], concurrency: 0 })).toThrow(
      'concurrency: expected a whole number from 1 to 1000, got 0',
    );
    expect(() => singleServer({ jobs: [], hazards: ['H99' as never] })).toThrow(/unknown hazard "H99"/);
    expect(() =>
      singleServer({
        jobs: [
          {
            name: 'a',
            run: () => {},
            schedules: [{ cron: '* * * * *', misfire: { kind: 'backfill', limit: 0 } }],
          },
        ],
      }),
    ).toThrow(/misfire\.limit: expected a whole number >= 1/);
  });
});

describe('changes while running', () => {
  test('a schedule added while running fires from its next tick on, and a bad one is refused', async () => {
    const runs: number[] = [];
    const { time, coordinator } = singleServer({
      jobs: [{ name: 'report', run: (_p, ctx) => void runs.push(ctx.tickAt!) }],
    });
    await coordinator.start();
    await time.advance(10_500);
    const addedAt = time.now();
    coordinator.addSchedule('report', { cron: '*/2 * * * * *' });
    await time.advance(6_000);
    expect(runs).toHaveLength(3);
    expect(runs.every((tick) => tick > addedAt && tick % 2_000 === 0)).toBe(true);
    expect(() => coordinator.addSchedule('report', { cron: 'nope' })).toThrow(InvalidCronError);
    expect(() => coordinator.addSchedule('nobody', { cron: '* * * * *' })).toThrow(UnknownJobError);
    expect(() => coordinator.addSchedule('report', { cron: '*/2 * * * * *' })).toThrow(
      /already has the schedule/,
    );
  });

  test('hazards switch while running: H11 on drops the next failure, off again retries it', async () => {
    const { time, coordinator, events } = singleServer({
      backoff: { jitter: 0 },
      jobs: [{ name: 'fail', maxAttempts: 2, run: () => Promise.reject(new Error('no')) }],
    });
    await coordinator.start();
    coordinator.setHazards(['H11']);
    await coordinator.enqueue('fail');
    await time.advance(1);
    coordinator.setHazards([]);
    await coordinator.enqueue('fail');
    await time.advance(5_000);
    const outcomes = events.flatMap((event) => (event.type === 'failed' ? [event.outcome] : []));
    expect(outcomes).toEqual(['dropped', 'retry', 'dead']);
    expect(
      events
        .filter((event) => event.type === 'hazardsChanged')
        .map((event) => event.type === 'hazardsChanged' && event.hazards),
    ).toEqual([['droppedFailures'], []]);
  });
});
