import { describe, expect, test } from 'vitest';
import { Conductor } from '../../src/sim/conductor/conductor';
import { runScenario } from '../../src/sim/runScenario';
import type { Scenario } from '../../src/scenario/types';

const base: Scenario = {
  version: 1,
  seed: 7,
  durationMs: 60_000,
  jobs: [
    { name: 'work', durationMs: 200 },
    { name: 'tick', schedules: [{ cron: '* * * * * *' }] },
  ],
  servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
  actions: [
    { atMs: 5_000, type: 'enqueue', server: 'b', job: 'work', count: 50 },
    { atMs: 20_000, type: 'crash', server: 'a' },
  ],
};

describe('conductor', () => {
  test('runs a cluster through a leader crash: one leader per term, every job done once', async () => {
    const result = await runScenario(base);
    const elected = result.trace.filter((e) => e.type === 'elected');
    expect(elected.map((e) => [e.server, e.term])).toEqual([['a', 1], expect.anything()]);
    expect(elected[1]!.server).not.toBe('a');
    const statuses = new Map<string, number>();
    for (const row of result.final.distributedJobs)
      statuses.set(String(row.status), (statuses.get(String(row.status)) ?? 0) + 1);
    expect([...statuses.keys()]).toEqual(['completed']);
    expect(result.final.distributedJobs.filter((row) => row.name === 'work')).toHaveLength(50);
    console.log(
      result.trace.length,
      'entries; elected',
      elected.map((e) => `${e.server}@${e.vt - result.trace[0]!.vt}`),
    );
  });

  test('the same scenario and seed give the same trace, byte for byte', async () => {
    const one = await runScenario(base);
    const two = await runScenario(base);
    expect(JSON.stringify(two.trace)).toBe(JSON.stringify(one.trace));
    const other = await runScenario({ ...base, seed: 8 });
    expect(JSON.stringify(other.trace)).not.toBe(JSON.stringify(one.trace));
  });
});

describe('faults and actions', () => {
  const quiet = (actions: Scenario['actions'], extra: Partial<Scenario> = {}): Scenario => ({
    version: 1,
    seed: 3,
    durationMs: 60_000,
    jobs: [{ name: 'work', durationMs: 1_000 }],
    servers: [{ id: 'a' }, { id: 'b' }],
    actions,
    ...extra,
  });

  test('a paused server runs no code: its heartbeats stop and resume late, in order', async () => {
    const conductor = await Conductor.create(quiet([{ atMs: 6_000, type: 'pause', server: 'a' }]));
    try {
      await conductor.runUntil(30_000);
      const beats = conductor.trace.entries.filter((e) => e.type === 'heartbeat' && e.server === 'a');
      expect(beats.every((e) => e.vt - conductor.epoch < 6_000)).toBe(true);
      // b took over after the lease ran out, while a slept.
      expect(conductor.snapshot().servers.find((s) => s.id === 'b')!.leader).toBe(true);
      conductor.apply({ type: 'resume', server: 'a' });
      await conductor.runUntil(40_000);
      const afterResume = conductor.trace.entries.filter(
        (e) => e.server === 'a' && e.vt - conductor.epoch >= 30_000,
      );
      // Its first act on waking: the heartbeat finds the lease gone and it steps down.
      expect(afterResume.find((e) => e.source === 'coordinator')).toMatchObject({
        type: 'steppedDown',
        term: 1,
      });
    } finally {
      conductor.dispose();
    }
  });

  test('a crash while holding the lock rolls its transaction back and frees the lock at once', async () => {
    // Jobs to claim: an idle server's look for work is a lone statement, and a leader's heartbeat too, so
    // without them a would open no transaction to crash in.
    const conductor = await Conductor.create(
      quiet([{ atMs: 1_000, type: 'enqueue', server: 'a', job: 'work', count: 40 }]),
    );
    try {
      await conductor.runUntil(1_000);
      // Wait until some transaction of a is open, then crash it right there.
      for (let i = 0; i < 20_000 && conductor.db.holder() !== 'a'; i++) await conductor.step(5);
      expect(conductor.db.holder()).toBe('a');
      const crashedAt = conductor.trace.entries.length;
      conductor.apply({ type: 'crash', server: 'a' });
      expect(conductor.db.holder()).not.toBe('a');
      const after = conductor.trace.entries.slice(crashedAt);
      expect(after.map((e) => e.type)).toEqual(
        expect.arrayContaining(['action', 'rolledBack', 'processEnded']),
      );
      await conductor.runUntil(40_000);
      expect(conductor.snapshot().servers.find((s) => s.id === 'b')!.leader).toBe(true);
    } finally {
      conductor.dispose();
    }
  });

  test('a cut-off server cannot reach the database; healed, it works again', async () => {
    const result = await runScenario(
      quiet([
        { atMs: 2_000, type: 'cutOff', server: 'a' },
        { atMs: 3_000, type: 'enqueue', server: 'b', job: 'work', count: 4 },
        { atMs: 30_000, type: 'heal', server: 'a' },
        { atMs: 31_000, type: 'enqueue', server: 'a', job: 'work', count: 4 },
      ]),
      { heal: false },
    );
    const errors = result.trace.filter((e) => e.type === 'error' && e.server === 'a');
    expect(errors.length).toBeGreaterThan(0);
    const stepDown = result.trace.find((e) => e.type === 'steppedDown' && e.server === 'a');
    expect(stepDown).toBeDefined();
    const completedBy = result.trace.filter((e) => e.type === 'completed').map((e) => e.server);
    expect(completedBy.slice(0, 4)).toEqual(['b', 'b', 'b', 'b']);
    expect(result.final.distributedJobs.every((row) => row.status === 'completed')).toBe(true);
    expect(result.final.distributedJobs).toHaveLength(8);
  });

  test('restart starts a fresh process with the next generation; refused actions are traced, not thrown', async () => {
    const result = await runScenario(
      quiet([
        { atMs: 1_000, type: 'crash', server: 'a' },
        { atMs: 2_000, type: 'restart', server: 'a' },
        { atMs: 3_000, type: 'restart', server: 'a' },
        { atMs: 4_000, type: 'enqueue', server: 'a', job: 'nope' },
        { atMs: 5_000, type: 'pause', server: 'zed' },
      ]),
      { heal: false },
    );
    const processes = result.trace.filter((e) => e.source === 'process' && e.server === 'a');
    expect(processes.map((e) => e.source === 'process' && `${e.type}:${e.generation}:${e.reason}`)).toEqual([
      'processStarted:1:start',
      'processEnded:1:crash',
      'processStarted:2:restart',
    ]);
    const failed = result.trace.filter((e) => e.type === 'actionFailed');
    expect(failed.map((e) => e.type === 'actionFailed' && e.error)).toEqual([
      'server "a" is running',
      expect.stringContaining('unknown job "nope"'),
      'no server "zed"; servers: a, b',
    ]);
  });

  test('the snapshot shows leader, term, clock offset, running jobs and the live rows', async () => {
    const conductor = await Conductor.create(
      quiet([
        { atMs: 1_000, type: 'setClock', server: 'b', offsetMs: -20_000 },
        { atMs: 1_500, type: 'enqueue', server: 'a', job: 'work', count: 3 },
      ]),
    );
    try {
      await conductor.runUntil(1_600);
      const snapshot = conductor.snapshot();
      const [a, b] = snapshot.servers;
      expect(a).toMatchObject({ id: 'a', leader: true, term: 1, process: 'running' });
      expect(b!.leader).toBe(false);
      expect(Math.round(b!.offsetMs)).toBe(-20_000);
      expect(Math.round(b!.localTime - snapshot.vt)).toBe(-20_000);
      expect(a!.runningJobs.length + b!.runningJobs.length).toBe(3);
      expect(snapshot.tables.leadJobCoordinators).toEqual([
        expect.objectContaining({ jobCoordinatorId: 'a', term: 1 }),
      ]);
      expect(snapshot.tables.distributedJobs.filter((row) => row.status === 'claimed')).toHaveLength(3);
    } finally {
      conductor.dispose();
    }
  });
});

test('heal restarts a server whose graceful stop is still running once the stop finishes (found by the checkers)', async () => {
  const result = await runScenario({
    version: 1,
    seed: 13,
    durationMs: 34_000,
    jobs: [{ name: 'work', durationMs: 5_000 }],
    servers: [{ id: 'a', withoutJobs: true }, { id: 'b' }],
    actions: [
      { atMs: 30_000, type: 'enqueue', server: 'a', job: 'work', count: 3 },
      { atMs: 33_932, type: 'stop', server: 'b', graceMs: 1_045 },
    ],
  });
  // b's stop waits for its running jobs past the end of the scenario: the heal comes while it is stopping.
  const stopEnded = result.trace.find((e) => e.type === 'processEnded' && e.server === 'b')!;
  expect(stopEnded.vt - result.trace[0]!.vt).toBeGreaterThan(34_000);
  const b = result.trace.filter((e) => e.source === 'process' && e.server === 'b');
  expect(b.map((e) => e.type)).toEqual(['processStarted', 'processEnded', 'processStarted']);
  expect(result.final.distributedJobs.map((row) => row.status)).toEqual([
    'completed',
    'completed',
    'completed',
  ]);
});

test('a server cut off at any moment of its start never takes the conductor down, and works once healed (found by the soak)', async () => {
  for (let offset = 0; offset <= 40; offset += 2) {
    const result = await runScenario({
      version: 1,
      seed: offset,
      durationMs: 30_000,
      jobs: [{ name: 'work', durationMs: 100 }],
      servers: [{ id: 'a' }],
      actions: [
        { atMs: 1_000, type: 'addServer', server: { id: 'b' } },
        { atMs: 1_000 + offset, type: 'cutOff', server: 'b' },
        { atMs: 5_000, type: 'heal', server: 'b' },
        // If the cut-off failed its start, b died: start it again (refused, and traced, if it lives).
        { atMs: 5_000, type: 'restart', server: 'b' },
        { atMs: 5_500, type: 'crash', server: 'a' },
        { atMs: 6_000, type: 'enqueue', server: 'b', job: 'work', count: 20 },
      ],
    });
    // With a crashed, b alone finishes the jobs: it is listening and claiming again.
    expect(result.final.distributedJobs.filter((row) => row.status !== 'completed')).toEqual([]);
    const byB = result.trace.filter(
      (e) => e.type === 'completed' && e.server === 'b' && e.vt - result.trace[0]!.vt < 7_000,
    );
    expect(byB.length, `cut off ${offset} ms into its start`).toBe(20);
  }
}, 60_000);

test('a result handed out stays as it was when the run is disposed (found by the browser benchmark)', async () => {
  const conductor = await Conductor.create(base);
  await conductor.runUntil(20_000);
  // Stop where a transaction is open, so that disposing rolls one back.
  while (conductor.snapshot().lockHolder === undefined) await conductor.step();
  const result = conductor.result(null);
  const length = result.trace.length;
  const entries = conductor.trace.entries.length;
  conductor.dispose();
  expect(result.trace).toHaveLength(length);
  expect(conductor.trace.entries).toHaveLength(entries);
});

describe('heal', () => {
  const cluster = (actions: Scenario['actions']): Scenario => ({
    version: 1,
    seed: 5,
    durationMs: 60_000,
    jobs: [{ name: 'work', durationMs: 5_000 }],
    servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }],
    actions,
  });

  test('healPlan lists what heal() would do; heal() restarts a stopping server once its stop is over', async () => {
    const conductor = await Conductor.create(
      cluster([
        { atMs: 1_000, type: 'enqueue', server: 'd', job: 'work', count: 8 },
        { atMs: 2_000, type: 'pause', server: 'a' },
        { atMs: 2_000, type: 'cutOff', server: 'b' },
        { atMs: 2_000, type: 'crash', server: 'c' },
        { atMs: 3_000, type: 'stop', server: 'd', graceMs: 4_000 },
      ]),
    );
    try {
      await conductor.runUntil(3_001);
      expect(conductor.servers().find((s) => s.id === 'd')!.process).toBe('stopping');
      expect(conductor.healPlan()).toEqual({
        actions: [
          { type: 'resume', server: 'a' },
          { type: 'heal', server: 'b' },
          { type: 'restart', server: 'c' },
        ],
        afterStop: ['d'],
      });
      conductor.heal();
      await conductor.runUntil(20_000);
      const servers = conductor.servers();
      expect(servers.map((s) => [s.id, s.process, s.paused, s.cutOff])).toEqual([
        ['a', 'running', false, false],
        ['b', 'running', false, false],
        ['c', 'running', false, false],
        ['d', 'running', false, false],
      ]);
      expect(servers.find((s) => s.id === 'd')!.generation).toBe(2);
      expect(conductor.healPlan()).toEqual({ actions: [], afterStop: [] });
    } finally {
      conductor.dispose();
    }
  });
});
