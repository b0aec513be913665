// ESLint flat config.
//
// The key rules are the room rules at the bottom: `src/core` (and `src/sim`, `src/db`) may not touch the
// host's time, timers, randomness, DOM or Worker API, because the coordinator reaches the world only through
// the ports in `src/core/ports.ts` (see docs/architecture.md, "The one idea" and "Rooms"). `test/lint/coreIsolation.test.ts`
// proves the rules fire.

import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Globals a deterministic room may not touch, grouped by the port that replaces them. */
function restrictedGlobals(room) {
  const time = `${room} reaches time only through the Clock port (src/core/ports.ts); the simulation owns time.`;
  const scheduling = `${room} schedules only through the Clock port (src/core/ports.ts): host timers and macrotasks break determinism.`;
  const entropy = `${room} gets ids and randomness only through the Entropy port (src/core/ports.ts).`;
  const host = `${room} does not know where it runs: no DOM, Worker, process or global object; use the ports in src/core/ports.ts.`;
  return [
    { name: 'Date', message: time },
    { name: 'performance', message: time },
    { name: 'setTimeout', message: scheduling },
    { name: 'setInterval', message: scheduling },
    { name: 'setImmediate', message: scheduling },
    { name: 'clearTimeout', message: scheduling },
    { name: 'clearInterval', message: scheduling },
    { name: 'clearImmediate', message: scheduling },
    { name: 'requestAnimationFrame', message: scheduling },
    { name: 'requestIdleCallback', message: scheduling },
    { name: 'MessageChannel', message: scheduling },
    { name: 'crypto', message: entropy },
    { name: 'self', message: host },
    { name: 'window', message: host },
    { name: 'document', message: host },
    { name: 'postMessage', message: host },
    { name: 'Worker', message: host },
    { name: 'navigator', message: host },
    { name: 'process', message: host },
    { name: 'globalThis', message: host },
  ];
}

function roomRules(room) {
  return {
    'no-restricted-globals': ['error', ...restrictedGlobals(room)],
    'no-restricted-properties': [
      'error',
      {
        object: 'Math',
        property: 'random',
        message: `${room} gets randomness only through the Entropy port (src/core/ports.ts), seeded in the simulation.`,
      },
    ],
  };
}

/** Import patterns that leave `room` for one of `rooms` (relative specifiers: `../sim/x`, `../../ui`). */
function leaving(room, rooms) {
  return [
    {
      regex: `^(\\.\\./)+(${rooms.join('|')}|workers)(/|$)`,
      message: `${room} may not import from ${rooms.map((name) => `src/${name}`).join(', ')} or workers: see the rooms and their import rules in docs/architecture.md.`,
    },
  ];
}

const coreImports =
  'src/core imports nothing from the other rooms (src/db, src/sim, src/scenario, src/verify, src/playground, src/ui, src/cli, workers): they depend on core.';
const coreNode =
  'src/core does not know where it runs: no Node built-ins; reach the world through src/core/ports.ts.';

export default defineConfig([
  globalIgnores([
    'dist/',
    'site/',
    'docs/api/',
    'node_modules/',
    'coverage/',
    'test-results/',
    'bench-results/',
    '.vite/',
    // Stryker's sandbox copy of the project and its reports (npm run test:mutation).
    '.stryker-tmp/',
    'reports/',
    'package-lock.json',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
      },
    },
  },

  {
    // Type-aware rules on the TypeScript sources: a promise nobody awaits or handles, a promise where a
    // callback's void was expected, and a switch over a union that forgets a case (one with a default
    // that says "the rest" counts as complete).
    files: ['src/**/*.ts', 'workers/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
  },

  // The rooms. Each rule is set once per file (a later config object would replace, not merge, it).
  {
    files: ['src/core/**/*.{ts,js}'],
    rules: {
      ...roomRules('src/core'),
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(db|sim|scenario|verify|playground|ui|cli|testing|adapters|workers)(/.*)?$',
              message: coreImports,
            },
            {
              regex: '^/?(src/(db|sim|scenario|verify|playground|ui|cli|testing|adapters)|workers)(/.*)?$',
              message: coreImports,
            },
            { regex: '^node:', message: coreNode },
          ],
          paths: ['crypto', 'timers', 'timers/promises', 'perf_hooks', 'worker_threads', 'process'].map(
            (name) => ({ name, message: coreNode }),
          ),
        },
      ],
    },
  },
  {
    files: ['src/db/**/*.{ts,js}'],
    rules: {
      ...roomRules('src/db'),
      'no-restricted-imports': [
        'error',
        { patterns: leaving('src/db', ['sim', 'scenario', 'verify', 'playground', 'ui', 'cli', 'testing']) },
      ],
    },
  },
  {
    files: ['src/sim/**/*.{ts,js}'],
    rules: {
      ...roomRules('src/sim'),
      'no-restricted-imports': [
        'error',
        { patterns: leaving('src/sim', ['verify', 'playground', 'ui', 'cli', 'testing']) },
      ],
    },
  },
  {
    files: ['src/scenario/**/*.{ts,js}'],
    rules: {
      ...roomRules('src/scenario'),
      'no-restricted-imports': [
        'error',
        { patterns: leaving('src/scenario', ['db', 'sim', 'verify', 'playground', 'ui', 'cli', 'testing']) },
      ],
    },
  },
  {
    files: ['src/verify/**/*.{ts,js}'],
    rules: {
      ...roomRules('src/verify'),
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...leaving('src/verify', ['db', 'playground', 'ui', 'cli', 'testing']),
            {
              // The public API (runScenario, to run what it checks), the trace and the run's result, and no more.
              regex: '^(\\.\\./)+sim/(?!(index|trace|runResult)(/|$|\\.(ts|js)$))',
              message:
                "src/verify reads what a run recorded (src/sim/trace, src/sim/runResult) and runs scenarios through src/sim's public API; the simulator's internals are not its business (docs/architecture.md).",
            },
          ],
        },
      ],
    },
  },
  {
    // A suite's harness is as deterministic as the simulation it borrows from: time and ids come from it.
    files: ['src/testing/**/*.{ts,js}'],
    rules: {
      ...roomRules('src/testing'),
      'no-restricted-imports': [
        'error',
        { patterns: leaving('src/testing', ['scenario', 'verify', 'playground', 'ui', 'cli']) },
      ],
    },
  },
  {
    // The real clock, entropy and databases behind the ports: Date, timers and crypto are allowed here (this
    // is where the real ones live), and the coordinator's ports are all it needs from the project.
    files: ['src/adapters/**/*.{ts,js}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: leaving('src/adapters', [
            'db',
            'sim',
            'scenario',
            'verify',
            'playground',
            'ui',
            'cli',
            'testing',
          ]),
        },
      ],
    },
  },
  {
    // A scenario on a real cluster: real processes and time (no room rules on globals), the checkers on its
    // history, and of sim only what a run recorded (its trace and result types), as src/verify.
    files: ['src/realrun/**/*.{ts,js}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...leaving('src/realrun', ['db', 'playground', 'ui', 'cli', 'testing']),
            {
              regex: '^(\\.\\./)+sim/(?!(trace|runResult)(/|$|\\.(ts|js)$))',
              message:
                'src/realrun may not import src/sim beyond what a run recorded (src/sim/trace, src/sim/runResult): it runs no simulation (docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // Lessons are data and a pure judge over what a session recorded: deterministic like the simulation,
    // and of sim only the trace and the snapshot types (the page, not the lesson, runs the cluster).
    files: ['src/lessons/**/*.{ts,js}'],
    rules: {
      ...roomRules('src/lessons'),
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...leaving('src/lessons', [
              'db',
              'verify',
              'playground',
              'ui',
              'cli',
              'testing',
              'adapters',
              'realrun',
            ]),
            {
              regex: '^(\\.\\./)+sim/(?!(trace/|conductor/observation)(/|$|\\.(ts|js)$)?)',
              message:
                'src/lessons may not import src/sim beyond what a session recorded (src/sim/trace, the snapshot type in src/sim/conductor/observation): it runs no simulation (docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/playground/**/*.{ts,js}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: leaving('src/playground', ['ui', 'cli']) }],
    },
  },
  {
    files: ['src/cli/**/*.{ts,js}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: leaving('src/cli', ['playground', 'ui']) }],
    },
  },
  {
    // Web Worker entry points are thin hosts for the simulator and the playground's engine.
    files: ['workers/**/*.{ts,js,mjs}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+src/(ui|cli)(/|$)',
              message:
                'workers host the simulator and the engine: they may not import src/ui or src/cli (see docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // The page is Svelte over src/playground: the other rooms reach it only through there (and the scenario
    // format's types, which are the page's vocabulary).
    files: ['src/ui/**/*.{ts,js,svelte}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...leaving('src/ui', ['core', 'db', 'sim', 'verify', 'cli']),
            {
              regex: '^(\\.\\./)+scenario(/|$)',
              allowTypeImports: true,
              message:
                "src/ui takes the scenario format's types only; parsing and printing go through src/playground/scenarioFiles.ts.",
            },
          ],
        },
      ],
    },
  },
]);
