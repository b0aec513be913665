import { beforeAll, describe, expect, test } from 'vitest';
import { Conductor } from '../../src/sim/conductor/conductor';
import { runScenario } from '../../src/sim/runScenario';
import type { RunResult } from '../../src/sim/runResult';
import {
  canLead,
  newServerState,
  applyCoordinatorEvent,
  ServerStateFold,
  type ServerState,
} from '../../src/sim/trace/serverState';
import type { TraceEntry } from '../../src/sim/trace/trace';
import type { Scenario } from '../../src/scenario/types';

/** A leader crash, a refused crash, a pause, a cut-off, a graceful stop, a restart and an added server. */
const scenario: Scenario = {
  version: 1,
  seed: 11,
  durationMs: 80_000,
  jobs: [{ name: 'work', durationMs: 1_000 }],
  servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
  actions: [
    { atMs: 2_000, type: 'enqueue', server: 'b', job: 'work', count: 5 },
    { atMs: 10_000, type: 'crash', server: 'a' },
    { atMs: 12_000, type: 'crash', server: 'a' },
    { atMs: 20_000, type: 'pause', server: 'b' },
    { atMs: 30_000, type: 'resume', server: 'b' },
    { atMs: 35_000, type: 'cutOff', server: 'c' },
    { atMs: 45_000, type: 'heal', server: 'c' },
    { atMs: 50_000, type: 'stop', server: 'b', graceMs: 2_000 },
    { atMs: 60_000, type: 'restart', server: 'a' },
    { atMs: 62_000, type: 'addServer', server: { id: 'd', withoutJobs: true } },
  ],
};

let result: RunResult;
let epoch: number;

beforeAll(async () => {
  result = await runScenario(scenario, { heal: false });
  epoch = result.trace[0]!.vt;
});

/** The fold over the trace up to `ms` into the run (entries at `ms` included). */
function foldTo(ms: number, trace: readonly TraceEntry[] = result.trace): ServerStateFold {
  const fold = new ServerStateFold(scenario.servers, epoch);
  for (const entry of trace) if (entry.vt - epoch <= ms) fold.push(entry);
  fold.finish();
  return fold;
}

function stateAt(ms: number, id: string): Readonly<ServerState> {
  const state = foldTo(ms).get(id);
  if (!state) throw new Error(`no state for ${id} at ${ms}`);
  return state;
}

const leadersAt = (ms: number) =>
  foldTo(ms)
    .all()
    .filter((state) => state.term !== null)
    .map((state) => state.id);

describe('ServerStateFold over a real run', () => {
  test('the scenario servers run from the start; the first leader leads term 1 and heartbeats', () => {
    const fold = new ServerStateFold(scenario.servers, epoch);
    expect(fold.all().map((state) => [state.id, state.process, canLead(state)])).toEqual([
      ['a', 'running', true],
      ['b', 'running', true],
      ['c', 'running', true],
    ]);
    const a = stateAt(9_000, 'a');
    expect(a).toMatchObject({ process: 'running', generation: 1, term: 1 });
    expect(a.lastHeartbeatVt).toBeGreaterThan(epoch + 4_000);
    expect(leadersAt(9_000)).toEqual(['a']);
  });

  test('a crash ends the process and its leadership; another server takes over with term 2', () => {
    expect(stateAt(10_000, 'a')).toMatchObject({ process: 'crashed', term: null, paused: false });
    expect(stateAt(10_000, 'a').runningJobs.size).toBe(0);
    expect(canLead(stateAt(10_000, 'a'))).toBe(false);
    // Nobody leads until the lease, last renewed before 10 s, times out 15 s later.
    expect(leadersAt(19_000)).toEqual([]);
    const after = leadersAt(21_000);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe('a');
    expect(stateAt(21_000, after[0]!).term).toBe(2);
  });

  test('a refused action (crashing a crashed server) changes nothing and is not heard', () => {
    const refused = result.trace.findIndex(
      (entry) => entry.type === 'actionFailed' && entry.action.type === 'crash',
    );
    expect(refused).toBeGreaterThan(0);
    const action = result.trace[refused - 1]!;
    expect(action.type).toBe('action');
    const heard: TraceEntry[] = [];
    const fold = new ServerStateFold(scenario.servers, epoch);
    fold.onChange((_state, entry) => heard.push(entry));
    for (const entry of result.trace) fold.push(entry);
    fold.finish();
    expect(heard).not.toContain(action);
    expect(heard.filter((entry) => entry.type === 'action').map((entry) => entry.vt - epoch)).toEqual([
      10_000, 20_000, 30_000, 35_000, 45_000, 50_000, 62_000,
    ]);
  });

  test('a paused server cannot lead until it resumes', () => {
    expect(stateAt(25_000, 'b')).toMatchObject({ process: 'running', paused: true });
    expect(canLead(stateAt(25_000, 'b'))).toBe(false);
    expect(stateAt(30_000, 'b').paused).toBe(false);
    expect(canLead(stateAt(30_000, 'b'))).toBe(true);
  });

  test('a cut-off server cannot lead until healed, and loses its leadership', () => {
    expect(stateAt(40_000, 'c')).toMatchObject({ process: 'running', cutOff: true });
    expect(canLead(stateAt(40_000, 'c'))).toBe(false);
    expect(stateAt(45_000, 'c').cutOff).toBe(false);
    expect(canLead(stateAt(45_000, 'c'))).toBe(true);
    expect(leadersAt(49_000)).toHaveLength(1);
  });

  test('a graceful stop is stopping, then stopped', () => {
    const heard: [string, string, boolean][] = [];
    const fold = new ServerStateFold(scenario.servers, epoch);
    let ended: number | undefined;
    fold.onChange((state, entry) => {
      if (state.id !== 'b' || entry.vt - epoch < 50_000 || ended !== undefined) return;
      heard.push([entry.type, state.process, canLead(state)]);
      if (entry.type === 'processEnded') ended = entry.vt - epoch;
    });
    for (const entry of result.trace) fold.push(entry);
    fold.finish();
    // b leads then and runs no job: its stop gives the lease back and is over within a few ms.
    expect(ended).toBeLessThan(50_050);
    expect(heard).toEqual([
      ['action', 'stopping', false],
      ['released', 'stopping', false],
      ['stopped', 'stopping', false],
      ['processEnded', 'stopped', false],
    ]);
    expect(stateAt(55_000, 'b')).toMatchObject({ process: 'stopped', term: null });
  });

  test('a restart is a new generation that can lead again; an added server without jobs cannot', () => {
    expect(stateAt(61_000, 'a')).toMatchObject({ process: 'running', generation: 2, term: null });
    expect(canLead(stateAt(61_000, 'a'))).toBe(true);
    expect(foldTo(61_000).get('d')).toBeUndefined();
    expect(stateAt(63_000, 'd')).toMatchObject({ process: 'running', generation: 1, withoutJobs: true });
    expect(canLead(stateAt(63_000, 'd'))).toBe(false);
  });

  test('the entry stamps agree with the fold: an entry carries the term its server led under', () => {
    const fold = new ServerStateFold(scenario.servers, epoch);
    for (const entry of result.trace) {
      fold.push(entry);
      // Coordinator events carry the server's own view, actions the state before them; process and
      // database entries the conductor's mirror once they happened.
      if (entry.server !== null && entry.source !== 'coordinator' && entry.type !== 'action')
        expect([entry.seq, fold.get(entry.server)?.term ?? null]).toEqual([entry.seq, entry.term]);
    }
  });
});

describe("the conductor's mirror is the fold", () => {
  test('at each instant, every server the conductor shows is what the trace so far folds to', async () => {
    const conductor = await Conductor.create(scenario);
    try {
      for (const ms of [9_000, 11_000, 25_000, 40_000, 51_000, 55_000, 61_000, 63_000, 70_000]) {
        await conductor.runUntil(ms);
        const fold = foldTo(Infinity, conductor.trace.entries);
        for (const server of conductor.servers()) {
          const state = fold.get(server.id)!;
          expect({ ms, ...server, runningJobs: server.runningJobs.map((job) => job.jobId) }).toMatchObject({
            ms,
            generation: state.generation,
            process: state.process,
            paused: state.paused,
            cutOff: state.cutOff,
            withoutJobs: state.withoutJobs,
            term: state.term,
            lastHeartbeatVt: state.lastHeartbeatVt,
            runningJobs: [...state.runningJobs.keys()],
          });
        }
      }
    } finally {
      conductor.dispose();
    }
  });
});

describe('applyCoordinatorEvent', () => {
  test('follows leadership and jobs', () => {
    const state = newServerState('a');
    applyCoordinatorEvent(
      state,
      { type: 'elected', term: 3, dbNow: 0, previousHolder: null, previousHeartbeatAt: null },
      100,
    );
    applyCoordinatorEvent(state, { type: 'heartbeat', term: 3 }, 5_100);
    applyCoordinatorEvent(
      state,
      { type: 'claimed', jobId: '1', jobName: 'work', attempt: 1, token: null },
      5_200,
    );
    expect(state).toMatchObject({ term: 3, lastHeartbeatVt: 5_100 });
    expect([...state.runningJobs]).toEqual([['1', { jobName: 'work', attempt: 1 }]]);
    applyCoordinatorEvent(state, { type: 'completed', jobId: '1', jobName: 'work', attempt: 1 }, 6_200);
    applyCoordinatorEvent(state, { type: 'steppedDown', term: 3, reason: 'lost the lease' }, 7_000);
    expect(state).toMatchObject({ term: null, lastHeartbeatVt: 5_100 });
    expect(state.runningJobs.size).toBe(0);
    applyCoordinatorEvent(state, { type: 'started', mode: 'distributed', withoutJobs: true }, 8_000);
    expect(canLead(state)).toBe(false);
  });
});
