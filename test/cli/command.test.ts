// Issue 12 section 6: `coordinator-sim` as a command other projects run. It is run here as a real child
// process (tsx, as `npm run simulate` does), and its JSON report is checked against the JSON Schema it
// ships, schemas/simulation-report.schema.json, with a validator that refuses keywords it does not check.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { parseArgs, USAGE } from '../../src/cli/args';
import { SIMULATION_REPORT_SCHEMA_VERSION, type LeadershipEvent, type SimulationReport } from '../../src/cli';
import { EXIT, main } from '../../src/cli/simulate';
import { packageVersion } from '../../src/cli/version';
import { TITLES, type Precondition } from '../../src/verify/checkers/types';
import { validate, type JsonSchema } from './jsonSchemaSubset';

const ROOT = join(import.meta.dirname, '../..');
const COMMAND = join(ROOT, 'src/cli/simulate.ts');
const scratch = mkdtempSync(join(tmpdir(), 'coordinator-sim-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const schema = JSON.parse(
  readFileSync(join(ROOT, 'schemas/simulation-report.schema.json'), 'utf8'),
) as Record<string, unknown> & { $defs: Record<string, Record<string, unknown>> };

/** A scenario that passes and one that fails (hazard H4's null heartbeat breaks I4, I6 and I8). */
const PASSING = ['scenarios/graceful-handover.json', '--until', '20s'];
const FAILING = ['scenarios/hazard-null-heartbeat.json', '--until', '20s'];

/** Runs the command as its own process; several may run at once. */
function run(args: readonly string[], cwd = ROOT) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [COMMAND, ...args], { cwd, timeout: 90_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** The report's text up to its `wall` key, which the command prints last. */
function withoutWall(json: string): string {
  const at = json.indexOf('\n  "wall": {');
  expect(at).toBeGreaterThan(0);
  return json.slice(0, at);
}

describe('--version', () => {
  test('prints the package.json version, from another working directory too, and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const [here, elsewhere] = await Promise.all([run(['--version']), run(['--version'], scratch)]);
    for (const result of [here, elsewhere]) {
      expect(result).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  test('is read from the package.json nearest above the module, as from dist/cli/ once built', () => {
    const installed = join(scratch, 'node_modules/coordinator-playground');
    mkdirSync(join(installed, 'dist/cli'), { recursive: true });
    writeFileSync(
      join(installed, 'package.json'),
      '{ "name": "coordinator-playground", "version": "9.8.7" }',
    );
    const built = pathToFileURL(join(installed, 'dist/cli/simulate.js')).href;
    expect(packageVersion(built)).toBe('9.8.7');
  });
});

describe('--help', () => {
  test('names every flag the command takes and every exit status', async () => {
    const result = await run(['--help']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${USAGE}\n`);
    const flags = [...new Set(USAGE.match(/(?<=\s)--?[a-z][a-z-]*/g))];
    expect(flags.sort()).toEqual(
      [
        '--debug',
        '--help',
        '--history',
        '--json',
        '--max-events',
        '--max-wall',
        '--no-heal',
        '--output',
        '--seed',
        '--trace',
        '--until',
        '--version',
        '-h',
      ].sort(),
    );
    // Each flag the usage names is one the parser knows (an unknown one fails with "unknown flag").
    for (const flag of flags) {
      try {
        parseArgs(['s.json', flag]);
      } catch (error) {
        expect((error as Error).message).not.toMatch(/^unknown flag/);
      }
    }
    for (const status of [
      '0 every invariant passed',
      '1 an invariant failed',
      '2 bad arguments',
      '3 the simulation itself failed',
      '4 the run went over its budget',
    ]) {
      expect(USAGE).toContain(status);
    }
  });
});

describe('the JSON report', () => {
  test('two runs of one scenario and seed: exit 1 for the violation, byte-identical JSON but for wall, valid against the schema', async () => {
    const [first, second] = await Promise.all([run([...FAILING, '--json']), run([...FAILING, '--json'])]);
    for (const result of [first, second]) {
      expect(result.stderr).toBe('');
      expect(result.status).toBe(EXIT.invariantFailed);
      expect(validate(schema as JsonSchema, JSON.parse(result.stdout))).toEqual([]);
    }
    expect(withoutWall(first.stdout)).toBe(withoutWall(second.stdout));
    const report = JSON.parse(first.stdout) as SimulationReport;
    expect(report.schemaVersion).toBe(1);
    expect(Object.keys(report).at(-1)).toBe('wall');
    expect(report.wall.ms).toBeGreaterThan(0);
    expect(report.summary).not.toHaveProperty('wallMs');
    expect(report.summary).toMatchObject({ ok: false, file: FAILING[0] });
    expect(report.summary.invariants.failedIds).toEqual(['I4', 'I6', 'I8']);
    const failed = report.invariants.find((invariant) => invariant.id === 'I4');
    expect(failed?.violation?.evidence.length).toBeGreaterThan(0);
  });

  test('--output writes the report to the file and nothing to stdout; exit 0 when every invariant holds', async () => {
    const file = join(scratch, 'report.json');
    const result = await run([...PASSING, '--json', '--output', file]);
    expect(result).toEqual({ status: EXIT.ok, stdout: '', stderr: '' });
    const report = JSON.parse(readFileSync(file, 'utf8')) as SimulationReport;
    expect(validate(schema as JsonSchema, report)).toEqual([]);
    // The scenario's own seed, no --seed given.
    expect(report).toMatchObject({ schemaVersion: SIMULATION_REPORT_SCHEMA_VERSION, seed: 2 });
    expect(report.summary.ok).toBe(true);
    // Every checker of one run: I7 (determinism) compares two runs, so a single run has no report for it.
    expect(report.invariants.map((invariant) => invariant.id)).toEqual([
      'I1',
      'I2',
      'I3',
      'I4',
      'I5',
      'I6',
      'I8',
    ]);
  });

  test('--output without --json writes the text summary', async () => {
    const file = join(scratch, 'report.txt');
    const out: string[] = [];
    const io = {
      out: (t: string) => out.push(t),
      err: (t: string) => out.push(t),
      errIsTty: false,
      now: () => 0,
    };
    expect(await main([...PASSING, '--output', file], io)).toBe(EXIT.ok);
    expect(out).toEqual([]);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^Scenario {2}Graceful handover {2}\(scenarios\/graceful-handover\.json\)\n/);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^Result: PASS/);
  });
});

describe('the schema says what the types say', () => {
  // Records over the TypeScript unions: a value added to a union fails to compile here until it is listed,
  // and the test fails until the schema lists it too.
  const events: Record<LeadershipEvent, true> = {
    leads: true,
    steppedDown: true,
    released: true,
    crashed: true,
    stopped: true,
    ended: true,
    started: true,
    restarted: true,
    paused: true,
    resumed: true,
    cutOff: true,
    healed: true,
  };
  const preconditions: Record<Precondition, true> = {
    leaderElection: true,
    heal: true,
    leaderLoss: true,
    judgeableLoss: true,
    release: true,
    judgeableRelease: true,
    candidateAfterFaults: true,
    timeAfterFaults: true,
    claim: true,
    cronTick: true,
    sameRun: true,
  };
  const defs = schema.$defs;
  const propertiesOf = (name: string) => defs[name]!.properties as Record<string, Record<string, unknown>>;

  test('the enums', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(propertiesOf('timelineItem').event!.enum).toEqual(Object.keys(events));
    expect(propertiesOf('invariantReport').precondition!.enum).toEqual(Object.keys(preconditions));
    expect(defs.invariantId!.enum).toEqual(Object.keys(TITLES));
  });

  test('it refuses what the type does not allow', () => {
    const report = {
      schemaVersion: 1,
      scenario: { version: 1, seed: 1, durationMs: 1_000, jobs: [], servers: [], actions: [] },
      seed: 1,
      summary: {
        name: null,
        file: null,
        seed: 1,
        mode: 'distributed',
        virtualMs: 1_000,
        scenarioMs: 1_000,
        healedAtMs: null,
        leadership: [{ atMs: 0, server: 'a', event: 'leads', term: 1 }],
        highestTerm: 1,
        failoverMs: [],
        handoverMs: [],
        jobs: { enqueued: 0, claimed: 0, completed: 0, retried: 0, dead: 0, dropped: 0, table: {} },
        invariants: { passed: 1, failed: 0, skipped: 0, failedIds: [] },
        ok: true,
      },
      invariants: [{ id: 'I1', title: 'exactly-once claim', ok: true, measurements: { a: 1, b: [2, 3] } }],
      wall: { ms: 3, speed: 333.3 },
    };
    expect(validate(schema as JsonSchema, report)).toEqual([]);
    const broken = structuredClone(report) as Record<string, unknown> & typeof report;
    broken.schemaVersion = 2;
    delete (broken as Partial<typeof report>).wall;
    (broken.summary as Record<string, unknown>).wallMs = 3;
    broken.summary.leadership[0]!.event = 'elected';
    broken.invariants[0]!.id = 'I9';
    expect(validate(schema as JsonSchema, broken)).toEqual([
      '$: missing wall',
      '$.schemaVersion: expected 1, got 2',
      '$.summary.leadership[0].event: expected one of ["leads","steppedDown","released","crashed","stopped","ended","started","restarted","paused","resumed","cutOff","healed"], got "elected"',
      '$.summary.wallMs: no value is allowed here',
      '$.invariants[0].id: expected one of ["I1","I2","I3","I4","I5","I6","I7","I8"], got "I9"',
    ]);
    expect(() => validate({ type: 'object', oneOf: [] }, {})).toThrow('unsupported keyword oneOf at $');
  });
});

describe('exit status 2: bad input, and an output file that cannot be written', () => {
  test.each([
    [
      ['scenarios/no-such-scenario.json'],
      'simulate: scenario file not found: scenarios/no-such-scenario.json\n',
    ],
    [[...PASSING, '--output'], 'simulate: --output needs a value (see --help)\n'],
    [
      [...PASSING, '--output', join(scratch, 'no/such/folder/r.json')],
      `simulate: --output: the folder ${join(scratch, 'no/such/folder')} does not exist\n`,
    ],
    [[...PASSING, '--output', scratch], `simulate: --output: ${scratch} is a folder, not a file\n`],
  ])('%j', async (args, stderr) => {
    expect(await run(args)).toEqual({ status: EXIT.usage, stdout: '', stderr });
  });

  test.skipIf(!existsSync('/dev/full'))(
    'a write that fails after the run (a full disk) says so',
    async () => {
      const err: string[] = [];
      const io = { out: () => {}, err: (t: string) => err.push(t), errIsTty: false, now: () => 0 };
      expect(await main([...PASSING, '--json', '--output', '/dev/full'], io)).toBe(EXIT.usage);
      expect(err).toEqual([
        'simulate: --output: cannot write /dev/full: ENOSPC: no space left on device, write\n',
      ]);
    },
  );
});
