/**
 * The package as another project gets it (issue 12's proof): `npm pack`, install the tarball into a fresh
 * project outside the repository, and there run a vitest + fast-check suite, a plain `node` ESM script,
 * `tsc --noEmit` under NodeNext and under bundler resolution, and the `coordinator-sim` command by `npx`.
 * The consumer's files are in test/package/consumer/. The figures (tarball size, file count, property runs
 * per second in the consumer's suite) are printed.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};
const installed = (name: string): string =>
  (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;

let work: string;
let project: string;
let pack: {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
};

function run(command: string, args: string[], cwd: string, timeoutMs = 240_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    // Not the repository's npm_* settings (npm test sets them), so the consumer's npm is a plain one.
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_'))),
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    },
  });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) {
    throw new Error(`${what} exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'coordinator-consumer-'));
  // prepack builds dist/ first (npm run build:lib).
  const packed = ok(run('npm', ['pack', '--json', '--pack-destination', work], root), 'npm pack');
  pack = (JSON.parse(packed.slice(packed.indexOf('['))) as (typeof pack)[])[0]!;
  project = join(work, 'consumer');
  cpSync(join(root, 'test', 'package', 'consumer'), project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
  );
  // The versions this repository tests with, so the install comes from npm's cache when it can.
  const devTools = ['vitest', 'fast-check', '@fast-check/vitest', 'typescript', '@types/node'].map(
    (name) => `${name}@${installed(name)}`,
  );
  ok(
    run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, pack.filename), ...devTools],
      project,
    ),
    'npm install in the consumer',
  );
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// Each step is a real process on a shared 2-core machine: minutes, not vitest's default seconds.
describe('the packed package in a project of its own', { timeout: 240_000 }, () => {
  it('ships the built library, its types, the command, the schema and the licence, and not the repository', () => {
    const files = pack.files.map((file) => file.path);
    console.log(
      `tarball ${pack.filename}: ${(pack.size / 1024).toFixed(0)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${pack.entryCount} files`,
    );
    for (const must of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/core/index.js',
      'dist/core/index.d.ts',
      'dist/sim/index.js',
      'dist/testing/index.d.ts',
      'dist/cli/simulate.js',
      'schemas/simulation-report.schema.json',
    ]) {
      expect(files, must).toContain(must);
    }
    expect(files.filter((file) => /^(src|test|bench|workers|scripts)\//.test(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith('.tgz') || file.startsWith('site/'))).toEqual([]);
    expect(readFileSync(join(root, 'dist', 'cli', 'simulate.js'), 'utf8')).toMatch(
      /^#!\/usr\/bin\/env node\n/,
    );
  });

  it("runs the consumer's vitest and fast-check suite: the arbitraries, assertInvariants and an own job", () => {
    const result = run(join(project, 'node_modules', '.bin', 'vitest'), ['run'], project);
    ok(result, 'vitest in the consumer');
    // eslint-disable-next-line no-control-regex -- colour codes, should a reporter print them anyway
    expect(result.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+4 passed/);
    const figures = JSON.parse(readFileSync(join(project, 'figures.json'), 'utf8')) as {
      defaults: { runs: number; seconds: number; interrupted: boolean };
      warm: { runs: number; seconds: number };
    };
    const { defaults, warm } = figures;
    console.log(
      `consumer property suite: with assertInvariants' defaults ${defaults.runs} runs in ${defaults.seconds.toFixed(2)} s${defaults.interrupted ? ' (stopped at the time limit)' : ''}; warm, ${warm.runs} runs in ${warm.seconds.toFixed(2)} s: ${(warm.runs / warm.seconds).toFixed(1)} runs/s`,
    );
  });

  it('runs in plain node ESM, without tsx or a loader', () => {
    const out = ok(run(process.execPath, ['script.mjs'], project), 'node script.mjs');
    const line = JSON.parse(out.trim()) as { entries: number; failed: string[]; realNow: number; id: string };
    expect(line.entries).toBeGreaterThan(100);
    expect(line.failed).toEqual([]);
    expect(Math.abs(line.realNow - Date.now())).toBeLessThan(60_000);
    expect(line.id).toMatch(/^job/);
  });

  it.each(['nodenext', 'bundler'])(
    'type-checks under %s resolution, strict, exactOptionalPropertyTypes, no DOM lib',
    (kind) => {
      const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
      ok(run(process.execPath, [tsc, '-p', `tsconfig.${kind}.json`], project), `tsc (${kind})`);
    },
  );

  it('runs the command by npx: --version, and the exit codes for ok, violation and bad input', () => {
    const scenarios = join(project, 'node_modules', 'coordinator-playground', 'scenarios');
    const version = ok(run('npx', ['--no-install', 'coordinator-sim', '--version'], project), '--version');
    expect(version.trim()).toBe(ours.version);

    const passing = run(
      'npx',
      [
        '--no-install',
        'coordinator-sim',
        join(scenarios, 'graceful-handover.json'),
        '--until',
        '20s',
        '--json',
      ],
      project,
    );
    expect(passing.status, passing.stderr).toBe(0);
    const report = JSON.parse(passing.stdout) as { schemaVersion: number; wall: { ms: number } };
    expect(report.schemaVersion).toBe(1);
    expect(report.wall.ms).toBeGreaterThan(0);

    const violating = run(
      'npx',
      [
        '--no-install',
        'coordinator-sim',
        join(scenarios, 'hazard-null-heartbeat.json'),
        '--until',
        '20s',
        '--json',
      ],
      project,
    );
    expect(violating.status, violating.stderr).toBe(1);

    const bad = run('npx', ['--no-install', 'coordinator-sim', 'bad-scenario.json'], project);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('bad-scenario.json');
  });
});
