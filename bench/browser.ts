/**
 * The browser section of `npm run bench`: the BUILT app (vite build, served by vite preview) in Debian's
 * headless Chromium, driven by playwright-core.
 *
 * 1. engine speed, virtual seconds per wall second, for the same scenario and virtual span in three
 *    placements in the page (each server in its own Web Worker; the servers inside the conductor's worker;
 *    everything in the page's thread) and under Node in this process (runScenario), the baseline; every run's
 *    trace is compared with the baseline's, so that no row measures a different run;
 * 2. frames per second of the playground page while eight servers play at 20x;
 * 3. the size of the built JavaScript, raw and gzipped: in all, at the first paint, and what a first and a
 *    returning visit fetch before any interaction.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { runScenario } from '../src/sim/runScenario';
import type { Scenario } from '../src/scenario/types';
import { parseScenarioJson } from '../src/scenario/schema';
import { traceToJson, type TraceEntry } from '../src/sim/trace/trace';
import type { PlaygroundEnginesForTests } from '../src/playground/browser';
import { CHROMIUM_PATH, openBrowser, openPage } from '../test/browser/support/browser';
import { startPreview } from '../test/browser/support/preview';
import type { BrowserReport, BrowserSettings, EnginePlacement, EngineRow } from './report';
import { FPS_SPEED, measureFps } from './browserFrames';
import { PAGE_READY_TIMEOUT_MS, root, type BrowserContext } from './browserPage';
import { measureBundle } from './bundleSize';
import { measurePageLoads } from './pageLoad';
import { medianRun } from './stats';

/** The bench builds here rather than in dist/, so that it never empties dist/ under a browser test run. */
const OUT_DIR = 'bench-results/dist';

const PAGE_PLACEMENTS = ['workers', 'in-thread', 'in-page'] as const;
type PagePlacement = (typeof PAGE_PLACEMENTS)[number];

/** One timed run, wherever it ran. */
interface EngineRun {
  /** Creating the engine and loading the scenario (workers started, sql.js opened, schema made). */
  setupMs: number;
  /** The virtual span alone (runScenario as a whole under Node: it cannot be split). */
  wallMs: number;
  traceEntries: number;
  traceSha256: string;
}

/** The Node run's trace, the reference for every other run of the same scenario. */
interface NodeBaseline {
  entries: readonly TraceEntry[];
  sha256: string;
  /** SHA-256 of the first n entries' JSON, by n. */
  prefixes: Map<number, string>;
}

/** False, with the reason, when the browser section cannot run here. */
export function browserAvailable(): { ok: true } | { ok: false; reason: string } {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return { ok: true };
  } catch {
    return {
      ok: false,
      reason: `no Chromium at ${CHROMIUM_PATH} (node scripts/ensure-chromium.mjs installs it)`,
    };
  }
}

export async function measureBrowser(
  settings: BrowserSettings,
  repeats: number,
  progress: (message: string) => void,
): Promise<BrowserReport> {
  const available = browserAvailable();
  if (!available.ok) return { skipped: available.reason };

  progress('browser: building the app and starting vite preview ...');
  const buildStarted = performance.now();
  const preview = await startPreview({ outDir: OUT_DIR });
  const buildAndStartMs = performance.now() - buildStarted;
  try {
    const bundle = measureBundle(join(root, OUT_DIR, 'assets'));
    const browser = await openBrowser();
    try {
      // First, with a fresh profile: the first visit must be the browser's first.
      progress('browser: what a first and a returning visit load ...');
      const loads = await settle(async () => ({
        rows: await measurePageLoads(preview.baseUrl, browser.context, bundle),
      }));
      const engines = await measureEngines(preview.baseUrl, browser.context, settings, repeats, progress);
      progress(`browser: frames per second at ${FPS_SPEED}x for ${settings.fpsSeconds} s ...`);
      const fps = await settle(() => measureFps(preview.baseUrl, browser.context, settings.fpsSeconds));
      return {
        chromium: engines.userAgent ?? fps.userAgent ?? 'unknown',
        buildAndStartMs,
        engines: engines.result,
        fps: fps.result,
        bundle,
        loads: 'error' in loads.result ? loads.result : loads.result.rows,
      };
    } finally {
      await browser.close();
    }
  } finally {
    await preview.stop();
  }
}

/** A part of the section that failed is reported as such; the other parts still run. */
async function settle<T>(
  measure: () => Promise<T & { userAgent?: string }>,
): Promise<{ result: T | { error: string }; userAgent?: string }> {
  try {
    const result = await measure();
    return { result, userAgent: result.userAgent };
  } catch (error) {
    return { result: { error: (error as Error).message.split('\n')[0] ?? String(error) } };
  }
}

async function measureEngines(
  baseUrl: string,
  context: BrowserContext,
  settings: BrowserSettings,
  repeats: number,
  progress: (message: string) => void,
): Promise<{ result: EngineRow[] | { error: string }; userAgent?: string }> {
  const scenarios = settings.scenarios.map((name) => ({
    name,
    text: readFileSync(join(root, 'scenarios', `${name}.json`), 'utf8'),
  }));
  const parsed = new Map(scenarios.map(({ name, text }) => [name, parseScenarioJson(text)]));
  const { page, problems } = await openPage(context, `${baseUrl}?test=1`);
  try {
    try {
      await page.waitForFunction(() => '__playgroundEngines' in window, undefined, {
        timeout: PAGE_READY_TIMEOUT_MS,
      });
    } catch {
      return {
        result: {
          error:
            `the page at ${baseUrl}?test=1 did not expose window.__playgroundEngines within ` +
            `${PAGE_READY_TIMEOUT_MS / 1_000} s (does the app call createEngine()?)` +
            (problems.length > 0 ? `; page problems: ${problems.join(' | ')}` : ''),
        },
      };
    }
    const userAgent = await page.evaluate(() => navigator.userAgent);
    const placements: EnginePlacement[] = [...PAGE_PLACEMENTS, 'node'];
    const baselines = new Map<string, NodeBaseline>();
    const run = async (name: string, placement: EnginePlacement): Promise<EngineRun> => {
      if (placement === 'node') {
        const { run: nodeRun, entries } = await runInNode(parsed.get(name)!, settings.virtualMs);
        if (!baselines.has(name))
          baselines.set(name, { entries, sha256: nodeRun.traceSha256, prefixes: new Map() });
        return nodeRun;
      }
      const text = scenarios.find((scenario) => scenario.name === name)!.text;
      return runInPage(page, text, placement, settings.virtualMs);
    };

    progress('browser: engines, warming up ...');
    for (const { name } of scenarios) for (const placement of placements) await run(name, placement);

    const runs = new Map<string, EngineRun[]>();
    const key = (name: string, placement: EnginePlacement) => `${name}/${placement}`;
    for (let round = 1; round <= repeats; round++) {
      progress(`browser: engines, round ${round} of ${repeats} ...`);
      for (const { name } of scenarios) {
        for (const placement of placements) {
          const list = runs.get(key(name, placement)) ?? [];
          list.push(await run(name, placement));
          runs.set(key(name, placement), list);
        }
      }
    }

    const rows: EngineRow[] = [];
    for (const { name } of scenarios) {
      const baseline = baselines.get(name)!;
      const nodeSpeed = settings.virtualMs / medianRun(runs.get(key(name, 'node'))!, (r) => r.wallMs).wallMs;
      for (const placement of placements) {
        const list = runs.get(key(name, placement))!;
        const middle = medianRun(list, (r) => r.wallMs);
        const speed = settings.virtualMs / middle.wallMs;
        const comparisons = list.map((r) => compareWithNode(r, baseline, settings.virtualMs));
        rows.push({
          scenario: name,
          servers: parsed.get(name)!.servers.length,
          placement,
          virtualMs: settings.virtualMs,
          setupMs: medianRun(list, (r) => r.setupMs).setupMs,
          wallMs: middle.wallMs,
          runsWallMs: list.map((r) => r.wallMs),
          virtualSecondsPerWallSecond: speed,
          ratioToNode: speed / nodeSpeed,
          traceEntries: middle.traceEntries,
          sameTraceAsNode: comparisons.every((c) => c.same),
          nodeTeardownEntries: Math.max(...comparisons.map((c) => c.teardownEntries)),
          traceSha256: middle.traceSha256,
        });
      }
    }
    if (problems.length > 0)
      return { result: { error: `page problems: ${problems.join(' | ')}` }, userAgent };
    return { result: rows, userAgent };
  } finally {
    await page.close();
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Whether a run's trace is the Node baseline's. runScenario hands back its trace before it disposes the run,
 * and disposing it writes a few more entries into that same array (open transactions rolled back, "<server>
 * disposed"); the page's engines are asked for their trace before they are disposed. So a run matches when
 * its trace is the baseline's first entries, and the baseline's remaining entries all lie at the run's last
 * instant (the end of the virtual span): those are counted as teardown entries, and anything else is a
 * difference.
 */
function compareWithNode(
  run: EngineRun,
  baseline: NodeBaseline,
  virtualMs: number,
): { same: boolean; teardownEntries: number } {
  const { entries } = baseline;
  if (run.traceSha256 === baseline.sha256 && run.traceEntries === entries.length)
    return { same: true, teardownEntries: 0 };
  if (run.traceEntries > entries.length) return { same: false, teardownEntries: 0 };
  let prefix = baseline.prefixes.get(run.traceEntries);
  if (prefix === undefined) {
    prefix = sha256(traceToJson(entries.slice(0, run.traceEntries)));
    baseline.prefixes.set(run.traceEntries, prefix);
  }
  const endVt = (entries[0]?.vt ?? 0) + virtualMs;
  const rest = entries.slice(run.traceEntries);
  return {
    same: prefix === run.traceSha256 && rest.every((entry) => entry.vt === endVt),
    teardownEntries: rest.length,
  };
}

async function runInNode(
  scenario: Scenario,
  virtualMs: number,
): Promise<{ run: EngineRun; entries: readonly TraceEntry[] }> {
  const started = performance.now();
  const result = await runScenario(scenario, { untilMs: virtualMs, heal: false });
  const wallMs = performance.now() - started;
  return {
    run: {
      setupMs: 0,
      wallMs,
      traceEntries: result.trace.length,
      traceSha256: sha256(traceToJson(result.trace)),
    },
    entries: result.trace,
  };
}

/** One run in the page, timed there with performance.now(); only its trace's length and hash come back. */
function runInPage(
  page: Page,
  scenarioText: string,
  placement: PagePlacement,
  virtualMs: number,
): Promise<EngineRun> {
  return page.evaluate(
    async ({ scenarioText, placement, virtualMs }) => {
      const engines = (window as unknown as { __playgroundEngines: PlaygroundEnginesForTests })
        .__playgroundEngines;
      const scenario = JSON.parse(scenarioText) as Scenario;
      const started = performance.now();
      const engine =
        placement === 'in-page'
          ? await engines.createInPageEngine()
          : await engines.createWorkerEngine({ servers: placement });
      try {
        await engine.load(scenario);
        const loaded = performance.now();
        await engine.advance(virtualMs, null, { invariants: false });
        const ended = performance.now();
        const trace = await engine.traceJson();
        const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(trace));
        return {
          setupMs: loaded - started,
          wallMs: ended - loaded,
          traceEntries: (JSON.parse(trace) as unknown[]).length,
          traceSha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''),
        };
      } finally {
        engine.dispose();
      }
    },
    { scenarioText, placement, virtualMs },
  );
}
