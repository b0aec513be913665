import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's version, from the package.json nearest above this module's own file: that is the
 * repository's under tsx (src/cli/) and the installed package's once compiled (dist/cli/), whatever the
 * working directory. Read at run time rather than imported, so that the build need not copy package.json
 * into dist/ and the number cannot go stale.
 */
export function packageVersion(moduleUrl: string = import.meta.url): string {
  let folder = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const candidate = join(folder, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { version?: unknown };
      if (typeof manifest.version !== 'string') throw new Error(`${candidate} has no version`);
      return manifest.version;
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`);
    folder = parent;
  }
}
