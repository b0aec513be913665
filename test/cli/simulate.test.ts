import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseArgs, parseDuration, parseSeed, UsageError } from '../../src/cli/args';
import { progressLine } from '../../src/cli/progress';
import { leadershipTimeline } from '../../src/cli/leadershipTimeline';
import { jobCounts, summarise, type InvariantReport } from '../../src/cli/summary';
import { formatEntry, summaryLines } from '../../src/cli/summaryText';
import type { RunResult } from '../../src/sim/runResult';
import type { Scenario } from '../../src/scenario/types';
import type { TraceEntry } from '../../src/sim/trace/trace';
import { runScenario } from '../../src/sim/runScenario';
import { DEFAULT_EPOCH_MS } from '../../src/sim/time/virtualTime';

const ROOT = join(import.meta.dirname, '../..');
const T0 = DEFAULT_EPOCH_MS;
const scratch = mkdtempSync(join(tmpdir(), 'simulate-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('parseArgs', () => {
  test('a scenario file and every option', () => {
    expect(parseArgs(['s.json', '--seed', '7', '--until', '10m', '--json', '--trace', 'out.json'])).toEqual({
      help: false,
      scenarioPath: 's.json',
      seed: 7,
      untilMs: 600_000,
      heal: true,
      json: true,
      tracePath: 'out.json',
    });
  });

  test('defaults, --flag=value, --no-heal, and help', () => {
    expect(parseArgs(['s.json'])).toEqual({ help: false, scenarioPath: 's.json', heal: true, json: false });
    expect(parseArgs(['--seed=-3', '--until=90s', '--no-heal', 's.json'])).toMatchObject({
      seed: -3,
      untilMs: 90_000,
      heal: false,
    });
    expect(parseArgs(['s.json', '--help'])).toEqual({ help: true });
    expect(parseArgs(['-h'])).toEqual({ help: true });
  });

  test.each([
    [['s.json', '--speed', '2'], 'unknown flag --speed (see --help)'],
    [['s.json', '-x'], 'unknown flag -x (see --help)'],
    [[], 'missing the scenario file: coordinator-sim <scenario.json> (see --help)'],
    [['--json'], 'missing the scenario file: coordinator-sim <scenario.json> (see --help)'],
    [['a.json', 'b.json'], 'one scenario file at a time, got 2: a.json b.json'],
    [['s.json', '--seed'], '--seed needs a value (see --help)'],
    [['s.json', '--trace', '--json'], '--trace needs a value (see --help)'],
    [['s.json', '--seed', '1.5'], '--seed must be an integer, got "1.5"'],
    [['s.json', '--seed', 'abc'], '--seed must be an integer, got "abc"'],
    [['s.json', '--seed', '99999999999'], '--seed must be from -2147483648 to 4294967295, got 99999999999'],
    [['s.json', '--json', '--json'], '--json is given twice'],
    [['s.json', '--json=yes'], '--json takes no value'],
    [
      ['s.json', '--until', '10 minutes'],
      '--until: expected a duration such as 90s, 10m, 1h, 1500ms or a number of ms, got "10 minutes"',
    ],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(new UsageError(message));
  });

  test('durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1500ms')).toBe(1_500);
    expect(parseDuration('2500')).toBe(2_500);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(() => parseDuration('0')).toThrow('--until: expected from 1 ms to 7 days, got "0"');
    expect(() => parseDuration('8d')).toThrow('expected a duration such as');
    expect(() => parseDuration('200h')).toThrow('--until: expected from 1 ms to 7 days, got "200h"');
    expect(() => parseDuration('1.5ms')).toThrow('--until: "1.5ms" is not a whole number of ms');
    expect(() => parseDuration('-5s')).toThrow('expected a duration such as');
  });

  test('seeds', () => {
    expect(parseSeed('0')).toBe(0);
    expect(parseSeed('-2147483648')).toBe(-2_147_483_648);
    expect(parseSeed('4294967295')).toBe(4_294_967_295);
    expect(() => parseSeed('')).toThrow('--seed must be an integer, got ""');
  });
});

// ---------------------------------------------------------------------------------------------------------
// The summary, from a hand-made run.

let seq = 0;
function entry(at: number, server: string | null, body: Record<string, unknown>, term: number | null = null) {
  return {
    seq: seq++,
    vt: T0 + at,
    db: T0 + at,
    server,
    term,
    local: T0 + at,
    ...body,
  } as unknown as TraceEntry;
}
const coordinator = (at: number, server: string, body: Record<string, unknown>, term: number | null = null) =>
  entry(at, server, { source: 'coordinator', ...body }, term);

const scenario: Scenario = {
  version: 1,
  name: 'Leader crash',
  seed: 5,
  durationMs: 60_000,
  jobs: [{ name: 'email' }],
  servers: [{ id: 'a' }, { id: 'b' }],
  actions: [{ atMs: 20_000, type: 'crash', server: 'a' }],
};

const elected = coordinator(
  0,
  'a',
  { type: 'elected', term: 1, dbNow: T0, previousHolder: null, previousHeartbeatAt: null },
  1,
);
const electedB = coordinator(
  35_002,
  'b',
  {
    type: 'elected',
    term: 2,
    dbNow: T0 + 35_002,
    previousHolder: 'a',
    previousHeartbeatAt: T0 + 20_000,
  },
  2,
);
const trace: TraceEntry[] = [
  entry(0, 'a', { source: 'process', type: 'processStarted', generation: 1, reason: 'start' }),
  entry(0, 'b', { source: 'process', type: 'processStarted', generation: 1, reason: 'start' }),
  elected,
  coordinator(1_000, 'a', { type: 'enqueued', jobId: '1', jobName: 'email', target: 'shared' }, 1),
  coordinator(1_000, 'a', { type: 'enqueued', jobId: '2', jobName: 'email', target: 'shared' }, 1),
  coordinator(
    1_000,
    'a',
    { type: 'cronFired', scheduleKey: 'k', tickAt: T0 + 1_000, jobId: '3', term: 1 },
    1,
  ),
  coordinator(1_010, 'b', { type: 'claimed', jobId: '1', jobName: 'email', attempt: 1, token: 't1' }),
  coordinator(1_010, 'a', { type: 'claimed', jobId: '2', jobName: 'email', attempt: 1, token: 't2' }, 1),
  coordinator(1_020, 'b', {
    type: 'failed',
    jobId: '1',
    jobName: 'email',
    attempt: 1,
    error: 'boom',
    outcome: 'retry',
  }),
  coordinator(1_030, 'a', { type: 'completed', jobId: '2', jobName: 'email', attempt: 1 }, 1),
  entry(20_000, null, {
    source: 'action',
    type: 'action',
    action: { atMs: 20_000, type: 'crash', server: 'a' },
  }),
  entry(20_000, 'a', { source: 'process', type: 'processEnded', generation: 1, reason: 'crash' }),
  electedB,
  coordinator(40_000, 'b', { type: 'claimed', jobId: '1', jobName: 'email', attempt: 2, token: 't3' }, 2),
  coordinator(
    40_010,
    'b',
    { type: 'failed', jobId: '1', jobName: 'email', attempt: 2, error: 'boom', outcome: 'dead' },
    2,
  ),
  entry(60_000, 'a', { source: 'process', type: 'processStarted', generation: 2, reason: 'restart' }),
];

const result: RunResult = {
  scenario,
  seed: 5,
  trace,
  timings: {
    heartbeatIntervalMs: 5_000,
    leadershipTimeoutMs: 15_000,
    claimLeaseMs: 30_000,
    pollIntervalMs: 5_000,
    stopGraceMs: 10_000,
  },
  endedAt: T0 + 90_000,
  healedAt: T0 + 60_000,
  final: {
    distributedJobs: [{ status: 'completed' }, { status: 'dead' }, { status: 'queued' }],
    jobCronTicks: [],
    jobSchedules: [],
    leadJobCoordinators: [],
  },
};

const reports: InvariantReport[] = [
  { id: 'I1', title: 'exactly-once claim', ok: true },
  {
    id: 'I2',
    title: 'nothing lost',
    ok: true,
    skipped: `no server with jobs ran after the faults ended at ${T0 + 60_000}`,
  },
  {
    id: 'I3',
    title: 'one leader per term',
    ok: false,
    violation: { message: 'a and b both lead', atVt: T0 + 35_002, evidence: [elected, electedB] },
  },
  { id: 'I5', title: 'failover bound', ok: true, measurements: { failoverMs: 15_002 } },
  { id: 'I6', title: 'graceful handover', ok: true, measurements: { handoverMs: [] } },
];

describe('summary', () => {
  test('the leadership timeline, from elections and process ends', () => {
    expect(leadershipTimeline(trace, result.scenario.servers)).toEqual([
      { atMs: 0, server: 'a', event: 'leads', term: 1 },
      { atMs: 20_000, server: 'a', event: 'crashed', wasLeading: 1 },
      { atMs: 35_002, server: 'b', event: 'leads', term: 2 },
      { atMs: 60_000, server: 'a', event: 'restarted', detail: 'process 2' },
    ]);
  });

  test('job counts from the trace and the final table', () => {
    expect(jobCounts(result)).toEqual({
      enqueued: 3,
      claimed: 3,
      completed: 1,
      retried: 1,
      dead: 1,
      dropped: 0,
      table: { completed: 1, dead: 1, queued: 1 },
    });
  });

  test('the structured summary', () => {
    expect(summarise(result, reports, { file: 'x.json', wallMs: 1_234 })).toMatchObject({
      name: 'Leader crash',
      file: 'x.json',
      seed: 5,
      mode: 'distributed',
      virtualMs: 90_000,
      scenarioMs: 60_000,
      healedAtMs: 60_000,
      wallMs: 1_234,
      highestTerm: 2,
      failoverMs: [15_002],
      handoverMs: [],
      invariants: { passed: 3, failed: 1, skipped: 1, failedIds: ['I3'] },
      ok: false,
    });
  });

  test('the lines it prints', () => {
    expect(summaryLines(result, reports, { file: 'x.json', wallMs: 1_234 })).toEqual([
      'Scenario  Leader crash  (x.json)',
      'Seed      5',
      'Virtual   90.000s  (faults until 60.000s, healed at 60.000s, then the liveness phase)',
      'Wall      1.23s',
      '',
      'Leadership (highest term 2)',
      '   0.000s  a leads (term 1)',
      '  20.000s  a crashed, was leading (term 1)',
      '  35.002s  b leads (term 2)',
      '  60.000s  -- faults end: every fault is healed, then the liveness phase --',
      '  60.000s  a restarted (process 2)',
      '',
      'Failover  15.002s',
      'Handover  none in this run',
      '',
      'Jobs',
      '  enqueued 3  claimed 3  completed 1  retried 1  dead 1',
      '  distributedJobs at the end: completed 1, dead 1, queued 1',
      '',
      'Invariants',
      '  PASS  I1  exactly-once claim',
      // A skip reason's instants read as time since the start too.
      '  SKIP  I2  nothing lost: no server with jobs ran after the faults ended at 60.000s',
      '  FAIL  I3  one leader per term',
      '        at 35.002s: a and b both lead',
      // Instants in the evidence read as time since the start, as the rest of the summary does.
      `          #${elected.seq}  0.000s  a [term 1]  elected dbNow=0.000s previousHolder=null previousHeartbeatAt=null`,
      `          #${electedB.seq}  35.002s  b [term 2]  elected dbNow=35.002s previousHolder=a previousHeartbeatAt=20.000s`,
      '  PASS  I5  failover bound',
      '  PASS  I6  graceful handover',
      '',
      'Result: FAIL (1 of 5 invariants failed: I3)',
    ]);
  });

  test('a passing run, single-server mode, no wall time', () => {
    const single = {
      ...result,
      scenario: { ...scenario, mode: 'single' as const },
      trace: [],
      healedAt: null,
    };
    const lines = summaryLines(single, [{ id: 'I1', title: 'exactly-once claim', ok: true }]);
    expect(lines.slice(0, 7)).toEqual([
      'Scenario  Leader crash',
      'Seed      5  (mode: single)',
      'Virtual   90.000s  (not healed: no liveness phase)',
      '',
      'Leadership',
      '  0.000s  no leader: single-server mode elects none',
      '',
    ]);
    expect(lines.at(-1)).toBe('Result: PASS (1 invariants held)');
  });

  test('an action entry as evidence', () => {
    const action = trace.find((item) => item.type === 'action')!;
    expect(formatEntry(action)).toBe(`#${action.seq}  20.000s  -  action crash a`);
  });
});

describe('the progress line', () => {
  test('is drawn at most every 500 ms of wall time, and not at all for a short run', () => {
    let wall = 0;
    const written: string[] = [];
    const progress = progressLine(
      (text) => written.push(text),
      () => wall,
    );
    progress.update(10_000, 100_000);
    wall = 400;
    progress.update(20_000, 100_000);
    expect(written).toEqual([]);
    wall = 600;
    progress.update(30_000, 100_000);
    wall = 900;
    progress.update(40_000, 100_000);
    wall = 1_100;
    progress.update(50_000, 100_000);
    progress.done();
    expect(written).toEqual([
      '\rsimulating 30.000s of 100.000s virtual (30%)\x1b[K',
      '\rsimulating 50.000s of 100.000s virtual (50%)\x1b[K',
      '\r\x1b[K',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The command itself.

function cli(...args: string[]) {
  const run = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/simulate.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('the command refuses bad arguments and bad files with exit status 2', () => {
  const bad = join(scratch, 'bad.json');
  writeFileSync(
    bad,
    JSON.stringify({
      version: 1,
      seed: 1,
      durationMs: 60_000,
      jobs: [],
      servers: [],
      actions: [{ atMs: 0, type: 'crash', server: 'd' }],
    }),
  );
  const broken = join(scratch, 'broken.json');
  writeFileSync(broken, '{\n  "version": 1,\n}\n');

  test.each([
    [['scenarios/paused-leader.json', '--fast'], 'simulate: unknown flag --fast (see --help)\n'],
    [['missing.json'], 'simulate: scenario file not found: missing.json\n'],
    [
      ['scenarios/paused-leader.json', '--until', '10 min'],
      'simulate: --until: expected a duration such as 90s, 10m, 1h, 1500ms or a number of ms, got "10 min"\n',
    ],
    [['scenarios/paused-leader.json', '--seed', 'x'], 'simulate: --seed must be an integer, got "x"\n'],
    [['scenarios'], 'simulate: not a file: scenarios\n'],
    [
      [bad],
      `simulate: ${bad}: invalid scenario (1 problem):\n  actions[0].server: expected a server id (there are none yet), got "d"\n`,
    ],
    [
      [broken],
      `simulate: ${broken}: invalid scenario (1 problem):\n  line 3, column 1: invalid JSON: Expected double-quoted property name\n`,
    ],
    [
      ['scenarios/paused-leader.json', '--trace', join(scratch, 'no/such/folder/t.json')],
      `simulate: --trace: the folder ${join(scratch, 'no/such/folder')} does not exist\n`,
    ],
  ])('%j', (args, stderr) => {
    const run = cli(...args);
    expect(run.stderr).toBe(stderr);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(2);
  });

  test('--help prints the usage and exits 0', () => {
    const run = cli('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: coordinator-sim <scenario.json> \[options\]\n.*npm run simulate -- /);
  });
});

describe('main, with the engine and stand-in checkers', () => {
  // These reports stand in for the invariant checkers' (src/verify/checkers), so that the command's own
  // behaviour (exit status, JSON, trace file) is tested whatever the checkers find.
  let stubbed: InvariantReport[] = [];
  const engine = async () => ({ runScenario, checkAll: () => stubbed });

  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    let wall = 0;
    return {
      io: {
        out: (t: string) => out.push(t),
        err: (t: string) => err.push(t),
        errIsTty: false,
        now: () => (wall += 5),
      },
      out,
      err,
    };
  };

  test('exit 0 when every invariant passes, the text summary on stdout', async () => {
    const { main } = await import('../../src/cli/simulate');
    stubbed = [{ id: 'I1', title: 'exactly-once claim', ok: true }];
    const { io: streams, out, err } = io();
    const status = await main(['scenarios/graceful-handover.json', '--until', '30s'], streams, engine);
    expect(err).toEqual([]);
    expect(status).toBe(0);
    const text = out.join('');
    expect(text).toContain('Scenario  Graceful handover  (scenarios/graceful-handover.json)');
    expect(text).toMatch(/\n {2,}0\.\d{3}s {2}a leads \(term 1\)\n/);
    expect(text).toContain('  PASS  I1  exactly-once claim');
    expect(text.trimEnd().split('\n').at(-1)).toBe('Result: PASS (1 invariants held)');
  });

  test('exit 1 when one fails; --json and --trace', async () => {
    const { main } = await import('../../src/cli/simulate');
    stubbed = [
      { id: 'I1', title: 'exactly-once claim', ok: true },
      {
        id: 'I4',
        title: 'cron exactly once',
        ok: false,
        violation: { message: 'tick fired twice', atVt: T0, evidence: [] },
      },
    ];
    const tracePath = join(scratch, 'trace.json');
    const { io: streams, out } = io();
    const args = [
      'scenarios/two-single-servers.json',
      '--seed',
      '3',
      '--json',
      '--trace',
      tracePath,
      '--until',
      '12s',
    ];
    expect(await main(args, streams, engine)).toBe(1);
    const printed = JSON.parse(out.join('')) as Record<string, unknown>;
    expect(Object.keys(printed)).toEqual([
      'schemaVersion',
      'scenario',
      'seed',
      'summary',
      'invariants',
      'wall',
    ]);
    expect(printed.seed).toBe(3);
    expect(printed.summary).toMatchObject({
      name: 'Two single-server coordinators (H14)',
      mode: 'single',
      ok: false,
    });
    expect(printed.invariants).toEqual(stubbed);
    expect(JSON.stringify(printed)).not.toContain('"trace"');
    const written = JSON.parse(readFileSync(tracePath, 'utf8')) as TraceEntry[];
    expect(written.length).toBeGreaterThan(10);
    expect(written[0]).toMatchObject({ seq: 0, source: 'process', type: 'processStarted' });
  });

  test('--history writes a Jepsen-style history as EDN: one operation map per line', async () => {
    const { main } = await import('../../src/cli/simulate');
    const historyPath = join(scratch, 'history.edn');
    const { io: streams } = io();
    await main(['scenarios/leader-crash-failover.json', '--history', historyPath, '--until', '30s'], streams);
    const lines = readFileSync(historyPath, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((line) => /:type :invoke/.test(line) && /:f :enqueue/.test(line))).toBe(true);
    expect(lines.some((line) => /:type :ok/.test(line) && /:f :run/.test(line))).toBe(true);
    expect(lines.every((line) => line.startsWith('{') && line.endsWith('}'))).toBe(true);
  });

  test('with the real checkers: every invariant I1-I6 is listed, and the status agrees with the verdict', async () => {
    const { main } = await import('../../src/cli/simulate');
    const { io: streams, out, err } = io();
    const status = await main(['scenarios/graceful-handover.json', '--until', '30s'], streams);
    expect(err).toEqual([]);
    const text = out.join('');
    for (const id of ['I1', 'I2', 'I3', 'I4', 'I5', 'I6'])
      expect(text).toMatch(new RegExp(`  (PASS|FAIL|SKIP)  ${id}  `));
    expect(status).toBe(text.includes('Result: PASS') ? 0 : 1);
  });
});
