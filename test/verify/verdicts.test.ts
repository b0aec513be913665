import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAll } from '../../src/verify';
import {
  FIXTURES_DIR,
  compareRuns,
  exampleFiles,
  exampleVerdicts,
  runDigests,
  type VerdictFixture,
} from './verdicts/digest';

/**
 * The checkers' verdicts are pinned: every example scenario's reports, and the digests of the first 80
 * generated runs, as the checkers gave them before they became reducers over one fold
 * (fixtures/verdicts.json; `npm run verify:verdicts -- --runs 2000` compares all of its 2,000 runs).
 */
const fixture = JSON.parse(readFileSync(join(FIXTURES_DIR, 'verdicts.json'), 'utf8')) as VerdictFixture;
const RUNS = 80;

describe('verdicts stay the same', () => {
  for (const file of exampleFiles()) {
    it(`example ${file}`, async () => {
      expect(await exampleVerdicts(file, checkAll)).toEqual(fixture.examples[file]);
    });
  }

  it(`the first ${RUNS} generated runs`, { timeout: 120_000 }, async () => {
    const digests = await runDigests(RUNS, checkAll);
    expect(compareRuns(fixture.runs, digests)).toEqual([]);
  });
});
