import { ESLint } from 'eslint';

/**
 * ESLint as the project configures it, for probes linted from text under a made-up path: the type-aware
 * rules need a file the TypeScript project knows, so they are off here (test/lint/typeAware.test.ts proves
 * them on real files); every other rule, the room rules first, applies as configured.
 */
export function probeLinter(cwd: string): ESLint {
  return new ESLint({
    cwd,
    overrideConfig: {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false } },
      rules: {
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/no-misused-promises': 'off',
        '@typescript-eslint/switch-exhaustiveness-check': 'off',
      },
    },
  });
}
