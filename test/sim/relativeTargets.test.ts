import { describe, expect, test } from 'vitest';
import { runScenario } from '../../src/sim/runScenario';
import { entryDetails } from '../../src/sim/trace/entryText';
import type { TraceEntry } from '../../src/sim/trace/trace';
import { parseScenario } from '../../src/scenario/schema';
import type { Action, Scenario } from '../../src/scenario/types';
import { checkAll } from '../../src/verify';

const cluster = (actions: Action[], extra: Partial<Scenario> = {}): Scenario => ({
  version: 1,
  seed: 7,
  durationMs: 80_000,
  jobs: [{ name: 'work', durationMs: 200 }],
  servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
  actions,
  ...extra,
});

type ActionEntryOf = Extract<TraceEntry, { type: 'action' }>;
const actionEntries = (trace: readonly TraceEntry[]) =>
  trace.filter((entry): entry is ActionEntryOf => entry.type === 'action');

/** Who the trace says leads just before `seq`: the server of the last election whose leadership has not ended. */
function leaderBefore(trace: readonly TraceEntry[], seq: number): string | null {
  let leader: string | null = null;
  for (const entry of trace.slice(0, seq)) {
    if (entry.type === 'elected') leader = entry.server;
    const ends = ['steppedDown', 'released', 'crashed'].includes(entry.type) || entry.type === 'processEnded';
    if (ends && entry.server === leader) leader = null;
  }
  return leader;
}

describe('relative targets', () => {
  test('"crash @leader" crashes whoever leads at that time, twice over, and failover follows each', async () => {
    const scenario = parseScenario(
      cluster([
        { atMs: 5_000, type: 'enqueue', server: '@any', job: 'work', count: 20 },
        { atMs: 20_000, type: 'crash', server: '@leader' },
        { atMs: 50_000, type: 'crash', server: '@leader' },
      ]),
    );
    const result = await runScenario(scenario);
    const crashes = actionEntries(result.trace).filter((entry) => entry.action.type === 'crash');
    expect(crashes).toHaveLength(2);
    const crashed = crashes.map((entry) => {
      const leader = leaderBefore(result.trace, entry.seq);
      expect(entry.target).toBe('@leader');
      expect(leader).not.toBeNull();
      expect(entry.action).toMatchObject({ type: 'crash', server: leader });
      expect(entry.server).toBe(leader);
      expect(entryDetails(entry)).toBe(`crash @leader (${leader})`);
      return leader!;
    });
    expect(new Set(crashed).size).toBe(2);
    // Each crash is followed by an election of a server that was not crashed.
    for (const [index, entry] of crashes.entries()) {
      const next = result.trace.find((e) => e.seq > entry.seq && e.type === 'elected');
      expect(next?.server).toBeDefined();
      expect(crashed.slice(0, index + 1)).not.toContain(next!.server);
    }
    // Nothing of the crashes is refused; every job is done; the checkers read the resolved ids.
    expect(result.trace.filter((e) => e.type === 'actionFailed')).toEqual([]);
    const work = result.final.distributedJobs.filter((row) => row.name === 'work');
    expect(work.map((row) => row.status)).toEqual(Array(20).fill('completed'));
    expect(checkAll(result).filter((report) => !report.ok)).toEqual([]);
  });

  test('"@leader" when nobody leads is refused with the reason, and the server is left alone', async () => {
    const result = await runScenario(cluster([{ atMs: 0, type: 'crash', server: '@leader' }]), {
      heal: false,
    });
    const failed = result.trace.filter((e) => e.type === 'actionFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      server: null,
      target: '@leader',
      action: { type: 'crash', server: '@leader' },
    });
    expect(entryDetails(failed[0]!)).toMatch(/^crash @leader: no server leads now/);
    expect(result.trace.filter((e) => e.type === 'processEnded')).toEqual([]);
  });

  test('"@follower" is the first running server by id that does not lead; "restart @any" one that has ended', async () => {
    const result = await runScenario(
      cluster([
        { atMs: 20_000, type: 'crash', server: '@follower' },
        { atMs: 30_000, type: 'restart', server: '@any' },
      ]),
    );
    const [crash, restart] = actionEntries(result.trace).filter((e) => e.target !== undefined);
    const leader = leaderBefore(result.trace, crash!.seq);
    const expected = ['a', 'b', 'c'].find((id) => id !== leader);
    expect(crash!.action).toMatchObject({ server: expected });
    expect(restart!.action).toMatchObject({ type: 'restart', server: expected });
    expect(result.trace.filter((e) => e.type === 'actionFailed')).toEqual([]);
  });

  test('the same scenario and seed resolve "@any" the same way; the draws are the targets\' own', async () => {
    const picks = (trace: readonly TraceEntry[]) =>
      actionEntries(trace)
        .filter((e) => e.target === '@any')
        .map((e) => (e.action as { server: string }).server);
    const actions: Action[] = [10_000, 20_000, 30_000, 40_000, 50_000, 60_000].flatMap((atMs) => [
      { atMs, type: 'pause', server: '@any' } as Action,
      { atMs: atMs + 2_000, type: 'resume', server: '@any' } as Action,
    ]);
    const one = await runScenario(cluster(actions));
    const two = await runScenario(cluster(actions));
    expect(picks(one.trace)).toHaveLength(12);
    expect(picks(two.trace)).toEqual(picks(one.trace));
    expect(JSON.stringify(two.trace)).toBe(JSON.stringify(one.trace));
    // Each resume found the one paused server.
    const resolved = picks(one.trace);
    for (let i = 0; i < resolved.length; i += 2) expect(resolved[i + 1]).toBe(resolved[i]);
    // Other seeds choose otherwise at least once.
    const others = await Promise.all([8, 9, 10].map((seed) => runScenario(cluster(actions, { seed }))));
    expect(others.some((other) => JSON.stringify(picks(other.trace)) !== JSON.stringify(resolved))).toBe(
      true,
    );
  });
});
