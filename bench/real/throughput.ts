/**
 * One throughput run: a fresh schema, every job loaded before any worker starts, N worker processes that
 * connect and say ready, then `go` to all at once; the clock runs from `go` until the system's own tables
 * say every job is completed (polled), and the workers then report which jobs their bodies ran.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { systemNamed } from './systems';
import type { SystemName } from './protocol';
import { dropSchema, freshSchema } from './schemas';
import { WorkerHandle } from './workers';

export interface ThroughputOptions {
  system: SystemName;
  url: string;
  processes: number;
  jobs: number;
  concurrency: number;
  /** How often the parent counts completed jobs. */
  pollMs: number;
  /** A run that has not finished by then stops and reports what it did. */
  capMs: number;
}

export interface ThroughputResult {
  system: SystemName;
  processes: number;
  jobs: number;
  /** From `go` to the poll that saw every job completed; null when the cap ended the run first. */
  seconds: number | null;
  completedInTable: number;
  /** Job numbers whose body ran more than once, and those that never ran. */
  ranTwice: number;
  neverRan: number;
}

export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const system = systemNamed(options.system);
  const schema = `bench_real_${options.system.replace(/\W/g, '_')}_${process.pid}`;
  await freshSchema(options.url, schema);
  const workers: WorkerHandle[] = [];
  const client = new pg.Client({ connectionString: options.url });
  try {
    await system.prepare(options.url, schema, options.jobs);
    for (let i = 1; i <= options.processes; i++) {
      workers.push(
        WorkerHandle.spawn({
          system: options.system,
          workerId: `w${i}`,
          url: options.url,
          schema,
          concurrency: options.concurrency,
        }),
      );
    }
    await Promise.all(workers.map((worker) => worker.waitFor('ready', 60_000)));
    await client.connect();

    const started = performance.now();
    for (const worker of workers) worker.send({ command: 'go' });
    let completed = 0;
    let seconds: number | null = null;
    while (performance.now() - started < options.capMs) {
      completed = await system.completed(client, schema, options.jobs);
      if (completed >= options.jobs) {
        seconds = (performance.now() - started) / 1_000;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    }

    for (const worker of workers) worker.send({ command: 'finish' });
    const reports = await Promise.all(workers.map((worker) => worker.waitFor('ran', 60_000)));
    const runs = new Array<number>(options.jobs).fill(0);
    for (const report of reports) for (const n of report.ns) runs[n] = (runs[n] ?? 0) + 1;
    return {
      system: options.system,
      processes: options.processes,
      jobs: options.jobs,
      seconds,
      completedInTable: await system.completed(client, schema, options.jobs),
      ranTwice: runs.filter((count) => count > 1).length,
      neverRan: runs.filter((count) => count === 0).length,
    };
  } finally {
    for (const worker of workers) worker.kill();
    await Promise.all(workers.map((worker) => worker.exited));
    await client.end().catch(() => undefined);
    await dropSchema(options.url, schema);
  }
}
