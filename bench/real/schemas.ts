/** Each system's runs get a schema of their own, created empty and dropped afterwards. */
import pg from 'pg';

export function quoted(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function freshSchema(url: string, schema: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS ${quoted(schema)} CASCADE`);
    await client.query(`CREATE SCHEMA ${quoted(schema)}`);
  });
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS ${quoted(schema)} CASCADE`));
}
