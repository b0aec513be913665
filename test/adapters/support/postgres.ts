/**
 * PostgreSQL for the adapter tests: the machine's server (docs: PostgreSQL 15 on 127.0.0.1:5432, trust
 * authentication, database `test`), or `DATABASE_URL`. Each test makes a schema of its own and drops it,
 * so runs never see each other's rows. A server that is down fails the test saying how to start it: these
 * tests are the proof that the coordinator runs on a real database, and skipping them would hide that.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresDatabase, type PostgresDatabaseOptions } from '../../../src/adapters/postgres/index.js';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/** Connects once, or throws an error that says how to start PostgreSQL. */
export async function requirePostgres(url = DATABASE_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${url} (${(error as Error).message}). ` +
        `These tests need it running; start it with: ${START_POSTGRES}`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema name nobody else uses: this process and a random part. */
export function freshSchemaName(label: string): string {
  return `t_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Opens servers' connections on one fresh schema, and drops it (and closes them) at `dispose`. */
export async function postgresSchema(label: string) {
  await requirePostgres();
  const schema = freshSchemaName(label);
  const opened: PostgresDatabase[] = [];
  return {
    schema,
    async open(options: Partial<PostgresDatabaseOptions> = {}): Promise<PostgresDatabase> {
      const database = await PostgresDatabase.open({ connectionString: DATABASE_URL, schema, ...options });
      opened.push(database);
      return database;
    },
    /** A plain client on the same database, for what the adapter must not do itself (hold a row lock). */
    async rawClient(): Promise<pg.Client> {
      const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path="${schema}"` });
      await client.connect();
      return client;
    },
    async dispose(): Promise<void> {
      await Promise.all(opened.map((database) => database.close()));
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
