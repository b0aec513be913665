/**
 * Proves the import rules between rooms (eslint.config.js, docs/architecture.md): each room is linted with a
 * probe file that imports from a room it may not reach, and must fail; and with one it may, which must pass.
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

/** The rule ids of the errors ESLint reports for `code` as if it were `file`. */
async function errorRules(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(cwd, file) });
  if (!result) throw new Error('ESLint returned no result');
  return result.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

const use = (specifier: string, kind: 'value' | 'type' = 'value') =>
  kind === 'type'
    ? `import type { X } from '${specifier}';\nexport type Y = X;\n`
    : `import { x } from '${specifier}';\nexport const y = x;\n`;

/** Each room, the rooms it may not import from, and one import it may make. */
const ROOMS: [room: string, forbidden: string[], allowed: string][] = [
  ['core', ['db', 'sim', 'scenario', 'verify', 'playground', 'ui', 'cli', 'testing', 'adapters'], './ports'],
  ['db', ['sim', 'scenario', 'verify', 'playground', 'ui', 'cli', 'testing'], '../core/ports'],
  ['sim', ['verify', 'playground', 'ui', 'cli', 'testing'], '../scenario/types'],
  ['scenario', ['db', 'sim', 'verify', 'playground', 'ui', 'cli', 'testing'], '../core/hazards'],
  ['verify', ['db', 'playground', 'ui', 'cli', 'testing'], '../sim/trace/trace'],
  ['testing', ['scenario', 'verify', 'playground', 'ui', 'cli'], '../sim/time/virtualTime.js'],
  ['adapters', ['db', 'sim', 'scenario', 'verify', 'playground', 'ui', 'cli', 'testing'], '../core/ports'],
  ['realrun', ['db', 'playground', 'ui', 'cli', 'testing'], '../adapters/cluster/realCluster'],
  [
    'lessons',
    ['db', 'verify', 'playground', 'ui', 'cli', 'testing', 'adapters', 'realrun'],
    '../scenario/types',
  ],
  ['playground', ['ui', 'cli'], '../verify'],
  ['cli', ['playground', 'ui'], '../verify'],
  ['ui', ['core', 'db', 'sim', 'verify', 'cli'], '../playground/view/types'],
];

/** [room probe file, an import it may not make, an import it may make]: every forbidden room of every room. */
const rules: [string, string, string][] = [
  ...ROOMS.flatMap(([room, forbidden, allowed]) =>
    forbidden.map((other): [string, string, string] => [
      `src/${room}/__probe__.ts`,
      `../${other}/x`,
      allowed,
    ]),
  ),
  // From deeper folders, and the other ways out of a room.
  ['src/sim/conductor/__probe__.ts', '../../verify/checkers', '../../scenario/types'],
  ['src/scenario/arbitraries/__probe__.ts', '../../verify', '../types'],
  ['src/verify/checkers/__probe__.ts', '../../sim/conductor/conductor', '../../sim/trace/trace'],
  ['src/verify/__probe__.ts', '../sim/server/protocol', '../sim'],
  ['src/realrun/__probe__.ts', '../sim/conductor/conductor', '../sim/trace/trace'],
  ['src/lessons/__probe__.ts', '../sim/runScenario', '../sim/conductor/observation'],
  ['src/playground/view/__probe__.ts', '../../cli/summary', '../../sim/trace/trace'],
  ['src/ui/components/__probe__.ts', '../../sim/conductor/conductor', '../../playground/view/types'],
  ['src/ui/__probe__.ts', '../../workers/server.worker', './format'],
  ['src/core/distributed/__probe__.ts', '../../../workers/server.worker', '../ports'],
  ['workers/__probe__.ts', '../src/ui/format', '../src/playground/engine'],
  ['workers/__probe__.ts', '../src/cli/summary', '../src/sim/server/transport'],
];

describe('import rules between rooms', () => {
  it.each(rules)('%s may not import %s', async (file, forbidden) => {
    const errors = await errorRules(use(forbidden), file);
    expect(errors.join('\n')).toMatch(
      /no-restricted-imports: .*(may not import|src\/verify reads|src\/core imports nothing)/,
    );
    if (!file.startsWith('src/core/')) expect(errors.join('\n')).toMatch(/docs\/architecture\.md/);
  });

  it.each(rules)('%s may import %s', async (file, _forbidden, allowed) => {
    expect(await errorRules(use(allowed), file)).toEqual([]);
  });

  it('lets the page take the scenario format as types only', async () => {
    expect(await errorRules(use('../../scenario/types', 'type'), 'src/ui/state/__probe__.ts')).toEqual([]);
    const errors = await errorRules(use('../../scenario/schema'), 'src/ui/state/__probe__.ts');
    expect(errors.join('\n')).toMatch(/takes the scenario format's types only/);
  });

  it('holds for Svelte components too', async () => {
    const component = (specifier: string) =>
      `<script lang="ts">\n  import { x } from '${specifier}';\n  export const y = x;\n</script>\n`;
    expect(
      (await errorRules(component('../../sim/conductor/conductor'), 'src/ui/components/Probe.svelte')).join(
        '\n',
      ),
    ).toMatch(/may not import from/);
    expect(
      await errorRules(component('../../playground/view/types'), 'src/ui/components/Probe.svelte'),
    ).toEqual([]);
  });
});
