/**
 * npm run verify:verdicts -- [--runs N] [--write]
 *
 * Compares the checkers' verdicts on every example scenario and on the first N generated runs (default
 * 2,000) with the fixture recorded before the checkers became reducers over one fold. `--write` records
 * the fixture anew (only when the checkers' meaning changed on purpose).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { checkAll } from '../../../src/verify';
import {
  FIXTURES_DIR,
  compareRuns,
  exampleFiles,
  exampleVerdicts,
  runDigests,
  type VerdictFixture,
} from './digest';

const FIXTURE = join(FIXTURES_DIR, 'verdicts.json');

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 2_000;
if (!Number.isInteger(runs) || runs < 0)
  throw new Error(`--runs takes a whole number, not ${args[runsAt + 1]}`);
const write = args.includes('--write');

const examples: VerdictFixture['examples'] = {};
for (const file of exampleFiles()) examples[file] = await exampleVerdicts(file, checkAll);
const digests = await runDigests(runs, checkAll, (done) => {
  if (done % 200 === 0) process.stderr.write(`${done} runs\n`);
});

if (write) {
  const fixture: VerdictFixture = { examples, runs: digests };
  // Formatted as the repository's `prettier --check .` wants it.
  writeFileSync(
    FIXTURE,
    await format(JSON.stringify(fixture), { ...(await resolveConfig(FIXTURE)), parser: 'json' }),
  );
  console.log(`wrote ${FIXTURE}: ${Object.keys(examples).length} examples, ${digests.length} runs`);
} else {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as VerdictFixture;
  if (digests.length > fixture.runs.length) {
    throw new Error(
      `the fixture holds ${fixture.runs.length} runs, fewer than the ${digests.length} asked for`,
    );
  }
  const problems: string[] = [];
  for (const [file, found] of Object.entries(examples)) {
    if (JSON.stringify(found) !== JSON.stringify(fixture.examples[file]))
      problems.push(`example ${file} differs`);
  }
  problems.push(...compareRuns(fixture.runs, digests));
  for (const line of problems.slice(0, 20)) console.log(line);
  console.log(
    `${Object.keys(examples).length} examples, ${digests.length} runs compared, ${problems.length} differ`,
  );
  process.exitCode = problems.length > 0 ? 1 : 0;
}
