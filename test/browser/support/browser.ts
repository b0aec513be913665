// Drives Debian's Chromium (/usr/bin/chromium, installed by scripts/ensure-chromium.mjs) with playwright-core,
// which downloads no browser of its own.

import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Without the networking flags Chromium keeps trying to reach a network this machine does not have; without
 * `--no-sandbox` it does not start as root.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SCREENSHOT_DIR = join(root, 'test-artifacts', 'screenshots');

export interface OpenBrowser {
  context: BrowserContext;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Starts a headless Chromium with a fresh profile in a temporary directory. */
export async function openBrowser(): Promise<OpenBrowser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}. Run \`node scripts/ensure-chromium.mjs\` (npm test does it first).`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'coordinator-playground-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

export interface OpenPage {
  page: Page;
  /**
   * What went wrong since the page was opened: console errors and warnings, uncaught page errors, requests
   * that failed or answered with an HTTP error. A healthy page leaves it empty.
   */
  problems: string[];
}

/** Opens `url` in a new page of `context`, recording everything that went wrong from the first request on. */
export async function openPage(context: BrowserContext, url: string): Promise<OpenPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    const type = message.type();
    if (type !== 'error' && type !== 'warning') return;
    const { url: at, lineNumber } = message.location();
    problems.push(`console.${type}: ${message.text()}${at ? ` (${at}:${lineNumber})` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.stack ?? error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(
      `requestfailed: ${request.method()} ${request.url()}: ${request.failure()?.errorText ?? '?'}`,
    ),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) {
      problems.push(`http ${response.status()}: ${response.request().method()} ${response.url()}`);
    }
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, problems };
}

/** Saves a full-page screenshot to `test-artifacts/screenshots/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
