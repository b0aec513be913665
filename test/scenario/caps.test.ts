// Issue 9 sections 3 and 4: a scenario that would exhaust memory or stall is refused when it is read, with
// an error naming the field and the cap; no input makes the parser crash.

import { describe, expect, test } from 'vitest';
import { findNonJson } from '../../src/core/json';
import { jsonErrorOffset } from '../../src/scenario/jsonSyntax';
import {
  MAX_ACTIONS,
  MAX_PARAMS_CHARS,
  MAX_PARAMS_DEPTH,
  MAX_SERVERS,
  MAX_TOTAL_JOBS,
  MAX_TOTAL_PARAMS_CHARS,
  MAX_WAKEUPS,
  parseScenario,
  parseScenarioJson,
  ScenarioError,
} from '../../src/scenario/schema';

const base = () => ({
  version: 1,
  seed: 1,
  durationMs: 60_000,
  jobs: [{ name: 'work' }],
  servers: [{ id: 'a' }, { id: 'b' }],
  actions: [] as unknown[],
});

/** The problems a scenario is refused with (fails the test if it is accepted). */
function problemsOf(input: unknown): string[] {
  try {
    parseScenario(input, 'x.json');
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  throw new Error('the scenario was accepted');
}

describe('the caps on what a scenario may cost', () => {
  test('servers: 33 are refused, and a million are refused without walking them', () => {
    const servers = Array.from({ length: MAX_SERVERS + 1 }, (_, i) => ({ id: `s${i}` }));
    expect(problemsOf({ ...base(), servers })).toEqual([
      `servers: expected at most ${MAX_SERVERS} servers (the page runs each in a Web Worker), got 33`,
    ]);
    const million = new Array<unknown>(1_000_000).fill({ id: 's' });
    expect(problemsOf({ ...base(), servers: million })).toEqual([
      `servers: expected at most ${MAX_SERVERS} servers (the page runs each in a Web Worker), got 1000000`,
    ]);
    expect(() => parseScenario({ ...base(), servers: servers.slice(0, MAX_SERVERS) })).not.toThrow();
  });

  test('servers added later count: the addServer past the cap is named', () => {
    const servers = Array.from({ length: MAX_SERVERS - 1 }, (_, i) => ({ id: `s${i}` }));
    const actions = [
      { atMs: 100, type: 'addServer', server: { id: 'x1' } },
      { atMs: 200, type: 'addServer', server: { id: 'x2' } },
    ];
    expect(problemsOf({ ...base(), servers, actions })).toEqual([
      `actions[1]: expected at most ${MAX_SERVERS} servers in all (servers and addServer actions; the page runs each in a Web Worker), this one is server number 33`,
    ]);
  });

  test('one enqueue of 1,000 jobs with a 5 MB string in its params is refused by the params cap', () => {
    const actions = [
      { atMs: 0, type: 'enqueue', server: 'a', job: 'work', count: 1_000, params: { blob: 'x'.repeat(5e6) } },
    ];
    expect(problemsOf({ ...base(), actions })).toEqual([
      `actions[0].params: expected params of at most ${MAX_PARAMS_CHARS} characters as JSON, got 5000011`,
    ]);
  });

  test('params under the per-job cap still count against the total, times the count', () => {
    const params = { blob: 'x'.repeat(60_000) };
    const actions = [{ atMs: 0, type: 'enqueue', server: 'a', job: 'work', count: 100, params }];
    expect(problemsOf({ ...base(), actions })).toEqual([
      `actions[0].params: expected every job's params together to hold at most ${MAX_TOTAL_PARAMS_CHARS} characters as JSON, got 6001100 with these (60011 x 100 jobs)`,
    ]);
    expect(() => parseScenario({ ...base(), actions: [{ ...actions[0], count: 60 }] })).not.toThrow();
  });

  test('1,000 enqueues of 100,000 jobs each are refused at the one that passes the total', () => {
    const actions = Array.from({ length: 1_000 }, (_, i) => ({
      atMs: i,
      type: 'enqueue',
      server: 'a',
      job: 'work',
      count: 100_000,
    }));
    expect(problemsOf({ ...base(), actions })).toEqual([
      `actions[1].count: expected the enqueue actions to add up to at most ${MAX_TOTAL_JOBS} jobs, got 200000 with this one`,
    ]);
  });

  test('actions past the cap are refused alone, before each is checked', () => {
    const actions = new Array<unknown>(MAX_ACTIONS + 1).fill({ atMs: 'soon', type: 'nonsense' });
    expect(problemsOf({ ...base(), actions })).toEqual([
      `actions: expected at most ${MAX_ACTIONS} actions, got ${MAX_ACTIONS + 1}`,
    ]);
  });

  test('the event budget: a 10 ms heartbeat and a 1 ms poll over 7 days with 8 servers is refused', () => {
    const servers = Array.from({ length: 8 }, (_, i) => ({ id: `s${i}` }));
    const scenario = {
      ...base(),
      durationMs: 7 * 24 * 3_600_000,
      servers,
      coordinator: { heartbeatIntervalMs: 10, pollIntervalMs: 1, leadershipTimeoutMs: 30 },
    };
    expect(problemsOf(scenario)).toEqual([
      `durationMs: expected at most ${MAX_WAKEUPS} server wake-ups (servers x durationMs / shortest interval), got 8 servers x 604800000 ms / 1 ms (coordinator.pollIntervalMs) = 4838400000: shorten the run, use fewer servers or a longer interval`,
    ]);
  });

  test('the event budget counts a cron schedule by its shortest gap, and the defaults allow a long run', () => {
    const every = { ...base(), durationMs: 24 * 3_600_000 };
    every.jobs = [{ name: 'work', schedules: [{ cron: '* * * * * *' }] }] as never;
    expect(problemsOf(every)[0]).toMatch(
      /^durationMs: .* got 2 servers x 86400000 ms \/ 1000 ms \(jobs\[0\]\.schedules\[0\]\.cron\) = 172800: shorten/,
    );
    // Five days of one server at the default 5 s intervals: 86,400 wake-ups.
    expect(() =>
      parseScenario({ ...base(), servers: [{ id: 'a' }], durationMs: 5 * 86_400_000 }),
    ).not.toThrow();
  });
});

describe('no input makes the parser crash', () => {
  const nested = (depth: number) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = { a: value };
    return value as Record<string, unknown>;
  };

  test('params nested 4,000 and 200,000 deep are refused by the depth cap, not by the call stack', () => {
    for (const depth of [4_000, 200_000]) {
      const actions = [{ atMs: 0, type: 'enqueue', server: 'a', job: 'work', params: nested(depth) }];
      const [problem] = problemsOf({ ...base(), actions });
      expect(problem).toBe(
        `actions[0].params${'.a'.repeat(MAX_PARAMS_DEPTH)}: expected plain JSON, got objects and arrays nested more than ${MAX_PARAMS_DEPTH} deep`,
      );
    }
  });

  test("a lesson or a watch item's condition nested 10,000 deep is refused by the same cap (found by the link fuzz)", () => {
    const deep = nested(10_000);
    const watch = [
      { text: 'one', when: deep },
      { text: 'two', when: { a: 1 } },
    ];
    expect(problemsOf({ ...base(), watch })[0]).toBe(
      `watch[0].when${'.a'.repeat(MAX_PARAMS_DEPTH)}: expected plain JSON, got objects and arrays nested more than ${MAX_PARAMS_DEPTH} deep`,
    );
    expect(problemsOf({ ...base(), lesson: deep })[0]).toMatch(
      /^lesson(\.a)+: expected plain JSON, got objects and arrays nested/,
    );
  });

  test('findNonJson walks any depth without recursion and still finds what is not JSON', () => {
    const deep = nested(100_000);
    let inner = deep;
    for (let i = 0; i < 99_999; i++) inner = inner.a as Record<string, unknown>;
    inner.a = Number.NaN;
    const found = findNonJson(deep);
    expect(found?.reason).toBe('NaN is not a finite number');
    expect(found?.path).toBe(`params${'.a'.repeat(100_000)}`);
  });

  test('200,000 problems are counted, 30 listed, and the parser does not overflow', () => {
    const unknown = Array.from({ length: 1_000 }, (_, i) => `ghost${i}`);
    const actions = Array.from({ length: 200 }, () => ({
      atMs: 0,
      type: 'setHazards',
      hazards: [],
      servers: unknown,
    }));
    let error: unknown;
    try {
      parseScenario({ ...base(), actions }, 'x.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const message = (error as ScenarioError).message;
    expect(message.split('\n')[0]).toBe('x.json: invalid scenario (200000 problems):');
    expect(message.split('\n').at(-1)).toBe('  ... and 199970 more');
    expect(message.split('\n')).toHaveLength(32);
  });

  test('a NaN on line 7 is reported on line 7, where it is', () => {
    const text =
      '{\n  "version": 1,\n  "seed": 1,\n  "durationMs": 1000,\n  "jobs": [],\n  "servers": [],\n  "actions": [NaN]\n}';
    expect(() => parseScenarioJson(text, 'x.json')).toThrow(
      "x.json: invalid scenario (1 problem):\n  line 7, column 15: invalid JSON: Unexpected token 'N'",
    );
  });

  test('the scan agrees with JSON.parse on where text breaks, wherever JSON.parse says so', () => {
    const broken = [
      '{"a": 1,}',
      '[1, 2',
      '{"a" 1}',
      '{"a": "x\u0001"}',
      '[1] [2]',
      '{"a": -}',
      '{"a": 1.e5}',
      '{"a": "\\q"}',
      '{"a": "\\u12G4"}',
      '[01]',
      '{"a": [1, {"b": }]}',
      '  ',
      '{"a": tru}',
      '[nul]',
    ];
    for (const text of broken) {
      let stated: number | undefined;
      try {
        JSON.parse(text);
        throw new Error(`JSON.parse took ${text}`);
      } catch (error) {
        const match = /at position (\d+)/.exec((error as Error).message);
        stated = match ? Number(match[1]) : undefined;
      }
      const offset = jsonErrorOffset(text);
      expect(offset, text).toBeDefined();
      if (stated !== undefined) expect(offset, text).toBe(stated);
    }
    for (const good of ['{}', '[]', '[1, -0.5e-3, "a\\u00e9", true, false, null, {"k": [[]]}]', ' 7 '])
      expect(jsonErrorOffset(good), good).toBeUndefined();
  });

  test('a 20 MB file with a stray token near its end is placed right', () => {
    const line = `    { "atMs": 0, "type": "crash", "server": "a" },\n`;
    const lines = Math.ceil(20e6 / line.length);
    const text = `{\n  "actions": [\n${line.repeat(lines)}    NaN\n  ]\n}`;
    expect(() => parseScenarioJson(text, 'big.json')).toThrow(
      new RegExp(`line ${lines + 3}, column 5: invalid JSON: Unexpected token 'N'$`),
    );
  });
});
