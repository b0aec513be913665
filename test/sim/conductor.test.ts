import { describe, expect, test } from 'vitest';
import { runScenario } from '../../src/sim/engine';
import type { Scenario } from '../../src/sim/scenario';

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
