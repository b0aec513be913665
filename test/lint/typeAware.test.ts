/**
 * Proves the type-aware rules of eslint.config.js fire on the sources: each probe is written as a real file
 * in src/ (the rules need the TypeScript project to know it), linted, and removed.
 */
import { ESLint } from 'eslint';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const cwd = fileURLToPath(new URL('../..', import.meta.url));

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd });
});

async function rulesFired(code: string, name: string): Promise<string[]> {
  const file = path.join(cwd, 'src', 'sim', `__typeAwareProbe_${name}__.ts`);
  writeFileSync(file, code);
  try {
    const [result] = await eslint.lintFiles([file]);
    return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => String(m.ruleId));
  } finally {
    rmSync(file, { force: true });
  }
}

const probes: [string, string, string, string][] = [
  [
    'a promise nobody awaits',
    'no-floating-promises',
    'export async function f(): Promise<void> {}\nexport function g(): void {\n  f();\n}\n',
    'export async function f(): Promise<void> {}\nexport function g(): void {\n  void f();\n}\n',
  ],
  [
    'a promise-returning callback where void is expected',
    'no-misused-promises',
    'export function on(listener: () => void): void {\n  listener();\n}\non(async () => {});\n',
    'export function on(listener: () => void): void {\n  listener();\n}\non(() => {});\n',
  ],
  [
    'a switch over a union that forgets a case',
    'switch-exhaustiveness-check',
    "export function f(x: 'a' | 'b'): number {\n  switch (x) {\n    case 'a':\n      return 1;\n  }\n  return 0;\n}\n",
    "export function f(x: 'a' | 'b'): number {\n  switch (x) {\n    case 'a':\n      return 1;\n    default:\n      return 0;\n  }\n}\n",
  ],
];

describe('type-aware lint rules', () => {
  it.each(probes)('reject %s', async (_what, rule, bad, good) => {
    expect(await rulesFired(bad, rule)).toEqual([`@typescript-eslint/${rule}`]);
    expect(await rulesFired(good, rule)).toEqual([]);
  });
});
