/**
 * The database a real run works in: on PostgreSQL a schema of its own, made fresh and dropped at the end,
 * so that the checkers judge the run's rows and nobody else's; on SQLite the file asked for, which must
 * not hold rows already (it is kept, for whoever wants to look at it).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import pg from 'pg';
import type { ServerDatabaseConfig } from '../adapters/cluster/protocol.js';

export type RunDatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string };

/** A database the run cannot use; the message says why, fit to print as is. */
export class RunDatabaseError extends Error {
  override name = 'RunDatabaseError';
}

export interface RunDatabase {
  config: ServerDatabaseConfig;
  /** Drops what the run made (the PostgreSQL schema). */
  dispose(): Promise<void>;
}

export async function openRunDatabase(target: RunDatabaseTarget): Promise<RunDatabase> {
  if (target.kind === 'sqlite') {
    if (existsSync(target.path) && statSync(target.path).size > 0) {
      throw new RunDatabaseError(
        `--sqlite: ${target.path} exists already; give a new file (the checkers judge every row of its tables)`,
      );
    }
    return { config: { kind: 'sqlite', path: target.path }, dispose: async () => undefined };
  }
  const schema = `coordinator_real_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(target.url, async () => undefined);
  return {
    config: { kind: 'postgres', url: target.url, schema },
    dispose: () =>
      withClient(target.url, (client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)),
  };
}

async function withClient(url: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new RunDatabaseError(
      `--database: cannot connect to ${url}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
