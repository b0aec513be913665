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

/** [room probe file, an import it may not make, an import it may make]. */
const rules: [string, string, string][] = [
  ['src/db/__probe__.ts', '../sim/conductor/conductor', '../core/ports'],
  ['src/sim/conductor/__probe__.ts', '../../verify/checkers', '../../scenario/types'],
  ['src/sim/__probe__.ts', '../playground/session', './trace/trace'],
  ['src/sim/__probe__.ts', '../ui/format', '../db'],
  ['src/scenario/__probe__.ts', '../sim/trace/trace', '../core/hazards'],
  ['src/scenario/arbitraries/__probe__.ts', '../../verify', '../types'],
  ['src/verify/checkers/__probe__.ts', '../../sim/conductor/conductor', '../../sim/trace/trace'],
  ['src/verify/__probe__.ts', '../sim/server/protocol', '../sim'],
  ['src/verify/__probe__.ts', '../playground/session', '../sim/runResult'],
  ['src/playground/__probe__.ts', '../ui/format', '../verify'],
  ['src/playground/view/__probe__.ts', '../../cli/summary', '../../sim/trace/trace'],
  ['src/cli/__probe__.ts', '../playground/session', '../verify'],
  ['src/ui/components/__probe__.ts', '../../sim/conductor/conductor', '../../playground/view/types'],
  ['src/ui/__probe__.ts', '../core/hazards', '../playground/scenarioFiles'],
  ['src/ui/state/__probe__.ts', '../../verify/instants', '../../playground/browser'],
  ['src/ui/__probe__.ts', '../../workers/server.worker', './format'],
];

describe('import rules between rooms', () => {
  it.each(rules)('%s may not import %s', async (file, forbidden) => {
    const errors = await errorRules(use(forbidden), file);
    expect(errors.join('\n')).toMatch(/no-restricted-imports: .*(may not import|src\/verify reads)/);
    expect(errors.join('\n')).toMatch(/docs\/architecture\.md/);
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
