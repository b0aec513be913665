/** Where the figures were measured: they mean little without the machine and the versions. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import type { MachineInfo } from './report';

export function machineInfo(sqlJs: SqlJsStatic): MachineInfo {
  const cpu = cpus();
  return {
    node: process.version,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    platform: process.platform,
    arch: process.arch,
    sqlJs: `${sqlJsVersion()} (SQLite ${sqliteVersion(sqlJs)})`,
  };
}

/** sql.js does not export its package.json, so read it next to the entry point it does export. */
function sqlJsVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('sql.js');
    const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function sqliteVersion(sqlJs: SqlJsStatic): string {
  const db = new sqlJs.Database();
  try {
    return String(db.exec('SELECT sqlite_version()')[0]?.values[0]?.[0] ?? 'unknown');
  } finally {
    db.close();
  }
}
