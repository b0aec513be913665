// Mutation testing of the coordinator (src/core): `npm run test:mutation`. Not part of `npm test`: a full
// run takes many minutes. Each mutant runs only the tests that cover it (perTest coverage), and the
// incremental file keeps the results of mutants whose code and tests did not change, so a second run
// re-tests only what changed. Reports: reports/mutation/ (html, json); the score per file is printed.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // The node tests that exercise core, without the page's browser project (see the file for why).
  vitest: { configFile: 'test/mutation/vitest.config.ts', related: false },
  mutate: ['src/core/**/*.ts', '!src/core/index.ts'],
  coverageAnalysis: 'perTest',
  // Mutants in code that runs when a module loads (constants, tables) are covered by every test: each
  // would re-run the whole suite. They are reported as ignored, not tested.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // The machine is shared: two test processes at most.
  concurrency: 2,
  // A mutant that loops forever in virtual time is a timeout, not a hang: runs are slow on a busy machine.
  timeoutMS: 30_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 80, low: 60, break: null },
};
