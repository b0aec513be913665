/**
 * What the built page fetches before anyone touches it (the browser section, part 3): the JavaScript chunks
 * requested by the page and its workers from the first request until the page is ready and nothing new has
 * been requested for a while, for a first visit (which opens lesson 1) and for a returning visit (lessons
 * seen before: the bare playground, no lesson). Summed from the same gzip -9 sizes as the bundle table.
 */
import { PROGRESS_KEY } from '../src/ui/lessons/progress';
import { PAGE_READY_TIMEOUT_MS, type BrowserContext } from './browserPage';
import type { BundleReport, PageLoadRow } from './report';

/** The page is settled when no new chunk was requested for this long. */
const QUIET_MS = 1_500;

interface Visit {
  visit: string;
  /** What shows once the page is ready for this visit. */
  ready: string;
  /** localStorage's lesson progress before the page loads, or none (a first visit). */
  progress: string | null;
}

const VISITS: Visit[] = [
  { visit: 'first visit (opens lesson 1)', ready: '[data-testid="lesson-panel"]', progress: null },
  {
    visit: 'returning visit, no lesson',
    ready: '[data-testid="run-time"]',
    progress: JSON.stringify({ done: [], visited: true }),
  },
];

export async function measurePageLoads(
  baseUrl: string,
  context: BrowserContext,
  bundle: BundleReport,
): Promise<PageLoadRow[]> {
  const sizes = new Map(bundle.js.map((file) => [file.name, file]));
  const rows: PageLoadRow[] = [];
  for (const visit of VISITS) {
    const page = await context.newPage();
    try {
      const chunks = new Set<string>();
      let lastNewMs = performance.now();
      // The context's requests include the page's workers' (a worker's script and its imports).
      const onRequest = (request: { url(): string }) => {
        const match = /\/assets\/([^/?#]+\.js)(?:[?#]|$)/.exec(request.url());
        if (match && !chunks.has(match[1]!)) {
          chunks.add(match[1]!);
          lastNewMs = performance.now();
        }
      };
      context.on('request', onRequest);
      try {
        await page.addInitScript(
          ({ key, value }) => {
            if (value === null) localStorage.removeItem(key);
            else localStorage.setItem(key, value);
          },
          { key: PROGRESS_KEY, value: visit.progress },
        );
        const started = performance.now();
        await page.goto(baseUrl, { waitUntil: 'load' });
        await page.waitForSelector(visit.ready, { timeout: PAGE_READY_TIMEOUT_MS });
        const readyMs = performance.now() - started;
        while (performance.now() - lastNewMs < QUIET_MS)
          await new Promise((resolve) => setTimeout(resolve, 100));
        const files = [...chunks].sort();
        const unknown = files.filter((name) => !sizes.has(name));
        if (unknown.length > 0) throw new Error(`chunks not in the build: ${unknown.join(', ')}`);
        const isWorker = (name: string) => /\.worker-/.test(name);
        const sum = (names: string[]) => names.reduce((total, name) => total + sizes.get(name)!.gzipBytes, 0);
        rows.push({
          visit: visit.visit,
          files,
          pageGzipBytes: sum(files.filter((name) => !isWorker(name))),
          workerGzipBytes: sum(files.filter(isWorker)),
          readyMs,
        });
      } finally {
        context.off('request', onRequest);
      }
    } finally {
      await page.close();
    }
  }
  return rows;
}
