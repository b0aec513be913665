import { describe, expect, test } from 'vitest';
import { describeAction } from '../../src/scenario/describeAction';
import { parseScenario, ScenarioError, serializeScenario } from '../../src/scenario/schema';
import { SERVER_TARGETS, targetOf } from '../../src/scenario/targets';
import type { Action } from '../../src/scenario/types';

const withActions = (...actions: unknown[]) => ({
  version: 1,
  seed: 1,
  durationMs: 60_000,
  jobs: [{ name: 'email' }],
  servers: [{ id: 'a' }, { id: 'b' }],
  actions,
});

function problems(input: unknown): string[] {
  try {
    parseScenario(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).problems;
  }
  throw new Error('expected the scenario to be refused');
}

describe('relative targets in the scenario format', () => {
  test('are accepted wherever an action names one server, and print back as written', () => {
    const actions = [
      { atMs: 1_000, type: 'crash', server: '@leader' },
      { atMs: 2_000, type: 'restart', server: '@any' },
      { atMs: 3_000, type: 'pause', server: '@follower' },
      { atMs: 4_000, type: 'resume', server: '@any' },
      { atMs: 5_000, type: 'cutOff', server: '@leader' },
      { atMs: 6_000, type: 'heal', server: '@any' },
      { atMs: 7_000, type: 'stop', server: '@follower', graceMs: 100 },
      { atMs: 8_000, type: 'setClock', server: '@leader', offsetMs: 500 },
      { atMs: 9_000, type: 'enqueue', server: '@any', job: 'email', count: 2 },
    ];
    const scenario = parseScenario(withActions(...actions));
    expect(scenario.actions).toEqual(actions);
    expect(parseScenario(JSON.parse(serializeScenario(scenario)))).toEqual(scenario);
    expect(scenario.actions.map(targetOf)).toEqual(actions.map((action) => action.server));
  });

  test('a misspelt target names the ones there are; a target in a list of servers is refused', () => {
    expect(problems(withActions({ atMs: 0, type: 'crash', server: '@leadr' }))).toEqual([
      `actions[0].server: expected a server id or one of ${SERVER_TARGETS.join(', ')}, got "@leadr"`,
    ]);
    expect(problems(withActions({ atMs: 0, type: 'crash', server: 'z' }))).toEqual([
      'actions[0].server: expected one of the server ids a, b, got "z"',
    ]);
    const [refused] = problems(
      withActions({ atMs: 0, type: 'setHazards', hazards: [], servers: ['@leader'] }),
    );
    expect(refused).toMatch(
      /^actions\[0\]\.servers\[0\]: expected a server id, got "@leader": a relative target names one server/,
    );
    expect(problems(withActions({ atMs: 0, type: 'crash' }))).toEqual([
      'actions[0].server: expected a server id, got nothing',
    ]);
  });

  test('describeAction shows the target as written, and what it resolved to when told', () => {
    const crash: Action = { atMs: 0, type: 'crash', server: '@leader' };
    expect(describeAction(crash)).toBe('crash @leader');
    expect(describeAction({ ...crash, server: 'a' }, '@leader')).toBe('crash @leader (a)');
    expect(describeAction({ atMs: 0, type: 'enqueue', server: 'b', job: 'email', count: 3 }, '@any')).toBe(
      'enqueue 3 × email on @any (b)',
    );
    expect(describeAction({ atMs: 0, type: 'setClock', server: 'c', rate: 1.01 }, '@follower')).toBe(
      "set @follower (c)'s clock: rate 1.01",
    );
  });
});
