/** The size of the built JavaScript, raw and gzipped (the browser section, part 3). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BundleFile, BundleReport } from './report';

/** Every .js file of the build (page and worker chunks), raw and gzipped; the .wasm apart, for information. */
export function measureBundle(assets: string): BundleReport {
  const file = (name: string): BundleFile => {
    const bytes = readFileSync(join(assets, name));
    return { name, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  };
  const names = readdirSync(assets).sort();
  const js = names.filter((name) => name.endsWith('.js')).map(file);
  js.sort((a, b) => b.bytes - a.bytes);
  return {
    js,
    totalBytes: js.reduce((sum, f) => sum + f.bytes, 0),
    totalGzipBytes: js.reduce((sum, f) => sum + f.gzipBytes, 0),
    wasm: names.filter((name) => name.endsWith('.wasm')).map(file),
  };
}
