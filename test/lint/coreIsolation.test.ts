/**
 * Proves the room rules in eslint.config.js fire: src/core (and src/sim, src/db) may not reach the host's
 * time, timers, randomness, DOM or Worker API, and src/core may not import from the other rooms.
 */
import type { ESLint } from 'eslint';
import { probeLinter } from './probeLinter';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const cwd = fileURLToPath(new URL('../..', import.meta.url));

let eslint: ESLint;
beforeAll(() => {
  eslint = probeLinter(cwd);
});

interface Problem {
  ruleId: string | null;
  severity: number;
  message: string;
}

async function lint(code: string, file = 'src/core/__probe__.ts'): Promise<Problem[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(cwd, file) });
  if (!result) throw new Error('ESLint returned no result');
  return result.messages.map(({ ruleId, severity, message }) => ({ ruleId, severity, message }));
}

async function errorsOf(code: string, file?: string): Promise<Problem[]> {
  return (await lint(code, file)).filter((p) => p.severity === 2);
}

const forbidden: [string, string, string][] = [
  ['Date.now()', 'export const t = Date.now();', 'no-restricted-globals'],
  ['new Date()', 'export const d = new Date();', 'no-restricted-globals'],
  ['setTimeout', 'setTimeout(() => {}, 10);', 'no-restricted-globals'],
  ['setInterval', 'setInterval(() => {}, 10);', 'no-restricted-globals'],
  ['setImmediate', 'setImmediate(() => {});', 'no-restricted-globals'],
  ['clearTimeout', 'clearTimeout(undefined);', 'no-restricted-globals'],
  ['Math.random()', 'export const r = Math.random();', 'no-restricted-properties'],
  ['crypto.randomUUID()', 'export const id = crypto.randomUUID();', 'no-restricted-globals'],
  ['performance.now()', 'export const p = performance.now();', 'no-restricted-globals'],
  ['self.postMessage', "self.postMessage('hi');", 'no-restricted-globals'],
  ['postMessage', "postMessage('hi');", 'no-restricted-globals'],
  ['window', 'export const w = window.location;', 'no-restricted-globals'],
  ['document', "export const el = document.createElement('div');", 'no-restricted-globals'],
  ['new Worker', "export const w = new Worker('x.js');", 'no-restricted-globals'],
  ['navigator', 'export const n = navigator.userAgent;', 'no-restricted-globals'],
  ['process', 'export const e = process.env;', 'no-restricted-globals'],
  ['globalThis.setTimeout', 'export const g = globalThis.setTimeout;', 'no-restricted-globals'],
  ['an import from ../db', "import { x } from '../db/x';\nexport const y = x;", 'no-restricted-imports'],
  ['an import from ../sim', "import { x } from '../sim/x';\nexport const y = x;", 'no-restricted-imports'],
  ['an import from ../ui', "import { x } from '../ui/x';\nexport const y = x;", 'no-restricted-imports'],
  [
    'an import from workers',
    "import { x } from '../../workers/x';\nexport const y = x;",
    'no-restricted-imports',
  ],
  [
    'a Node built-in',
    "import { randomUUID } from 'node:crypto';\nexport const y = randomUUID;",
    'no-restricted-imports',
  ],
];

describe('src/core isolation lint rule', () => {
  it.each(forbidden)('rejects %s', async (_name, code, rule) => {
    const errors = await errorsOf(code);
    expect(errors.map((e) => e.ruleId)).toContain(rule);
  });

  it('explains itself in terms of the ports', async () => {
    const [error] = await errorsOf('export const t = Date.now();');
    expect(error?.message).toMatch(/src\/core reaches time only through the Clock port/);
  });

  it('accepts clean core code that uses the ports, sibling imports and queueMicrotask', async () => {
    const code = [
      "import type { Clock, Entropy } from './ports';",
      '',
      'export function schedule(clock: Clock, entropy: Entropy, run: () => void): () => void {',
      '  const at: Date | undefined = undefined; // a type is not a use of the global',
      '  void at;',
      '  queueMicrotask(() => {});',
      '  return clock.setTimer(1000 + Math.floor(entropy.random() * 100), run);',
      '}',
      '',
    ].join('\n');
    expect(await lint(code)).toEqual([]);
  });

  it('applies the same globals to src/sim, src/db, src/scenario, src/verify and src/testing', async () => {
    for (const file of [
      'src/sim/__probe__.ts',
      'src/db/__probe__.ts',
      'src/scenario/__probe__.ts',
      'src/verify/__probe__.ts',
      'src/testing/__probe__.ts',
    ]) {
      const errors = await errorsOf(
        'export const t = Date.now() + Math.random();\nsetTimeout(() => {});',
        file,
      );
      expect(errors.map((e) => e.ruleId).sort()).toEqual([
        'no-restricted-globals',
        'no-restricted-globals',
        'no-restricted-properties',
      ]);
    }
  });

  it('leaves tests and workers free to use the host', async () => {
    expect(await errorsOf('export const t = Date.now();', 'test/__probe__.ts')).toEqual([]);
    expect(await errorsOf("self.postMessage('hi');", 'workers/__probe__.ts')).toEqual([]);
  });
});
