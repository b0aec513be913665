// axe-core, run inside the page: the accessibility check every browser test shares.

import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);

interface AxeResult {
  violations: { id: string; impact: string | null; nodes: { html: string }[] }[];
}

/**
 * The critical and serious violations axe-core finds on the page as it is now, one line each (the rule and
 * the start of each offending element). `include` narrows the check to some regions (CSS selectors), for a
 * test about one panel on a page whose other parts other tests check.
 */
export async function axeViolations(page: Page, include?: string[]): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async (regions) => {
    const axe = (window as unknown as { axe: { run(context?: unknown): Promise<AxeResult> } }).axe;
    const result = regions ? await axe.run({ include: regions.map((region) => [region]) }) : await axe.run();
    return result.violations
      .filter((v) => v.impact === 'critical' || v.impact === 'serious')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.html.slice(0, 160)).join(' | ')}`);
  }, include ?? null);
}
