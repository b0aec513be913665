import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

test("the README's example runs as written and does what its comments say", async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toBeDefined();
  // Run the block itself, with its imports pointed at this checkout.
  const dir = mkdtempSync(join(root, 'test', '.readme-'));
  try {
    const file = join(dir, 'example.ts');
    // Package paths to this checkout's sources: 'coordinator-playground' is src/core, '.../x' is src/x.
    const local = example!
      .replace(
        /from 'coordinator-playground\/(\w+)'/g,
        (_, room: string) => `from '${root}/src/${room}/index.ts'`,
      )
      .replaceAll("from 'coordinator-playground'", `from '${root}/src/core/index.ts'`);
    expect(local).not.toContain('coordinator-playground');
    writeFileSync(file, local);
    const { reports, leaders, stopReports, db } = await import(/* @vite-ignore */ file);
    expect(leaders).toHaveLength(1);
    // Twelve cron jobs in the virtual minute, plus the ad-hoc one.
    expect(reports.filter((r: string) => r.startsWith('usage'))).toHaveLength(12);
    expect(reports.filter((r: string) => r.startsWith('adhoc'))).toHaveLength(1);
    expect(stopReports.filter((r: { releasedLeadership: boolean }) => r.releasedLeadership)).toHaveLength(1);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
