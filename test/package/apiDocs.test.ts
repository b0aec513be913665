// npm run docs:api: typedoc over the package's entry points (typedoc.json) gives one page per entry point,
// and the functions a suite starts from are documented with their doc comments.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const out = mkdtempSync(join(tmpdir(), 'coordinator-api-docs-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('documents every entry point of the package', { timeout: 240_000 }, () => {
  const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
  const result = spawnSync(process.execPath, [typedoc, '--out', out], {
    cwd: root,
    encoding: 'utf8',
    timeout: 240_000,
  });
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  // eslint-disable-next-line no-control-regex -- typedoc colours its summary line
  const printed = `${result.stdout}${result.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
  expect(printed).toMatch(/Found 0 errors/);
  for (const entry of ['core', 'db', 'sim', 'scenario', 'verify', 'testing', 'cli']) {
    expect(existsSync(join(out, 'modules', `${entry}.html`)), entry).toBe(true);
  }
  const assertPage = readFileSync(join(out, 'functions', 'verify.assertInvariants.html'), 'utf8');
  expect(assertPage).toContain('fast-check');
  expect(existsSync(join(out, 'classes', 'testing.TestCluster.html'))).toBe(true);
  expect(existsSync(join(out, 'functions', 'sim.runScenario.html'))).toBe(true);
});
