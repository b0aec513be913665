import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseScenarioJson, ScenarioError } from '../../src/scenario';
import { MAX_LINK_SCENARIO_BYTES, MAX_PARAMS_DEPTH } from '../../src/scenario/limits';
import { RunBudgetError } from '../../src/sim';
import {
  fuzzLinkCase,
  fuzzScenarioCase,
  fuzzText,
  FuzzCrash,
  REAL_TARGETS,
  withKnownFailures,
  type FuzzTargets,
  type Outcome,
} from './harness';
import { KNOWN_FAILURES, knownFailureOf, type KnownFailure } from './knownFailures';
import { linkFragment, type LinkCase } from './linkMutations';
import { scenarioText, type ScenarioCase } from './mutations';
import { EXAMPLES } from './examples';
import { RawToken } from './jsonText';

/**
 * The fuzz suite's judge and its mutations, on hand-made cases: a suite whose judge let a crash through, or
 * whose mutations did not write what they claim, would pass whatever the parser did.
 */

const SETTINGS = { untilMs: 1_000, heal: false, maxEvents: 50_000, hangMs: 60_000 };
const THREE_SERVERS = EXAMPLES.findIndex((example) => example.file === 'three-servers.json');
const valid = EXAMPLES[THREE_SERVERS]!.text;

const judge = (text: string, targets: Partial<FuzzTargets>, run = false): Promise<Outcome> =>
  fuzzText(text, { source: 'test.json', run, settings: SETTINGS, targets: { ...REAL_TARGETS, ...targets } });

const crashOf = async (outcome: Promise<unknown>): Promise<FuzzCrash> => {
  const error: unknown = await outcome.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(FuzzCrash);
  return error as FuzzCrash;
};

describe('the judge', () => {
  it('counts a real ScenarioError as rejected, naming its paths with indices folded', async () => {
    const text = valid.replace(
      '"actions": []',
      '"actions": [{ "atMs": 1, "type": "crash", "server": "ghost" }]',
    );
    expect(await judge(text, {})).toEqual({ kind: 'rejected', where: ['actions[].server'] });
  });

  it('calls a TypeError from the parser a crash', async () => {
    const parse = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    };
    expect((await crashOf(judge(valid, { parse }))).stage).toBe('parse');
  });

  it('calls a problem without a field path, or with a stack in it, a crash', async () => {
    const withoutPath = () => {
      throw new ScenarioError([{ path: '', message: 'expected a server id, got 1' }]);
    };
    expect((await crashOf(judge(valid, { parse: withoutPath }))).what).toMatch(/without a field path/);
    const withStack = () => {
      throw new ScenarioError([{ path: 'servers', message: 'oops\n    at walk (src/core/json.ts:12:5)' }]);
    };
    expect((await crashOf(judge(valid, { parse: withStack }))).what).toMatch(/stack/);
  });

  it('calls a syntax error placed outside the text a crash', async () => {
    const parse = () => {
      throw new ScenarioError([{ path: 'line 900, column 1', message: 'invalid JSON: Unexpected token' }]);
    };
    expect((await crashOf(judge('{\n}', { parse }))).what).toMatch(/outside the text/);
  });

  it('calls an accepted scenario that prints to a file the parser refuses a crash', async () => {
    const print = () => '{ "version": 2 }';
    expect((await crashOf(judge(valid, { print }))).stage).toBe('print');
  });

  it('counts a RunBudgetError as the budget, and any other error of a run as a crash', async () => {
    const overBudget = () =>
      Promise.reject(new RunBudgetError('events', 10, { reachedMs: 500, endMs: 1_000, events: 11 }));
    expect((await judge(valid, { run: overBudget }, true)).kind).toBe('budget');
    const silent = () => Promise.reject(Object.assign(new Error('over'), { name: 'RunBudgetError' }));
    expect((await crashOf(judge(valid, { run: silent }, true))).stage).toBe('run');
    const broken = () => Promise.reject(new RangeError('Maximum call stack size exceeded'));
    expect((await crashOf(judge(valid, { run: broken }, true))).stage).toBe('run');
  });

  it('calls a run still going past the hang limit a crash, and ends it', async () => {
    let stopped = false;
    const slow: FuzzTargets['run'] = async (_scenario, options) => {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      stopped = options.onEntries?.([], undefined as never) === true;
    };
    const outcome = fuzzText(valid, {
      source: 'test.json',
      run: true,
      settings: { ...SETTINGS, hangMs: 1_000 },
      targets: { ...REAL_TARGETS, run: slow },
    });
    expect((await crashOf(outcome)).what).toMatch(/still running/);
    expect(stopped).toBe(true);
  });

  it('runs an accepted example for real when sampled', async () => {
    expect(await judge(valid, {}, true)).toEqual({ kind: 'ran' });
  });
});

describe('the judge of links', () => {
  const link = (prefix: string): LinkCase => ({
    prefix,
    body: { kind: 'scenario', scenario: { example: THREE_SERVERS, mutations: [], edits: [], run: false } },
    edits: [],
    run: false,
  });

  it('takes back the exact text of an unedited link, and judges it as a file', async () => {
    expect(await fuzzLinkCase(link('#run='), SETTINGS)).toEqual({ kind: 'accepted' });
  });

  it('calls a decoder that changes the text, or ignores a #run= fragment, a crash', async () => {
    const changes = () => Promise.resolve(valid.replace('"seed": 1', '"seed": 2'));
    expect(
      (await crashOf(fuzzLinkCase(link('#run='), SETTINGS, { ...REAL_TARGETS, decode: changes }))).what,
    ).toMatch(/gave back/);
    const ignores = () => Promise.resolve(null);
    expect(
      (await crashOf(fuzzLinkCase(link('#run='), SETTINGS, { ...REAL_TARGETS, decode: ignores }))).what,
    ).toMatch(/no link/);
  });

  it('counts an Error about the link as rejected, and a TypeError or a DOMException as a crash', async () => {
    const damaged = () => Promise.reject(new Error("the link's #run= part is damaged"));
    expect((await fuzzLinkCase(link('#run='), SETTINGS, { ...REAL_TARGETS, decode: damaged })).kind).toBe(
      'rejected',
    );
    const typeError = () =>
      Promise.reject(new TypeError('The encoded data was not valid for encoding utf-8'));
    await crashOf(fuzzLinkCase(link('#run='), SETTINGS, { ...REAL_TARGETS, decode: typeError }));
    const domError = () => Promise.reject(new DOMException('Invalid character', 'InvalidCharacterError'));
    await crashOf(fuzzLinkCase(link('#run='), SETTINGS, { ...REAL_TARGETS, decode: domError }));
  });

  it('the real decoder says a cut-short link is damaged', async () => {
    const cut: LinkCase = { ...link('#run='), edits: [{ op: 'truncate', at: 20 }] };
    const outcome = await fuzzLinkCase(cut, SETTINGS);
    expect(outcome.kind).toBe('rejected');
    expect(outcome.kind === 'rejected' && outcome.where[0]).toMatch(/^link: .*damaged/);
  });
});

describe('the known failures', () => {
  const typeErrorIn = (stage: 'parse' | 'run') =>
    new FuzzCrash(stage, 'the run threw', new TypeError("Cannot read properties of undefined (reading 'x')"));
  const entry: KnownFailure = {
    id: 'made-up',
    tracked: 'this test',
    fault: 'a TypeError from a run',
    matches: (crash) => crash.stage === 'run' && crash.cause instanceof TypeError,
  };

  it('a crash that matches an entry is that known failure; one that matches none is not', () => {
    expect(knownFailureOf(typeErrorIn('run'), [entry])).toBe(entry);
    expect(knownFailureOf(typeErrorIn('parse'), [entry])).toBeUndefined();
    expect(knownFailureOf(typeErrorIn('run'), [])).toBeUndefined();
  });

  it('with no entry that matches, the harness lets the crash through (the list is empty now)', async () => {
    expect(KNOWN_FAILURES).toEqual([]);
    const run = () =>
      Promise.reject(new TypeError("Cannot read properties of undefined (reading 'terminate')"));
    const crash = await crashOf(
      fuzzText(valid, {
        source: 'test.json',
        run: true,
        settings: SETTINGS,
        targets: { ...REAL_TARGETS, run },
      }),
    );
    expect(crash.stage).toBe('run');
    await expect(withKnownFailures(Promise.reject(crash))).rejects.toBe(crash);
    await expect(withKnownFailures(Promise.resolve({ kind: 'accepted' }))).resolves.toEqual({
      kind: 'accepted',
    });
  });
});

describe('the cases of the known failures, fixed', () => {
  // Each was a known failure (knownFailures.ts) until its fix; the case it was found with is judged again.
  it('dispose-without-transport: the bad-crontab example, its hazard switched off, healed, runs to its end', async () => {
    const bad = EXAMPLES.findIndex((example) => example.file === 'hazard-bad-crontab.json');
    const recipe = { type: 'setHazards', atMs: { kind: 'value' as const, value: 0 }, server: { defined: 0 } };
    const scenarioCase: ScenarioCase = {
      example: bad,
      mutations: [
        {
          op: 'addAction',
          index: 0,
          action: {
            ...recipe,
            job: { defined: 0 },
            fields: { hazards: { kind: 'value', value: [] } },
            extraKeys: false,
          },
        },
      ],
      edits: [],
      run: true,
    };
    expect(scenarioText(scenarioCase)).toContain('"actions":[{"atMs":0,"type":"setHazards","hazards":[]}]');
    const outcome = await fuzzScenarioCase(scenarioCase, {
      ...SETTINGS,
      untilMs: 3_000,
      heal: true,
      maxEvents: 200_000,
    });
    expect(outcome).toEqual({ kind: 'ran' });
  });

  it('schedule-key-recursion: schedule params nested 5,000 deep are refused by the depth cap', async () => {
    const clockSkew = EXAMPLES.findIndex((example) => example.file === 'clock-skew.json');
    // jobs[0].schedules[0] of clock-skew.json: jobs is its 7th key, schedules the 3rd of the job.
    const jobs = Object.keys(EXAMPLES[clockSkew]!.value as object).indexOf('jobs');
    const scenarioCase: ScenarioCase = {
      example: clockSkew,
      mutations: [
        {
          op: 'addKey',
          at: [jobs, 0, 2, 0],
          key: 'params',
          value: { kind: 'nested', depth: 5_000, shape: 'object' },
        },
      ],
      edits: [],
      run: false,
    };
    expect(scenarioText(scenarioCase)).toContain('"params":{"a":{"a":');
    expect(await fuzzScenarioCase(scenarioCase, SETTINGS)).toEqual({
      kind: 'rejected',
      where: [`jobs[].schedules[].params${'.a'.repeat(MAX_PARAMS_DEPTH)}`],
    });
  });

  it('cron-quoted-whole: a cron of 100,000 characters is refused by the cron cap, in a short message', async () => {
    const clockSkew = EXAMPLES.findIndex((example) => example.file === 'clock-skew.json');
    const jobs = Object.keys(EXAMPLES[clockSkew]!.value as object).indexOf('jobs');
    const scenarioCase: ScenarioCase = {
      example: clockSkew,
      // jobs[0].schedules[0].cron: the schedule's only key.
      mutations: [
        { op: 'replace', at: [jobs, 0, 2, 0, 0], value: { kind: 'long', unit: 'a', length: 100_000 } },
      ],
      edits: [],
      run: false,
    };
    expect(await fuzzScenarioCase(scenarioCase, SETTINGS)).toEqual({
      kind: 'rejected',
      where: ['jobs[].schedules[].cron'],
    });
    const error = await Promise.resolve()
      .then(() => parseScenarioJson(scenarioText(scenarioCase)))
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).message.length).toBeLessThan(500);
  });
});

describe('the real decoder on a bomb', () => {
  it('refuses one that inflates past its cap, naming the cap', async () => {
    const bomb: LinkCase = {
      prefix: '#run=',
      body: { kind: 'bomb', inflatedBytes: MAX_LINK_SCENARIO_BYTES + 1, shape: 'spaces' },
      edits: [],
      run: false,
    };
    const outcome = await fuzzLinkCase(bomb, SETTINGS);
    expect(outcome).toEqual({
      kind: 'rejected',
      where: [
        expect.stringMatching(/^link: the link is too large: its scenario inflates to more than N bytes/),
      ],
    });
  });
});

describe('the mutations write what they say', () => {
  const write = (mutations: ScenarioCase['mutations'], edits: ScenarioCase['edits'] = []) =>
    scenarioText({ example: THREE_SERVERS, mutations, edits, run: false });

  it('an id renamed to __proto__ is renamed everywhere, as an own key of the text, and is accepted', () => {
    const text = write([
      { op: 'addAction', index: 0, action: action('crash', { defined: 0 }) },
      { op: 'renameId', which: 0, to: { other: '__proto__' } },
    ]);
    const scenario = parseScenarioJson(text);
    expect(scenario.servers[0]!.id).toBe('__proto__');
    expect(scenario.actions[0]).toMatchObject({ type: 'crash', server: '__proto__' });
  });

  it('a prototype key is written as an own key, not set as a prototype', () => {
    const text = write([
      { op: 'addKey', at: [], key: '__proto__', value: { kind: 'value', value: { polluted: true } } },
    ]);
    expect(text).toMatch(/"__proto__":\{"polluted":true\}\}$/);
  });

  it('deep nesting, long strings, raw tokens and a duplicated key come out as written', () => {
    const seed = Object.keys(JSON.parse(valid) as object).indexOf('seed');
    const nestedText = write([
      { op: 'replace', at: [seed], value: { kind: 'nested', depth: 100_000, shape: 'array' } },
    ]);
    expect(nestedText).toContain(`"seed":${'['.repeat(100_000)}1${']'.repeat(100_000)}`);
    const long = write([{ op: 'replace', at: [seed], value: { kind: 'long', unit: '😀', length: 10_001 } }]);
    expect(long).toContain(`"seed":"${'😀'.repeat(5_001)}"`);
    const infinite = write([
      { op: 'replace', at: [seed], value: { kind: 'value', value: new RawToken('1e999') } },
    ]);
    expect(infinite).toContain('"seed":1e999,');
    expect(parseScenarioJson.bind(null, infinite)).toThrow(/seed: expected .*, got Infinity/);
    const twice = write([{ op: 'duplicate', at: [seed], value: { kind: 'value', value: 'x' } }]);
    expect(twice).toMatch(/"seed":1,.*"seed":"x"\}$/);
    expect(parseScenarioJson.bind(null, twice)).toThrow(/seed: expected/);
  });

  it('a deflate bomb inflates to the size it says', async () => {
    const fragment = await linkFragment({
      prefix: '#run=',
      body: { kind: 'bomb', inflatedBytes: 3_000_000, shape: 'spaces' },
      edits: [],
      run: false,
    });
    const inflated = inflateRawSync(Buffer.from(fragment.slice('#run='.length), 'base64url'));
    expect(inflated.length).toBe(3_000_000);
    expect(inflated.toString().trimStart()).toBe(EXAMPLES[0]!.text);
    expect(fragment.length).toBeLessThan(10_000);
  });
});

function action(type: string, server: { defined: number }) {
  return {
    type,
    atMs: { kind: 'value' as const, value: 500 },
    server,
    job: { defined: 0 },
    fields: {},
    extraKeys: false,
  };
}
