import { describe, expect, test } from 'vitest';
import { defineJob, type JobContext } from '../../src/core/job';
import type { JsonObject } from '../../src/core/json';
import { runScenario } from '../../src/sim/runScenario';
import { inThreadTransport } from '../../src/sim/server/transport';
import { workerTransport } from '../../src/sim/server/workerTransport';
import type { TraceEntry } from '../../src/sim/trace/trace';
import type { Action, Scenario } from '../../src/scenario/types';
import { checkAll } from '../../src/verify';

const cluster = (actions: Action[], extra: Partial<Scenario> = {}): Scenario => ({
  version: 1,
  seed: 11,
  durationMs: 40_000,
  jobs: [{ name: 'chargeCard', durationMs: 99_999 }],
  servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
  actions,
  ...extra,
});

interface Call {
  jobId: string;
  n: number;
  server: string;
  attempt: number;
  startedAt: number;
  finishedAt?: number;
}

/** A job that takes 800 ms on its server's clock and notes every call, as a payment job might log. */
function recordingJob(calls: Call[]) {
  return defineJob({
    name: 'chargeCard',
    async run(params: JsonObject, context: JobContext) {
      const call: Call = {
        jobId: context.jobId,
        n: params.n as number,
        server: context.serverId,
        attempt: context.attempt,
        startedAt: context.now(),
      };
      calls.push(call);
      await context.sleep(800);
      call.finishedAt = context.now();
    },
  });
}

const events = (trace: readonly TraceEntry[], type: string) => trace.filter((entry) => entry.type === type);

describe('own jobs in the simulation', () => {
  test("a job's own run() under a leader crash: every job completes exactly once, the crashed runs are abandoned", async () => {
    const calls: Call[] = [];
    const enqueues: Action[] = Array.from({ length: 12 }, (_, n) => ({
      atMs: 5_000,
      type: 'enqueue',
      server: 'b',
      job: 'chargeCard',
      params: { n },
    }));
    const scenario = cluster([...enqueues, { atMs: 5_500, type: 'crash', server: '@leader' }]);
    const result = await runScenario(scenario, { jobs: { chargeCard: recordingJob(calls) } });

    const crash = result.trace.find((e) => e.type === 'action' && e.action.type === 'crash')!;
    const crashed = crash.server!;
    const restarted = result.trace.find(
      (e) => e.type === 'processStarted' && e.server === crashed && e.seq > crash.seq,
    );
    const completed = events(result.trace, 'completed') as Extract<TraceEntry, { type: 'completed' }>[];
    expect(completed).toHaveLength(12);
    expect(new Set(completed.map((e) => e.jobId)).size).toBe(12);
    expect(result.final.distributedJobs.map((row) => row.status)).toEqual(Array(12).fill('completed'));
    // The user's code ran with its params, on virtual time: 800 ms on the server's clock each.
    expect(new Set(calls.map((call) => call.n))).toEqual(new Set(Array.from({ length: 12 }, (_, n) => n)));
    for (const call of calls.filter((c) => c.finishedAt !== undefined))
      expect(call.finishedAt! - call.startedAt).toBe(800);
    // The crashed server was running some: those runs never went on, and it did nothing until restarted.
    const abandoned = calls.filter((c) => c.server === crashed && c.finishedAt === undefined);
    expect(abandoned.length).toBeGreaterThan(0);
    for (const call of abandoned) expect(call.startedAt).toBeLessThan(crash.vt);
    const afterCrash = calls.filter(
      (c) => c.server === crashed && c.startedAt >= crash.vt && c.startedAt < (restarted?.vt ?? Infinity),
    );
    expect(afterCrash).toEqual([]);
    // Each abandoned job ran again elsewhere, as attempt 2, and finished there.
    for (const call of abandoned)
      expect(calls.some((c) => c.jobId === call.jobId && c.attempt === 2 && c.finishedAt !== undefined)).toBe(
        true,
      );
    expect(checkAll(result).filter((report) => !report.ok)).toEqual([]);
  });

  test('the same scenario, seed and jobs give the same trace', async () => {
    const scenario = cluster([
      { atMs: 5_000, type: 'enqueue', server: 'a', job: 'chargeCard', count: 5, params: { n: 1 } },
      { atMs: 5_300, type: 'crash', server: '@leader' },
    ]);
    const one = await runScenario(scenario, { jobs: { chargeCard: recordingJob([]) } });
    const two = await runScenario(scenario, { jobs: { chargeCard: recordingJob([]) } });
    expect(JSON.stringify(two.trace)).toBe(JSON.stringify(one.trace));
  });

  test('a throwing job retries per its own policy, then is dead with its error', async () => {
    const attempts: [number, number][] = [];
    const flaky = defineJob({
      name: 'chargeCard',
      maxAttempts: 3,
      backoff: { baseMs: 200, jitter: 0 },
      run(params, context) {
        attempts.push([params.n as number, context.attempt]);
        if (params.n === 0 && context.attempt < 3)
          throw new Error(`card declined (attempt ${context.attempt})`);
        if (params.n === 1) throw new Error('card stolen');
      },
    });
    const result = await runScenario(
      cluster(
        [0, 1].map((n) => ({ atMs: 2_000, type: 'enqueue', server: 'a', job: 'chargeCard', params: { n } })),
        { servers: [{ id: 'a' }] },
      ),
      { jobs: { chargeCard: flaky } },
    );
    expect(attempts.filter(([n]) => n === 0).map(([, attempt]) => attempt)).toEqual([1, 2, 3]);
    expect(attempts.filter(([n]) => n === 1).map(([, attempt]) => attempt)).toEqual([1, 2, 3]);
    const failed = events(result.trace, 'failed') as Extract<TraceEntry, { type: 'failed' }>[];
    const declined = failed.filter((e) => e.error.includes('declined'));
    const stolen = failed.filter((e) => e.error.includes('stolen'));
    expect(declined.map((e) => [e.attempt, e.outcome, e.error])).toEqual([
      [1, 'retry', 'Error: card declined (attempt 1)'],
      [2, 'retry', 'Error: card declined (attempt 2)'],
    ]);
    expect(stolen.map((e) => [e.attempt, e.outcome])).toEqual([
      [1, 'retry'],
      [2, 'retry'],
      [3, 'dead'],
    ]);
    // The retries waited the policy's 200 ms, then 400 ms (no jitter), on virtual time.
    expect(declined.map((e) => e.retryInMs)).toEqual([200, 400]);
    const rows = result.final.distributedJobs.map((row) => [row.status, row.lastError ?? null]);
    expect(rows).toContainEqual(['completed', expect.anything()]);
    expect(rows).toContainEqual(['dead', expect.stringContaining('card stolen')]);
  });

  test('a run that outlasts its timeout fails as a timeout and retries; the first run is told it is cancelled', async () => {
    const seen: { attempt: number; cancelledAfter?: boolean }[] = [];
    const slow = defineJob({
      name: 'chargeCard',
      timeoutMs: 1_000,
      backoff: { baseMs: 100, jitter: 0 },
      async run(_params, context) {
        const note: { attempt: number; cancelledAfter?: boolean } = { attempt: context.attempt };
        seen.push(note);
        if (context.attempt === 1) await context.sleep(5_000);
        note.cancelledAfter = context.cancelled;
      },
    });
    const result = await runScenario(
      cluster([{ atMs: 2_000, type: 'enqueue', server: 'a', job: 'chargeCard' }], { servers: [{ id: 'a' }] }),
      { jobs: { chargeCard: slow } },
    );
    const failed = events(result.trace, 'failed') as Extract<TraceEntry, { type: 'failed' }>[];
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempt: 1, outcome: 'retry' });
    expect(failed[0]!.error).toMatch(/time/i);
    expect(seen[0]).toEqual({ attempt: 1, cancelledAfter: true });
    expect(seen[1]).toEqual({ attempt: 2, cancelledAfter: false });
    expect(result.final.distributedJobs.map((row) => row.status)).toEqual(['completed']);
  });

  test('a job the scenario does not model is added; a setJob of an own job is refused', async () => {
    const calls: Call[] = [];
    const scenario = cluster(
      [
        { atMs: 2_000, type: 'enqueue', server: 'a', job: 'chargeCard', params: { n: 7 } },
        { atMs: 3_000, type: 'setJob', job: 'chargeCard', durationMs: 5 },
      ],
      { jobs: [], servers: [{ id: 'a' }] },
    );
    const result = await runScenario(scenario, { jobs: { chargeCard: recordingJob(calls) } });
    expect(calls.map((call) => [call.n, call.finishedAt! - call.startedAt])).toEqual([[7, 800]]);
    const refused = events(result.trace, 'actionFailed') as Extract<TraceEntry, { type: 'actionFailed' }>[];
    expect(refused.map((e) => e.error)).toEqual([
      'job "chargeCard" runs its own run() (RunOptions.jobs): durationMs and failureRate model only the scenario\'s jobs',
    ]);
  });

  test('own jobs on a worker transport are refused, naming the job, before any worker starts', async () => {
    let spawned = 0;
    const transport = workerTransport(() => {
      spawned++;
      throw new Error('no workers here');
    });
    await expect(
      runScenario(cluster([]), { transport, jobs: { chargeCard: recordingJob([]) } }),
    ).rejects.toThrow(
      /^runScenario: options\.jobs: job "chargeCard": its run\(\) is a function, and a function cannot be sent to a server behind this transport \(a Web Worker's port carries plain data only\)/,
    );
    expect(spawned).toBe(0);
    // The in-thread transport, named, is fine.
    const result = await runScenario(cluster([], { durationMs: 2_000 }), {
      transport: inThreadTransport,
      jobs: { chargeCard: recordingJob([]) },
      heal: false,
    });
    expect(result.trace.length).toBeGreaterThan(0);
  });

  test('the option is checked with errors that name the field', async () => {
    const run = () => runScenario(cluster([], { durationMs: 1_000 }), { heal: false, jobs: bad as never });
    let bad: unknown = [];
    await expect(run()).rejects.toThrow(
      /^runScenario: options\.jobs: expected an object of job definitions by name .*, got an array$/,
    );
    bad = { chargeCard: 42 };
    await expect(run()).rejects.toThrow(
      'runScenario: options.jobs.chargeCard: expected a job definition (defineJob({ name, run })), got 42',
    );
    bad = { chargeCard: { name: 3, run() {} } };
    await expect(run()).rejects.toThrow(
      'runScenario: options.jobs.chargeCard.name: expected a string, got 3',
    );
    bad = { chargeCard: { name: 'charge', run() {} } };
    await expect(run()).rejects.toThrow(
      'runScenario: options.jobs.chargeCard.name: expected "chargeCard" (its key in jobs), got "charge"',
    );
    bad = { 'card:charge': { name: 'card:charge', run: 'yes' } };
    await expect(run()).rejects.toThrow(
      'runScenario: options.jobs["card:charge"].run: expected a function, got "yes"',
    );
    bad = { chargeCard: { name: 'chargeCard', run() {}, maxAttempts: 0 } };
    await expect(run()).rejects.toThrow(
      'runScenario: options.jobs.chargeCard: job "chargeCard": maxAttempts: expected a whole number >= 1, got 0',
    );
  });

  test('a function inside the scenario is refused by its path, pointing at options.jobs (not a DataCloneError)', async () => {
    const scenario = cluster([]);
    (scenario.jobs[0] as unknown as { run: () => void }).run = () => {};
    await expect(runScenario(scenario)).rejects.toThrow(
      /^runScenario: scenario\.jobs\[0\]\.run: expected plain data, got a function: a scenario is plain JSON .*options\.jobs/,
    );
  });

  test('defineJob checks a definition where it is written', () => {
    expect(() => defineJob({ name: 'chargeCard', run: undefined as never })).toThrow(
      'job "chargeCard": run must be a function',
    );
    expect(() => defineJob({ name: 'charge card', run() {} })).toThrow(/job name "charge card": expected/);
  });
});
