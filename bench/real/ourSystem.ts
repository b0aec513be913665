/**
 * Our DistributedJobCoordinator on PostgresDatabase, as the bench runs it: the parent migrates a fresh
 * schema and loads the jobs with one INSERT (the columns the coordinator's own enqueue writes); each worker
 * process runs one coordinator, on the system clock and crypto entropy, with the shipped default timings.
 */
import pg from 'pg';
import { defineJob, DistributedJobCoordinator, migrate } from '../../src/core';
import { CryptoEntropy } from '../../src/adapters/cryptoEntropy';
import { PostgresDatabase } from '../../src/adapters/postgres';
import { SystemClock } from '../../src/adapters/systemClock';
import type { BenchSystem } from './benchSystem';
import { quoted } from './schemas';

const JOB_NAME = 'bench';

export const ourSystem: BenchSystem = {
  name: 'ours',

  async prepare(url, schema, jobs) {
    const database = await PostgresDatabase.open({ connectionString: url, schema, name: 'bench-loader' });
    try {
      await migrate((fn) => database.lock(fn));
      await database.run(
        `INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts, enqueuedBy)
         SELECT ?, json_build_object('n', g)::text, db_now_ms(), db_now_ms(), 3, 'bench-loader'
         FROM generate_series(0, ?::int - 1) AS g`,
        [JOB_NAME, jobs],
      );
    } finally {
      await database.close();
    }
  },

  async completed(client: pg.Client, schema) {
    const result = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${quoted(schema)}.distributedJobs WHERE status = 'completed'`,
    );
    return Number(result.rows[0]!.n);
  },

  async openWorker(config, onRan) {
    const database = await PostgresDatabase.open({
      connectionString: config.url,
      schema: config.schema,
      name: config.workerId,
      onBackgroundError: () => undefined,
    });
    const coordinator = new DistributedJobCoordinator({
      serverId: config.workerId,
      clock: new SystemClock(),
      entropy: new CryptoEntropy(),
      database,
      jobs: [defineJob({ name: JOB_NAME, run: ({ n }) => onRan(Number(n)) })],
      concurrency: config.concurrency,
    });
    return {
      start: () => coordinator.start(),
      async stop() {
        await coordinator.stop();
        await database.close();
      },
    };
  },
};
