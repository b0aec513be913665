import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { runScenario } from '../../src/sim/runScenario';
import { PlaygroundEngine } from '../../src/playground/engine';
import { ActionError, PlaygroundSession } from '../../src/playground/session';
import type { Scenario } from '../../src/scenario/types';
import { parseScenarioJson } from '../../src/scenario/schema';
import { traceToJson } from '../../src/sim/trace/trace';
import { checkAll } from '../../src/verify';

const cluster: Scenario = {
  version: 1,
  name: 'session test',
  seed: 11,
  durationMs: 60_000,
  jobs: [
    { name: 'work', durationMs: 300 },
    { name: 'tick', durationMs: 20 },
  ],
  servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
  actions: [{ atMs: 4_000, type: 'enqueue', server: 'b', job: 'work', count: 10 }],
};

/** Replays a saved scenario headless, without the heal, to its end. */
async function replay(scenario: Scenario): Promise<string> {
  const result = await runScenario(scenario, { heal: false });
  return traceToJson(result.trace);
}

function leaderOf(session: PlaygroundSession): string | undefined {
  return session.view(null, { invariants: false }).snapshot.servers.find((server) => server.leader)?.id;
}

describe('playground session', () => {
  test('a run driven by clicks, saved as a scenario, replays to the same trace, byte for byte', async () => {
    const session = await PlaygroundSession.create(cluster);
    try {
      await session.advance(7_000);
      const leader = leaderOf(session);
      expect(leader).toBeDefined();
      // Two actions at the same instant (taken while paused), then faults at odd times.
      await session.apply({ type: 'addSchedule', job: 'tick', cron: '*/2 * * * * *' });
      await session.apply({ type: 'enqueue', server: 'c', job: 'work', count: 5 });
      await session.advance(1_234);
      await session.apply({ type: 'setClock', server: 'c', offsetMs: -20_000 });
      await session.step();
      await session.apply({ type: 'crash', server: leader! });
      await session.advance(25_000);
      await session.apply({ type: 'restart', server: leader! });
      await session.advance(3_333);
      const saved = session.toScenario();
      expect(saved.actions.map((action) => action.type)).toEqual([
        'enqueue',
        'addSchedule',
        'enqueue',
        'setClock',
        'crash',
        'restart',
      ]);
      expect(saved.durationMs).toBe(session.view().elapsedMs);
      expect(await replay(saved)).toBe(traceToJson(session.trace()));
      // A new leader took over from the crashed one.
      const elected = session.trace().filter((entry) => entry.type === 'elected');
      expect(elected.length).toBeGreaterThanOrEqual(2);
    } finally {
      session.dispose();
    }
  });

  test('heal all ends every fault as the conductor would, as actions a saved run replays; a server still stopping is named', async () => {
    const session = await PlaygroundSession.create({
      ...cluster,
      jobs: [{ name: 'work', durationMs: 8_000 }],
      actions: [{ atMs: 1_000, type: 'enqueue', server: 'a', job: 'work', count: 6 }],
    });
    try {
      await session.advance(2_000);
      await session.apply({ type: 'pause', server: 'a' });
      await session.apply({ type: 'cutOff', server: 'b' });
      await session.apply({ type: 'crash', server: 'c' });
      await session.advance(1_000);
      await session.healAll();
      const servers = () => session.view(null, { invariants: false }).snapshot.servers;
      expect(servers().map(({ id, process, paused, cutOff }) => ({ id, process, paused, cutOff }))).toEqual([
        { id: 'a', process: 'running', paused: false, cutOff: false },
        { id: 'b', process: 'running', paused: false, cutOff: false },
        { id: 'c', process: 'running', paused: false, cutOff: false },
      ]);
      // A graceful stop with jobs still running takes a while: heal all cannot restart it yet, and says so.
      await session.advance(2_000);
      const busy = servers().find((server) => server.runningJobs.length > 0)!;
      await session.apply({ type: 'stop', server: busy.id });
      await session.apply({ type: 'pause', server: busy.id === 'a' ? 'b' : 'a' });
      await expect(session.healAll()).rejects.toThrow(
        `${busy.id} is still stopping: heal again once the stop is over`,
      );
      expect(servers().every((server) => !server.paused)).toBe(true);
      const saved = session.toScenario();
      expect(saved.actions.filter((action) => action.type === 'resume')).toHaveLength(2);
      expect(saved.actions.filter((action) => action.type === 'restart')).toHaveLength(1);
      expect(await replay(saved)).toBe(traceToJson(session.trace()));
    } finally {
      session.dispose();
    }
  });

  test('live invariants, checked as the trace grows, say what checkAll says of the same run replayed headless', async () => {
    const session = await PlaygroundSession.create(cluster);
    const sameAsHeadless = async () => {
      const shown = session.invariants().filter((invariant) => invariant.id !== 'I7');
      const result = await runScenario(session.toScenario(), { heal: false });
      // The session's conductor is given its actions one by one, not in its scenario: the live checkers see
      // the scenario with no actions, so the headless verdicts are taken the same way.
      const expected = checkAll({ ...result, scenario: { ...result.scenario, actions: [] } });
      // I2 is judged only once the cluster has run free of faults long enough: the page says why not yet.
      expect(shown.map(({ id, ok }) => ({ id, ok }))).toEqual(expected.map(({ id, ok }) => ({ id, ok })));
      expect(shown.filter((i) => i.id !== 'I2').map((i) => i.message ?? null)).toEqual(
        expected.filter((r) => r.id !== 'I2').map((r) => r.violation?.message ?? null),
      );
    };
    try {
      await session.advance(6_000);
      await sameAsHeadless();
      await session.apply({ type: 'setHazards', hazards: ['H2', 'H4', 'H5', 'H7'] });
      await session.apply({ type: 'addSchedule', job: 'tick', cron: '* * * * * *' });
      await session.advance(24_000);
      const leader = leaderOf(session)!;
      await session.apply({ type: 'setClock', server: leader, offsetMs: -20_000 });
      await session.advance(30_000);
      await sameAsHeadless();
      expect(session.invariants().some((invariant) => !invariant.ok)).toBe(true);
      // Back in time (a new run: the checkers start over) and on again.
      await session.seek(20_000);
      await sameAsHeadless();
      await session.advance(15_000);
      await sameAsHeadless();
    } finally {
      session.dispose();
    }
  });

  test('rewind is replay: going back and forward again gives the same trace; a new action forks the history', async () => {
    const session = await PlaygroundSession.create(cluster);
    try {
      await session.advance(10_000);
      await session.apply({ type: 'pause', server: 'a' });
      await session.advance(20_000);
      await session.apply({ type: 'resume', server: 'a' });
      await session.advance(5_000);
      const full = traceToJson(session.trace());
      const before = session.view().history;

      await session.seek(12_000);
      const back = session.view();
      expect(back.history).toBe(before + 1);
      expect(back.fresh).toBe(true);
      expect(back.elapsedMs).toBe(12_000);
      expect(back.horizonMs).toBe(35_002);
      expect(back.snapshot.servers.find((server) => server.id === 'a')!.paused).toBe(true);
      // Forward again: the resume taken at 30 s happens again, and the trace is the one we had.
      await session.seek(35_002);
      expect(traceToJson(session.trace())).toBe(full);

      // Back to 12 s and a different action: the resume after it is dropped from the history.
      await session.seek(12_000);
      await session.apply({ type: 'crash', server: 'b' });
      await session.advance(30_000);
      const types = session.toScenario().actions.map((action) => `${action.type}@${action.atMs}`);
      expect(types).toEqual(['enqueue@4000', 'pause@10001', 'crash@12001']);
      expect(session.view().snapshot.servers.find((server) => server.id === 'a')!.paused).toBe(true);
    } finally {
      session.dispose();
    }
  });

  test('the scenario file runs the same through the session and through runScenario', async () => {
    const text = readFileSync(new URL('../../scenarios/leader-crash-failover.json', import.meta.url), 'utf8');
    const scenario = parseScenarioJson(text);
    const session = await PlaygroundSession.create(scenario);
    try {
      await session.advance(70_000);
      const headless = await runScenario(scenario, { untilMs: 70_000, heal: false });
      expect(traceToJson(session.trace())).toBe(traceToJson(headless.trace));
    } finally {
      session.dispose();
    }
  });

  test('an invalid action is refused with the field at fault, and the run is untouched', async () => {
    const session = await PlaygroundSession.create(cluster);
    try {
      await session.advance(2_000);
      const length = session.trace().length;
      await expect(session.apply({ type: 'addSchedule', job: 'tick', cron: '61 * * * *' })).rejects.toThrow(
        /^addSchedule\.cron: invalid cron expression "61 \* \* \* \*"/,
      );
      await expect(session.apply({ type: 'crash', server: 'zz' })).rejects.toBeInstanceOf(ActionError);
      await expect(session.apply({ type: 'crash', server: 'zz' })).rejects.toThrow(/crash\.server/);
      await expect(
        session.apply({ type: 'setClock', server: 'a', offsetMs: 10 * 86_400_000 }),
      ).rejects.toThrow(/setClock\.offsetMs/);
      await expect(session.apply({ type: 'setJob', job: 'work', failureRate: 1.5 })).rejects.toThrow(
        /setJob\.failureRate/,
      );
      await expect(session.advance(-1)).rejects.toThrow(RangeError);
      expect(session.trace().length).toBe(length);
      // Nothing was added to the history: only the scenario's own enqueue, still ahead at 4 s.
      expect(session.view().actions).toEqual(cluster.actions);
    } finally {
      session.dispose();
    }
  });

  test("actions go on being taken after the file's duration: the playground runs for as long as it is played", async () => {
    const session = await PlaygroundSession.create({ ...cluster, durationMs: 5_000 });
    try {
      await session.advance(9_000);
      await session.apply({ type: 'crash', server: 'c' });
      expect(session.toScenario()).toMatchObject({ durationMs: 9_001 });
      expect(session.view().snapshot.servers.find((server) => server.id === 'c')!.process).toBe('crashed');
    } finally {
      session.dispose();
    }
  });

  test('live invariants: all hold in a healthy run; nothing lost is judged once the cluster ran free of faults', async () => {
    const session = await PlaygroundSession.create(cluster);
    try {
      // At 0:00, before anything ran, I8 says just that (it said every server was down after the faults).
      expect(session.invariants().find((report) => report.id === 'I8')?.skipped).toBe(
        'the run has not started: no time has passed',
      );
      await session.advance(5_000);
      let invariants = session.invariants();
      expect(invariants.map((report) => report.id)).toEqual(['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7', 'I8']);
      expect(invariants.every((report) => report.ok)).toBe(true);
      // No job can fail, so the liveness phase is 55.3 s (no retries to wait for): a cluster quiet from the
      // start is judged at 55.3 s, before the scenario's end at 1:00 (test/playground/healPhase.test.ts).
      expect(invariants[1]!.skipped).toMatch(
        /^checked at 55\.3 s, once the cluster has run 55\.3 s without faults/,
      );
      await session.apply({ type: 'crash', server: 'a' });
      await session.advance(10_000);
      expect(session.invariants()[1]!.skipped).toMatch(
        /every fault is healed at the scenario's end \(60 s\)/,
      );
      await session.healAll();
      expect(session.toScenario().actions.at(-1)).toMatchObject({ type: 'restart', server: 'a' });
      // Healed at 0:15, the run is judged at the end of the heal-and-check phase after 1:00.
      await session.seek(session.healPhase().toMs);
      invariants = session.invariants();
      expect(invariants[1]).toMatchObject({ id: 'I2', ok: true });
      expect(invariants[1]!.skipped).toBeUndefined();
      expect(invariants.every((report) => report.ok)).toBe(true);
      const counts = session.view().jobCounts;
      expect(counts).toMatchObject({ completed: 10, queued: 0, claimed: 0 });
    } finally {
      session.dispose();
    }
  });

  test('hazards on and the leader 20 s behind: two leaders, a tick run twice; the invariants go red and say when', async () => {
    // As a person does it in the page: hazards on and a per-second cron first, then the leader's clock.
    const scenario: Scenario = { ...cluster, actions: [] };
    const skew = async (hazards: string[]) => {
      await session.load(scenario);
      if (hazards.length) await session.apply({ type: 'setHazards', hazards: hazards as never });
      await session.apply({ type: 'addSchedule', job: 'tick', cron: '* * * * * *' });
      await session.advance(30_000);
      await session.apply({ type: 'setClock', server: leaderOf(session)!, offsetMs: -20_000 });
      await session.advance(60_000);
      return session.invariants().filter((report) => !report.ok);
    };
    const session = await PlaygroundSession.create(scenario);
    try {
      const red = await skew(['H2', 'H4', 'H5', 'H7']);
      expect(red.map((report) => report.id)).toEqual(['I3', 'I4']);
      // The skewed leader's scheduler aims at the next second after its new now (as croner does) and fires
      // again ticks it fired before; deposed through its late heartbeat, it goes on acting as leader (late
      // step-down) while the lease names another server, and its writes land (no fencing).
      expect(red[0]!.message).toMatch(
        /acted as leader \(term 1\) .* while the lease, as the database judged it/,
      );
      expect(red[0]!.message).toMatch(/ landed$/);
      const fired = new Map<number, number>();
      for (const entry of session.trace())
        if (entry.type === 'cronFired') fired.set(entry.tickAt, (fired.get(entry.tickAt) ?? 0) + 1);
      expect([...fired.values()].filter((count) => count > 1).length).toBeGreaterThanOrEqual(5);
      for (const report of red) {
        expect(report.atMs).toBeGreaterThan(30_000);
        expect(report.evidence!.length).toBeGreaterThan(0);
      }
      const elected = session.trace().filter((entry) => entry.type === 'elected');
      expect(elected.length).toBeGreaterThanOrEqual(2);
      // The same clock change with every hazard off breaks nothing.
      expect(await skew([])).toEqual([]);
    } finally {
      session.dispose();
    }
  });

  test('views carry only what is new since the cursor, and start over when the history is replaced', async () => {
    const engine = new PlaygroundEngine();
    try {
      const first = await engine.load(cluster);
      expect(first.fresh).toBe(true);
      const second = await engine.advance(8_000, first.cursor, { invariants: false });
      expect(second.fresh).toBe(false);
      expect(second.invariants).toBeNull();
      expect(second.entries[0]!.seq).toBe(first.cursor.entries);
      expect(second.marks.some((mark) => mark.kind === 'elected')).toBe(true);
      // Calls from the play loop and from buttons interleave: the engine runs them one at a time.
      const [third, fourth] = await Promise.all([
        engine.advance(1_000, second.cursor),
        engine.apply({ type: 'pause', server: 'c' }, second.cursor),
      ]);
      expect(third.elapsedMs).toBe(9_000);
      expect(fourth.elapsedMs).toBe(9_001);
      const back = await engine.seek(1_000, fourth.cursor);
      expect(back.fresh).toBe(true);
      expect(back.entries[0]!.seq).toBe(0);
      const saved = parseScenarioJson(await engine.scenarioJson());
      expect(saved.actions.map((action) => action.type)).toEqual([]);
      expect(JSON.parse(await engine.traceJson())).toHaveLength(back.cursor.entries);
    } finally {
      engine.dispose();
    }
  });
});

describe('I7 in the playground', () => {
  test('verify replays the run so far from its scenario file and finds the same trace', async () => {
    const session = await PlaygroundSession.create(cluster);
    try {
      expect(session.invariants()[6]).toMatchObject({ id: 'I7', ok: true, skipped: expect.any(String) });
      await expect(session.verifyDeterminism()).rejects.toThrow(/nothing to verify yet/);
      await session.advance(9_000);
      await session.apply({ type: 'crash', server: 'a' });
      await session.advance(21_000);
      const report = await session.verifyDeterminism();
      expect(report).toMatchObject({ id: 'I7', ok: true });
      expect(report.skipped).toBeUndefined();
      expect(report.measurements).toMatchObject({ entriesA: session.trace().length });
      expect(report.note).toMatch(
        /^the run to 30\.0 s replayed from its scenario file to the same \d+ trace entries$/,
      );
      expect(session.invariants()[6]).toEqual(report);
      // A new history (a rewind) forgets the answer: it was about another run.
      await session.seek(1_000);
      expect(session.invariants()[6]!.skipped).toBeDefined();
    } finally {
      session.dispose();
    }
  });
});
