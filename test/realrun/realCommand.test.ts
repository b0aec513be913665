/**
 * `coordinator-sim real` as a user runs it: a child process (tsx), a scenario file, PostgreSQL. Exit 0
 * and a JSON report whose invariants all held; the history written one JSON line per entry; an
 * unmappable scenario refused with exit 2 and the action named, before any process starts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DATABASE_URL, requirePostgres } from '../adapters/support/postgres';

const dir = mkdtempSync(join(tmpdir(), 'realrun-command-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function real(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/simulate.ts', 'real', ...args], {
    encoding: 'utf8',
    timeout: 45_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('coordinator-sim real', () => {
  test('runs a scenario on PostgreSQL: exit 0, a JSON report, the history as JSON lines', async () => {
    await requirePostgres();
    const historyPath = join(dir, 'history.jsonl');
    const result = real([
      'test/realrun/fixtures/short-failover.json',
      '--database',
      DATABASE_URL,
      '--scale',
      '0.1',
      '--json',
      '--history',
      historyPath,
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as {
      invariants: { id: string; ok: boolean }[];
      summary: { failoverMs: number[] };
      real: { database: string; scale: number; servers: string[]; steps: { outcome: string }[] };
    };
    expect(report.invariants.filter((r) => !r.ok)).toEqual([]);
    expect(report.summary.failoverMs).toHaveLength(1);
    expect(report.real).toMatchObject({ database: 'postgres', scale: 0.1, servers: ['a', 'b', 'c'] });
    expect(report.real.steps.map((s) => s.outcome)).toEqual(['done', 'done', 'done']);
    const lines = readFileSync(historyPath, 'utf8').trimEnd().split('\n');
    const kinds = new Set(lines.map((line) => (JSON.parse(line) as { kind: string }).kind));
    expect(kinds).toEqual(new Set(['report', 'command', 'fault', 'exit']));
  }, 50_000);

  test('refuses an action that cannot map: exit 2, the action named, nothing started', () => {
    const result = real(['test/realrun/fixtures/unmappable.json', '--sqlite', join(dir, 'never.sqlite')]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('real: the scenario cannot run on a real cluster:');
    expect(result.stderr).toContain('action 1 (setHazards at 2000 ms)');
    expect(result.stderr).toContain('action 2 (setDatabaseSkew at 3000 ms)');
    // The pause (action 3) and the cut (action 4) map on a SQLite file: only the two above are refused.
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(3);
    expect(result.stderr).not.toMatch(/action [34] /);
  }, 20_000);

  test('bad arguments: exit 2 with a one-line message', () => {
    const result = real(['scenarios/leader-crash-failover.json']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('real: give one database: --database postgres://... or --sqlite FILE\n');
  }, 20_000);
});
