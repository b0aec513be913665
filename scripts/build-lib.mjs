// npm run build:lib: compiles the library rooms (tsconfig.lib.json) to dist/ as ESM with .d.ts and source
// maps, from a clean folder so that a file deleted from src/ cannot linger in the package. `npm pack` runs
// it first (prepack). The playground's site is built by `npm run build` into site/, apart from this.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.lib.json')], {
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error(`build:lib: tsc failed (${result.signal ?? `exit ${result.status}`}); dist/ is incomplete`);
  process.exit(1);
}

// The command is run by path after a plain `npm install` from a folder too, where npm sets no mode.
const bin = join(dist, 'cli', 'simulate.js');
if (!existsSync(bin)) {
  console.error(`build:lib: the command's file ${bin} was not emitted`);
  process.exit(1);
}
chmodSync(bin, 0o755);
console.log(`build:lib: dist/ written`);
