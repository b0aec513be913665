/**
 * graphile-worker 0.16 as the bench runs it: the parent runs its migrations and loads the jobs with its
 * public SQL function `add_job`; each worker process is one `run()` pool at the bench's concurrency, with
 * its default poll interval (it is woken by LISTEN/NOTIFY). A completed job is deleted from its table.
 */
import { Logger, run, runMigrations } from 'graphile-worker';
import type pg from 'pg';
import type { BenchSystem } from './benchSystem';
import { quoted, withClient } from './schemas';

const TASK = 'bench';

/** graphile-worker logs every job at info level; the bench's workers stay quiet. */
const silent = new Logger(() => () => undefined);

export const graphileWorkerSystem: BenchSystem = {
  name: 'graphile-worker',

  async prepare(url, schema, jobs) {
    await runMigrations({ connectionString: url, schema, logger: silent });
    await withClient(url, (client) =>
      client.query(
        `SELECT count(${quoted(schema)}.add_job($1, json_build_object('n', g))) FROM generate_series(0, $2::int - 1) AS g`,
        [TASK, jobs],
      ),
    );
  },

  async completed(client: pg.Client, schema, jobs) {
    // A completed job is deleted; every row left is a job not yet completed (a failed one awaits its retry).
    const result = await client.query<{ left: string }>(
      `SELECT count(*) AS left FROM ${quoted(schema)}._private_jobs`,
    );
    return jobs - Number(result.rows[0]!.left);
  },

  async openWorker(config, onRan) {
    let runner: Awaited<ReturnType<typeof run>> | undefined;
    return {
      async start() {
        runner = await run({
          connectionString: config.url,
          schema: config.schema,
          concurrency: config.concurrency,
          noHandleSignals: true,
          logger: silent,
          taskList: {
            [TASK]: (payload) => {
              onRan(Number((payload as { n: number }).n));
            },
          },
        });
      },
      async stop() {
        await runner?.stop();
      },
    };
  },
};
