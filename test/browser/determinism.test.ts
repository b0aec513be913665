// The same scenario and seed give the same trace in the browser as headless: each server in its own Web
// Worker (the conductor and sql.js in another), everything in the page's thread, and the in-thread engine
// under Node, byte for byte. A crashed server's Web Worker is really gone. Then every example the page
// offers, run to its end through the Web Workers, gives Node's trace.

import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { runScenario } from '../../src/sim/runScenario';
import { parseScenarioJson } from '../../src/scenario/schema';
import { traceToJson } from '../../src/sim/trace/trace';
import type { Engine, PlaygroundEnginesForTests } from '../../src/playground/browser';
import { openBrowser, openPage, type OpenBrowser } from './support/browser';

let browser: OpenBrowser;

beforeAll(async () => {
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
});

test.each(['leader-crash-failover', 'partitioned-leader'])(
  '%s: Web Workers in Chromium, the page thread and Node give the same trace; a crash ends its worker',
  async (name) => {
    const text = readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
    const scenario = parseScenarioJson(text);
    const headless = traceToJson((await runScenario(scenario, { untilMs: 60_000, heal: false })).trace);

    const { page, problems } = await openPage(browser.context, `${inject('baseUrl')}?test=1`);
    await page.waitForFunction(() => '__playgroundEngines' in window);
    const runs = await page.evaluate(async (text: string) => {
      const scenario = JSON.parse(text) as Parameters<Engine['load']>[0];
      const engines = (window as unknown as { __playgroundEngines: PlaygroundEnginesForTests })
        .__playgroundEngines;
      const run = async (kind: 'workers' | 'in-page') => {
        const engine =
          kind === 'workers' ? await engines.createWorkerEngine() : await engines.createInPageEngine();
        try {
          await engine.load(scenario);
          // Workers start as the servers do, at the run's first instant.
          await engine.advance(1, null, { invariants: false });
          const workersAtStart = engine.liveWorkers();
          await engine.advance(29_999, null, { invariants: false });
          const workersAt30s = engine.liveWorkers();
          await engine.advance(30_000, null, { invariants: false });
          return { kind: engine.kind, trace: await engine.traceJson(), workersAtStart, workersAt30s };
        } finally {
          engine.dispose();
        }
      };
      return [await run('workers'), await run('in-page')];
    }, text);

    const [workers, inPage] = runs;
    expect(workers!.kind).toBe('workers');
    expect(workers!.trace.length).toBeGreaterThan(10_000);
    expect(workers!.trace).toBe(headless);
    expect(inPage!.trace).toBe(headless);
    const ids = scenario.servers.map((server) => server.id).sort();
    expect(workers!.workersAtStart).toEqual(ids);
    // A server crashed or cut off by 30 s: crashed ones have no worker left (cut off ones keep theirs).
    const crashed = scenario.actions
      .filter((action) => action.type === 'crash' && action.atMs <= 30_000)
      .map((action) => (action as { server: string }).server);
    expect(workers!.workersAt30s).toEqual(ids.filter((id) => !crashed.includes(id)));
    expect(inPage!.workersAtStart).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  },
);

const examples = readdirSync(new URL('../../scenarios/', import.meta.url))
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length));

test('every example, run to its end in Web Workers, gives the trace Node gives', async () => {
  expect(examples.length).toBeGreaterThanOrEqual(13);
  const { page, problems } = await openPage(browser.context, `${inject('baseUrl')}?test=1`);
  await page.waitForFunction(() => '__playgroundEngines' in window);
  const different: string[] = [];
  for (const name of examples) {
    const text = readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
    const scenario = parseScenarioJson(text, name);
    const headless = traceToJson((await runScenario(scenario, { heal: false })).trace);
    const inBrowser = await page.evaluate(async (text: string) => {
      const scenario = JSON.parse(text) as Parameters<Engine['load']>[0];
      const engines = (window as unknown as { __playgroundEngines: PlaygroundEnginesForTests })
        .__playgroundEngines;
      const engine = await engines.createWorkerEngine();
      try {
        await engine.load(scenario);
        await engine.advance(scenario.durationMs, null, { invariants: false });
        return await engine.traceJson();
      } finally {
        engine.dispose();
      }
    }, text);
    if (inBrowser !== headless) different.push(name);
  }
  expect(different).toEqual([]);
  expect(problems).toEqual([]);
  await page.close();
});
