import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { describe, expect, test } from 'vitest';
import type { Scenario } from '../../src/scenario/types';
import {
  parseScenario,
  parseScenarioJson,
  ScenarioError,
  serializeScenario,
} from '../../src/scenario/schema';

const SCENARIOS = join(import.meta.dirname, '../../scenarios');
const files = readdirSync(SCENARIOS)
  .filter((name) => name.endsWith('.json'))
  .sort();

const base = (): Record<string, unknown> => ({
  version: 1,
  seed: 1,
  durationMs: 60_000,
  jobs: [{ name: 'email' }, { name: 'report' }],
  servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
  actions: [],
});

/** The problems a scenario is refused with, one `path: message` line each. */
function problems(input: unknown): string[] {
  try {
    parseScenario(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).problems;
  }
  throw new Error('expected the scenario to be refused');
}

const withActions = (...actions: unknown[]) => ({ ...base(), actions });

describe('the example scenarios', () => {
  test('there are examples for every situation the brief lists', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'leader-crash-failover.json',
        'graceful-handover.json',
        'clock-skew.json',
        'paused-leader.json',
        'partitioned-leader.json',
        'burst-1000-jobs.json',
        'cron-across-failover.json',
        'two-single-servers.json',
        'reference-hazards.json',
      ]),
    );
  });

  test.each(files)(
    '%s parses, has a name and a description, and is printed as it is written',
    async (file) => {
      const text = readFileSync(join(SCENARIOS, file), 'utf8');
      const scenario = parseScenarioJson(text, file);
      expect(scenario.name).toBeTruthy();
      expect(scenario.description?.length).toBeGreaterThan(100);
      expect(serializeScenario(scenario)).toBe(text);
    },
  );

  test('the leader to crash is the first server listed, a', () => {
    const crash = parseScenarioJson(readFileSync(join(SCENARIOS, 'leader-crash-failover.json'), 'utf8'));
    expect(crash.servers.map((server) => server.id)).toEqual(['a', 'b', 'c']);
    expect(crash.actions).toContainEqual({ atMs: 20_000, type: 'crash', server: 'a' });
  });
});

describe('parseScenario keeps the scenario as written', () => {
  test('no defaults are filled in', () => {
    const input = withActions({ atMs: 0, type: 'enqueue', server: 'a', job: 'email' });
    const scenario = parseScenario(input);
    expect(scenario).toEqual(input);
    expect('mode' in scenario).toBe(false);
    expect('count' in scenario.actions[0]!).toBe(false);
  });

  test('hazards are accepted by name or by code', () => {
    expect(parseScenario({ ...base(), hazards: ['noFencing', 'H5'] }).hazards).toEqual(['noFencing', 'H5']);
  });

  test('a server added by an earlier action may be referred to; unsorted actions are taken in time order', () => {
    const input = withActions(
      { atMs: 5_000, type: 'crash', server: 'd' },
      { atMs: 1_000, type: 'addServer', server: { id: 'd', rate: 1.001 } },
    );
    expect(parseScenario(input).actions).toHaveLength(2);
  });
});

describe('parseScenario says what is wrong, with paths', () => {
  test('an unknown server id', () => {
    const input = withActions(
      { atMs: 0, type: 'pause', server: 'a' },
      { atMs: 1, type: 'resume', server: 'a' },
      { atMs: 2, type: 'crash', server: 'b' },
      { atMs: 3, type: 'crash', server: 'd' },
    );
    expect(problems(input)).toEqual(['actions[3].server: expected one of the server ids a, b, c, got "d"']);
  });

  test('a server used before the action that adds it', () => {
    const input = withActions(
      { atMs: 1_000, type: 'crash', server: 'd' },
      { atMs: 2_000, type: 'addServer', server: { id: 'd' } },
    );
    expect(problems(input)).toEqual([
      'actions[0].server: expected one of the server ids a, b, c, got "d" (that server is added only later, by actions[1])',
    ]);
  });

  test("an invalid cron expression, with croner's reason", () => {
    const input = { ...base(), jobs: [{ name: 'email', schedules: [{ cron: '61 * * * *' }] }] };
    expect(problems(input)).toEqual([
      'jobs[0].schedules[0].cron: invalid cron expression "61 * * * *": CronPattern: Invalid value for minute: 61',
    ]);
  });

  test('an invalid cron expression is let through when crashOnBadCrontab (H13) is on from the start', () => {
    const jobs = [{ name: 'email', schedules: [{ cron: '61 * * * *' }] }];
    expect(parseScenario({ ...base(), hazards: ['H13'], jobs }).jobs).toEqual(jobs);
  });

  test('another version of the format', () => {
    expect(problems({ ...base(), version: 2 })).toEqual([
      'version: expected 1, got 2: this program reads version 1 of the scenario format only',
    ]);
    expect(problems({ ...base(), version: undefined })).toEqual([
      'version: expected 1 (the scenario format version), got nothing',
    ]);
  });

  test('ranges', () => {
    const input = {
      ...base(),
      durationMs: 8 * 86_400_000,
      servers: [{ id: 'a', offsetMs: 86_400_001, rate: 2.5 }],
      jobs: [{ name: 'email', failureRate: 1.5 }],
      database: { latencyMs: { min: 0, max: 10_001 } },
      actions: [{ atMs: 0, type: 'enqueue', server: 'a', job: 'email', count: 0 }],
    };
    expect(problems(input)).toEqual([
      'durationMs: expected a whole number from 1 to 604800000 (ms, at most 7 days), got 691200000',
      'database.latencyMs.max: expected a whole number from 0 to 10000 (ms), got 10001',
      'jobs[0].failureRate: expected a number from 0 to 1 (the chance that one attempt fails), got 1.5',
      'servers[0].offsetMs: expected a whole number from -86400000 to 86400000 (ms, within a day either way), got 86400001',
      'servers[0].rate: expected a number from 0.5 to 2 (1 is exact, 1.001 runs 1 ms fast per second), got 2.5',
      'actions[0].count: expected a whole number from 1 to 100000, got 0',
    ]);
  });

  test('latency min above max, and a time past the end of the run', () => {
    const input = {
      ...withActions({ atMs: 60_001, type: 'heal', server: 'a' }),
      database: { latencyMs: { min: 5, max: 2 } },
    };
    expect(problems(input)).toEqual([
      'database.latencyMs.max: expected a number >= min (5), got 2',
      'actions[0].atMs: expected a whole number from 0 to 60000 (durationMs), got 60001',
    ]);
  });

  test('ids: their form, and no id twice', () => {
    const input = {
      ...base(),
      jobs: [{ name: 'email' }, { name: 'email' }],
      servers: [{ id: 'a' }, { id: 'a' }, { id: 'has space' }],
      actions: [
        { atMs: 0, type: 'addServer', server: { id: 'b' } },
        { atMs: 1, type: 'addServer', server: { id: 'b' } },
      ],
    };
    expect(problems(input)).toEqual([
      'jobs[1].name: expected a job name not used before, got "email", which jobs[0] has',
      'servers[1].id: expected a server id not used before, got "a", which servers[0] has',
      'servers[2].id: expected a server id of 1 to 40 letters, digits, "_", "." or "-", got "has space"',
      'actions[1].server.id: expected a server id not used before, got "b", which actions[0] has',
    ]);
  });

  test('jobs referred to by enqueue, setJob and addSchedule exist', () => {
    const input = withActions(
      { atMs: 0, type: 'enqueue', server: 'a', job: 'sms' },
      { atMs: 0, type: 'setJob', job: 'sms', failureRate: 0.5 },
      { atMs: 0, type: 'addSchedule', job: 'sms', cron: '* * * * *' },
    );
    expect(problems(input)).toEqual([
      'actions[0].job: expected one of the job names email, report, got "sms"',
      'actions[1].job: expected one of the job names email, report, got "sms"',
      'actions[2].job: expected one of the job names email, report, got "sms"',
    ]);
  });

  test('hazards by name or code, and H14 explained', () => {
    expect(problems({ ...base(), hazards: ['H14'] })).toEqual([
      'hazards[0]: expected a hazard name (nullHeartbeatAfterRelease, localClockHeartbeat, wholeSecondLease, noFencing, lateStepDown, replayMissedTicks, noTickRecord, deleteOnClaim, oneClaimPerTick, distributeKeepsOne, droppedFailures, lockWaitersInheritErrors, crashOnBadCrontab) or code (H1-H13), got "H14": H14 (two single-server coordinators) is no switch; write "mode": "single" with several servers',
    ]);
    const setHazards = withActions({
      atMs: 0,
      type: 'setHazards',
      hazards: ['noFencing'],
      servers: ['a', 'x'],
    });
    expect(problems(setHazards)).toEqual([
      'actions[0].servers[1]: expected one of the server ids a, b, c, got "x"',
    ]);
  });

  test('types, unknown keys, unknown action types and missing keys', () => {
    const input = {
      ...base(),
      seed: '7',
      durationMS: 60_000,
      mode: 'cluster',
      servers: {},
      actions: [{ atMs: 0, type: 'explode', server: 'a' }, { atMs: 0, type: 'crash', sever: 'a' }, 'crash a'],
    };
    expect(problems(input)).toEqual([
      'scenario: expected only the keys version, name, description, seed, durationMs, mode, coordinator, hazards, database, jobs, servers, actions, lesson, watch, got the key "durationMS"',
      'seed: expected a whole number from -2147483648 to 4294967295, got "7"',
      'mode: expected one of "distributed", "single", got "cluster"',
      'servers: expected a list of servers, got an object',
      'actions[0].type: expected one of "addServer", "crash", "stop", "restart", "pause", "resume", "cutOff", "heal", "setClock", "setDatabaseSkew", "enqueue", "setJob", "addSchedule", "setHazards", got "explode"',
      'actions[1].server: expected a server id, got nothing',
      'actions[1]: expected only the keys atMs, type, server, got the key "sever"',
      'actions[2]: expected an action object, got "crash a"',
    ]);
  });

  test('coordinator settings: the lease must outlast a heartbeat, a misfire policy, a time zone', () => {
    const input = {
      ...base(),
      coordinator: { leadershipTimeoutMs: 4_000, misfire: { kind: 'later' }, timezone: 'Mars/Olympus' },
    };
    expect(problems(input)).toEqual([
      'coordinator.misfire.kind: expected one of "skip", "fireOnce", "backfill", got "later"',
      'coordinator.timezone: expected an IANA time zone such as "UTC" or "Europe/Paris", got "Mars/Olympus"',
      'coordinator.leadershipTimeoutMs: expected more than heartbeatIntervalMs (5000, the default), got 4000: a live leader would lose its lease between heartbeats',
    ]);
  });

  test('actions that change nothing, and a schedule the job has already', () => {
    const input = {
      ...base(),
      jobs: [{ name: 'email', schedules: [{ cron: '* * * * *' }] }],
      actions: [
        { atMs: 0, type: 'setClock', server: 'a' },
        { atMs: 0, type: 'setJob', job: 'email' },
        { atMs: 0, type: 'addSchedule', job: 'email', cron: '* * * * *' },
      ],
    };
    expect(problems(input)).toEqual([
      'actions[0]: expected offsetMs or rate to change, got neither',
      'actions[1]: expected durationMs or failureRate to change, got neither',
      'actions[2]: expected a schedule that job "email" does not have yet, got the one jobs[0].schedules[0] has',
    ]);
  });

  test('not an object at all', () => {
    expect(problems(null)).toEqual(['scenario: expected a scenario object, got null']);
    expect(problems([])).toEqual(['scenario: expected a scenario object, got an array']);
  });

  test('the error message names the source and lists every problem', () => {
    const text = JSON.stringify({ ...base(), seed: 0.5, durationMs: 0 });
    expect(() => parseScenarioJson(text, 'x.json')).toThrow(
      'x.json: invalid scenario (2 problems):\n' +
        '  seed: expected a whole number from -2147483648 to 4294967295, got 0.5\n' +
        '  durationMs: expected a whole number from 1 to 604800000 (ms, at most 7 days), got 0',
    );
  });
});

describe('parseScenarioJson reports JSON syntax errors with source and position', () => {
  test.each([
    [
      '{\n  "version": 1,\n}',
      'x.json: invalid scenario (1 problem):\n  line 3, column 1: invalid JSON: Expected double-quoted property name',
    ],
    [
      '{"a": tru}',
      "x.json: invalid scenario (1 problem):\n  line 1, column 10: invalid JSON: Unexpected token '}'",
    ],
    [
      '',
      'x.json: invalid scenario (1 problem):\n  line 1, column 1: invalid JSON: Unexpected end of JSON input',
    ],
  ])('%j', (text, message) => {
    expect(() => parseScenarioJson(text, 'x.json')).toThrow(message);
  });
});

describe('serializeScenario prints a clean file', () => {
  const messy: Scenario = {
    actions: [
      { server: 'b', type: 'crash', atMs: 30_000 },
      { type: 'enqueue', job: 'email', server: 'a', atMs: 1_000, count: 5, params: { to: 'x' } },
      { type: 'pause', server: 'c', atMs: 30_000 },
      { atMs: 0, type: 'setHazards', hazards: ['H4'] },
    ],
    servers: [{ rate: 1.001, id: 'a' }, { id: 'b' }, { id: 'c', offsetMs: -20_000 }],
    jobs: [
      { schedules: [{ misfire: { thresholdMs: 1_000, kind: 'skip' }, cron: '* * * * * *' }], name: 'email' },
    ],
    database: { latencyMs: { max: 3, min: 1 }, skewMs: 5 },
    coordinator: { misfire: { limit: 10, kind: 'backfill' }, heartbeatIntervalMs: 2_000 },
    durationMs: 60_000,
    seed: 42,
    name: 'messy',
    version: 1,
  };

  test('keys in a fixed order, actions sorted by time with equal times in their order', () => {
    const text = serializeScenario(messy);
    const back = JSON.parse(text) as Scenario;
    expect(Object.keys(back)).toEqual([
      'version',
      'name',
      'seed',
      'durationMs',
      'coordinator',
      'database',
      'jobs',
      'servers',
      'actions',
    ]);
    expect(back.actions.map((action) => `${action.atMs} ${action.type}`)).toEqual([
      '0 setHazards',
      '1000 enqueue',
      '30000 crash',
      '30000 pause',
    ]);
    expect(Object.keys(back.actions[1]!)).toEqual(['atMs', 'type', 'server', 'job', 'count', 'params']);
    expect(Object.keys(back.servers[0]!)).toEqual(['id', 'rate']);
    expect(Object.keys(back.coordinator!.misfire!)).toEqual(['kind', 'limit']);
    expect(text).toContain(
      '    { "atMs": 1000, "type": "enqueue", "server": "a", "job": "email", "count": 5, "params": { "to": "x" } },\n',
    );
  });

  test('serialize then parse gives the same scenario; printing again gives the same text', () => {
    const text = serializeScenario(messy);
    const back = parseScenarioJson(text);
    expect(back).toEqual({
      ...messy,
      actions: [messy.actions[3], messy.actions[1], messy.actions[0], messy.actions[2]],
    });
    expect(serializeScenario(back)).toBe(text);
  });

  test('round trip of every example', () => {
    for (const file of files) {
      const scenario = parseScenarioJson(readFileSync(join(SCENARIOS, file), 'utf8'));
      expect(parseScenario(JSON.parse(serializeScenario(scenario)))).toEqual(scenario);
    }
  });

  test('the printed file is already formatted as prettier formats it', async () => {
    const options = { ...(await resolveConfig(join(SCENARIOS, 'x.json'))), parser: 'json' };
    const long: Scenario = {
      ...messy,
      description: 'x'.repeat(300),
      actions: [
        ...messy.actions,
        {
          atMs: 2_000,
          type: 'enqueue',
          server: 'a',
          job: 'email',
          params: { note: 'y'.repeat(120), n: [1, 2] },
        },
      ],
    };
    for (const scenario of [messy, long]) {
      const text = serializeScenario(scenario);
      expect(await format(text, options)).toBe(text);
    }
  });
});
