/** The size of the built JavaScript, raw and gzipped (the browser section, part 3). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BundleFile, BundleReport } from './report';

/**
 * Every .js file of the build (page and worker chunks), raw and gzipped; the .wasm apart, for information;
 * and the first paint: what index.html makes the browser load before the page can render, its entry
 * scripts and module preloads and every chunk they import statically. Chunks fetched by `import()` (the
 * lesson panel, the hazards panel, the embed, a real run's history...) and the workers come after it.
 */
export function measureBundle(assets: string): BundleReport {
  const file = (name: string): BundleFile => {
    const bytes = readFileSync(join(assets, name));
    return { name, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  };
  const names = readdirSync(assets).sort();
  const js = names.filter((name) => name.endsWith('.js')).map(file);
  js.sort((a, b) => b.bytes - a.bytes);
  const firstPaint = firstPaintChunks(assets);
  const inFirstPaint = js.filter((f) => firstPaint.has(f.name));
  return {
    js,
    totalBytes: js.reduce((sum, f) => sum + f.bytes, 0),
    totalGzipBytes: js.reduce((sum, f) => sum + f.gzipBytes, 0),
    firstPaint: {
      files: inFirstPaint.map((f) => f.name),
      bytes: inFirstPaint.reduce((sum, f) => sum + f.bytes, 0),
      gzipBytes: inFirstPaint.reduce((sum, f) => sum + f.gzipBytes, 0),
    },
    wasm: names.filter((name) => name.endsWith('.wasm')).map(file),
  };
}

/** `src="/assets/x.js"` or `href="/assets/x.js"` on index.html's module scripts and module preloads. */
const HTML_SCRIPT =
  /<(?:script[^>]*\btype="module"[^>]*\bsrc|link[^>]*\brel="modulepreload"[^>]*\bhref)="[^"]*?assets\/([^"/]+\.js)"/g;
/** A static import between chunks, as Rolldown writes it: `from"./x.js"` or `import"./x.js"` (not `import(`). */
const STATIC_IMPORT = /(?:\bfrom|\bimport)\s*["']\.\/([^"']+\.js)["']/g;

/** The chunks (file names in `assets`) that index.html loads before the first paint. */
export function firstPaintChunks(assets: string): Set<string> {
  const html = join(assets, '..', 'index.html');
  if (!existsSync(html)) throw new Error(`no index.html beside ${assets}: build the page first`);
  const pending = [...readFileSync(html, 'utf8').matchAll(HTML_SCRIPT)].map((match) => match[1]!);
  if (pending.length === 0) throw new Error(`${html} loads no module script from assets/`);
  const chunks = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (chunks.has(name)) continue;
    chunks.add(name);
    const code = readFileSync(join(assets, name), 'utf8');
    for (const match of code.matchAll(STATIC_IMPORT)) pending.push(match[1]!);
  }
  return chunks;
}
