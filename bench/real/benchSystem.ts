import type pg from 'pg';
import type { SystemName, WorkerConfig } from './protocol';

/** One job system as the real bench drives it: the parent's half (load, count) and the worker's half. */
export interface BenchSystem {
  name: SystemName;
  /** Installs the system's tables in `schema` (already created, empty) and loads `jobs` jobs numbered 0.. */
  prepare(url: string, schema: string, jobs: number): Promise<void>;
  /** How many of the `jobs` loaded the system's own tables say are completed. */
  completed(client: pg.Client, schema: string, jobs: number): Promise<number>;
  /** In a worker process: connects, ready to `start` taking jobs; `onRan` hears each job body's `n`. */
  openWorker(config: WorkerConfig, onRan: (n: number) => void): Promise<RunningWorker>;
}

export interface RunningWorker {
  start(): Promise<void>;
  stop(): Promise<void>;
}
