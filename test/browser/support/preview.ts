// vitest globalSetup of the `browser` project: builds the app (`vite build` into site/), serves it with
// `vite preview` on a free loopback port, and provides its address to the tests as `inject('baseUrl')`.
// `startPreview()` does the building and serving on its own, for the benchmark (bench/browser.ts) too.
//
// The preview server runs detached, as the leader of its own process group, and teardown stops that whole
// group: a failed or interrupted run leaves no server behind.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where `vite preview` serves the built app, e.g. `http://127.0.0.1:41234/` (with the trailing slash). */
    baseUrl: string;
  }
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const artifacts = join(root, 'test-artifacts');
const previewLog = join(artifacts, 'preview.log');
const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** Vite's own CLI, run with this Node (no npx lookup, and the process group holds one process). */
function viteBin(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('vite/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: { vite: string } };
  return join(dirname(pkgPath), pkg.bin.vite);
}

/**
 * The environment for Vite's CLI: this process's, less what vitest set for itself (`VITEST`, `TEST`,
 * `NODE_ENV=test`), so that the build is the same production build that `npm run build` makes.
 */
function viteEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key === 'TEST' || key === 'NODE_ENV' || key.startsWith('VITEST')) delete env[key];
  }
  return env;
}

/** `--outDir DIR` for Vite's CLI, or nothing for its default (dist/). */
function outDirArgs(outDir: string | undefined): string[] {
  return outDir === undefined ? [] : ['--outDir', outDir];
}

function build(outDir: string | undefined): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [viteBin(), 'build', ...outDirArgs(outDir)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: viteEnv(),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`vite build failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}

/** A port that was free a moment ago; `--strictPort` makes the server fail rather than drift if it is taken. */
function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Signals the child's whole process group; false when the group is already gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false;
  }
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (!killGroup(child, 'SIGTERM')) return;
  const gone = exited(child)
    ? Promise.resolve()
    : new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  const timer = new Promise<'timeout'>((resolvePromise) =>
    setTimeout(() => resolvePromise('timeout'), STOP_TIMEOUT_MS).unref(),
  );
  if ((await Promise.race([gone, timer])) === 'timeout') killGroup(child, 'SIGKILL');
  // Grandchildren may outlive the leader for a moment: make sure the group is empty.
  killGroup(child, 'SIGKILL');
}

/** Starts `vite preview` and resolves once it answers HTTP; rejects (and stops it) if it exits or hangs. */
async function serveOnPort(port: number, outDir: string | undefined): Promise<ChildProcess> {
  const log = openSync(previewLog, 'w');
  const child = spawn(
    process.execPath,
    [viteBin(), 'preview', ...outDirArgs(outDir), '--port', String(port), '--strictPort', '--host', HOST],
    { cwd: root, detached: true, stdio: ['ignore', log, log], env: viteEnv() },
  );
  closeSync(log);
  const url = `http://${HOST}:${port}/`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      if (exited(child)) throw new Error(`vite preview exited (${child.exitCode ?? child.signalCode})`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        if (response.ok) return child;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline)
        throw new Error(`vite preview did not answer ${url} within ${START_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stopGroup(child);
    const output = readFileSync(previewLog, 'utf8');
    throw new Error(`${(error as Error).message}; its output (${previewLog}):\n${output}`, { cause: error });
  }
}

/** The built app, served. */
export interface Preview {
  /** Where `vite preview` serves the built app, e.g. `http://127.0.0.1:41234/` (with the trailing slash). */
  baseUrl: string;
  /** Stops the server's whole process group. */
  stop(): Promise<void>;
}

export interface PreviewOptions {
  /**
   * Where to build, relative to the project's root; default dist/. The benchmark builds elsewhere, so that
   * it does not empty dist/ under a browser test run at the same time.
   */
  outDir?: string;
}

/**
 * Builds the app (into dist/ unless told otherwise) and serves it with `vite preview` on a free loopback
 * port, detached in its own process group. The group is stopped by `stop()`, or killed if this process exits
 * without calling it.
 */
export async function startPreview(options: PreviewOptions = {}): Promise<Preview> {
  mkdirSync(artifacts, { recursive: true });
  await build(options.outDir);

  // A free port can be taken between the probe and the server's bind: try a few.
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await serveOnPort(port, options.outDir);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  const server = child;

  // If the process exits without stopping the server (an uncaught error, process.exit), still stop the group.
  const onExit = () => killGroup(server, 'SIGKILL');
  process.once('exit', onExit);

  return {
    baseUrl: `http://${HOST}:${port}/`,
    async stop() {
      process.off('exit', onExit);
      await stopGroup(server);
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // PREVIEW_OUT_DIR: build and serve elsewhere than site/, so that two runs at once do not empty each other's.
  const preview = await startPreview({ outDir: process.env.PREVIEW_OUT_DIR || undefined });
  project.provide('baseUrl', preview.baseUrl);
  return () => preview.stop();
}
