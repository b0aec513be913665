/** What the browser section's measures share: the repository root, the browser context, the page's patience. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { openBrowser } from '../test/browser/support/browser';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** How long the page may take to expose its engines (`?test=1`) or to start playing. */
export const PAGE_READY_TIMEOUT_MS = 30_000;

export type BrowserContext = Awaited<ReturnType<typeof openBrowser>>['context'];
