/**
 * pg-boss 10 as the bench runs it: the parent installs its schema (`start()`), creates the queue and loads
 * the jobs with one `insert`; each worker process calls `work()` once per unit of concurrency (pg-boss 10
 * has no concurrency option: each `work()` is one fetch loop), one job per fetch. pg-boss polls and is not
 * woken by new jobs: a loop that ran a job waits out the rest of its polling interval, here 0.5 s, the
 * smallest pg-boss accepts (its default is 2 s).
 */
import PgBoss from 'pg-boss';
import type pg from 'pg';
import type { BenchSystem } from './benchSystem';
import { quoted } from './schemas';

const QUEUE = 'bench';
const POLLING_INTERVAL_SECONDS = 0.5;

function boss(url: string, schema: string): PgBoss {
  const instance = new PgBoss({ connectionString: url, schema });
  // An unheard 'error' event would end the process; the bench's counts show what did not complete.
  instance.on('error', () => undefined);
  return instance;
}

export const pgBossSystem: BenchSystem = {
  name: 'pg-boss',

  async prepare(url, schema, jobs) {
    const loader = boss(url, schema);
    await loader.start();
    try {
      await loader.createQueue(QUEUE);
      await loader.insert(Array.from({ length: jobs }, (_, n) => ({ name: QUEUE, data: { n } })));
    } finally {
      await loader.stop({ graceful: false, wait: true });
    }
  },

  async completed(client: pg.Client, schema) {
    const result = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${quoted(schema)}.job WHERE name = $1 AND state = 'completed'`,
      [QUEUE],
    );
    return Number(result.rows[0]!.n);
  },

  async openWorker(config, onRan) {
    const worker = boss(config.url, config.schema);
    await worker.start();
    return {
      async start() {
        for (let i = 0; i < config.concurrency; i++) {
          await worker.work<{ n: number }>(
            QUEUE,
            { batchSize: 1, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS },
            async (jobs) => {
              for (const job of jobs) onRan(job.data.n);
            },
          );
        }
      },
      async stop() {
        await worker.stop({ graceful: true, wait: true, timeout: 10_000 });
      },
    };
  },
};
