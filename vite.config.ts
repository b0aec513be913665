import { svelte } from '@sveltejs/vite-plugin-svelte';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [svelte()],
  worker: { format: 'es' },
  // The site goes to site/; dist/ is the library's (npm run build:lib), so neither build removes the other.
  // The docs page (docs.html, with its embeds) is built beside the playground.
  build: {
    outDir: 'site',
    rolldownOptions: { input: { index: 'index.html', docs: 'docs.html' } },
  },
  // Without this, the first worker that loads sql.js or comlink triggers a late dependency optimisation and
  // a full page reload (in dev and in vitest browser mode).
  optimizeDeps: { include: ['sql.js', 'comlink'] },
  // Not cross-origin isolated for now: with COOP/COEP (require-corp) the page's conductor waits on its server
  // workers in Atomics.wait (src/sim/server/sharedMailbox.ts) and a worker that dies or fails to load went
  // unseen, and a docs page's cross-origin embed.js was blocked (three browser tests failed in CI). Without
  // the headers the page uses the ports, as an embed on another site does; the mailbox stays, tested in Node.
  test: {
    // vitest's own report, then one plain 'N passed, N failed' line for CI (for all projects together).
    reporters: ['default', './test/support/summaryReporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/browser/**'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // The built app (vite build, then vite preview) in Debian's headless Chromium, driven from Node by
        // playwright-core. Its files run one at a time, after the node project's.
        extends: true,
        test: {
          name: 'browser',
          environment: 'node',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/browser/support/preview.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          // A page on a busy 2-core machine can take seconds to show what a click did: polls wait 15 s.
          expect: { poll: { timeout: 15_000, interval: 50 } },
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
