import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [svelte()],
  worker: { format: 'es' },
  // Without this, the first worker that loads sql.js or comlink triggers a late dependency optimisation and
  // a full page reload (in dev and in vitest browser mode).
  optimizeDeps: { include: ['sql.js', 'comlink'] },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // vitest's own report, then one plain 'N passed, N failed' line for CI.
    reporters: ['default', './test/support/summaryReporter.ts'],
    hookTimeout: 30_000,
  },
});
