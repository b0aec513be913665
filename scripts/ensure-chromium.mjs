#!/usr/bin/env node
// Makes sure Debian's Chromium is at /usr/bin/chromium, which the browser tests (test/browser) drive with
// playwright-core. No tool may download a browser build of its own here, so this installs the distribution's
// package with apt-get. Runs as npm's `pretest`; prints nothing when Chromium is already there.
//
// As root it runs apt-get directly; otherwise it tries `sudo -n` (no password prompt). If another apt-get
// or dpkg holds the lock (for instance one installing Chromium right now), it waits for up to 3 minutes.

import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
const LOCK_WAIT_MS = 3 * 60_000;
const RETRY_EVERY_MS = 5_000;
const MANUAL = 'sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y chromium';

function installed() {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function fail(message) {
  process.stderr.write(
    `ensure-chromium: ${message}\n` +
      `ensure-chromium: the browser tests need Debian's Chromium at ${CHROMIUM}. Install it with:\n` +
      `    ${MANUAL}\n`,
  );
  process.exit(1);
}

function succeeds(command, args) {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.status === 0;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The command prefix that runs a command as root, or null when none can. */
function asRoot() {
  if (process.getuid?.() === 0) return [];
  if (succeeds('sudo', ['-n', 'true'])) return ['sudo', '-n'];
  return null;
}

const LOCKED =
  /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock directory|is another process using it/i;

/**
 * Runs apt-get with the given arguments as root, retrying while another process holds apt's or dpkg's lock.
 * Prints apt's output only when it finally fails.
 */
function aptGet(prefix, args, deadline) {
  // DPkg::Lock::Timeout makes apt itself wait for the dpkg lock (apt >= 1.9.11); the loop covers the lists
  // lock of `apt-get update` and older apts.
  const full = [
    ...prefix,
    'env',
    'DEBIAN_FRONTEND=noninteractive',
    'apt-get',
    '-o',
    'DPkg::Lock::Timeout=30',
    ...args,
  ];
  let waitedForLock = false;
  for (;;) {
    const result = spawnSync(full[0], full.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.error) fail(`could not run apt-get: ${result.error.message}`);
    if (result.status === 0) return;
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    // Someone else may have just finished installing it.
    if (args.includes('install') && installed()) return;
    if (LOCKED.test(output) && Date.now() < deadline) {
      if (!waitedForLock)
        process.stderr.write(`ensure-chromium: apt is locked by another process; waiting...\n`);
      waitedForLock = true;
      sleep(RETRY_EVERY_MS);
      continue;
    }
    process.stderr.write(output.split('\n').slice(-40).join('\n') + '\n');
    fail(`\`apt-get ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
  }
}

if (!installed()) {
  if (process.platform !== 'linux' || !succeeds('apt-get', ['--version'])) {
    fail('there is no apt-get on this machine, so it cannot be installed automatically.');
  }
  const prefix = asRoot();
  if (prefix === null)
    fail('not root, and `sudo -n` is not allowed, so it cannot be installed automatically.');

  const started = Date.now();
  const deadline = started + LOCK_WAIT_MS;
  process.stderr.write(
    `ensure-chromium: ${CHROMIUM} is missing; installing Debian's chromium (about 40 s)...\n`,
  );
  aptGet(prefix, ['update'], deadline);
  if (!installed()) aptGet(prefix, ['install', '-y', 'chromium'], deadline);
  if (!installed()) fail(`apt-get reported success, but ${CHROMIUM} is still missing.`);
  process.stderr.write(`ensure-chromium: installed in ${Math.round((Date.now() - started) / 1000)} s.\n`);
}
