/**
 * What `npm run bench:real`'s parent and its worker processes say to each other (`workerProcess.ts`): the
 * worker's configuration as one JSON value in an environment variable, commands on its stdin, reports on its
 * stdout as lines that start with a marker, since graphile-worker and pg-boss may print lines of their own.
 */
export type SystemName = 'ours' | 'graphile-worker' | 'pg-boss';

export const SYSTEMS: readonly SystemName[] = ['ours', 'graphile-worker', 'pg-boss'];

export interface WorkerConfig {
  system: SystemName;
  workerId: string;
  url: string;
  schema: string;
  concurrency: number;
}

export const WORKER_ENV = 'BENCH_REAL_WORKER';
export const REPORT_MARKER = '@bench ';

/** `go`: start taking jobs (the clock starts); `finish`: stop, report what ran, exit. */
export type WorkerCommand = { command: 'go' } | { command: 'finish' };

export type WorkerReport =
  | { report: 'ready' }
  /** Every job's number `n` this process's job body ran, in the order it ran them. */
  | { report: 'ran'; ns: number[] }
  | { report: 'failed'; error: string };
