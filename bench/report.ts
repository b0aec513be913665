/** What one `npm run bench` measured: printed as tables (format.ts) or, with --json, as this object. */
import type { DrainDiagnostics, VirtualDrainResult } from './distributedDrain';

export interface MachineInfo {
  node: string;
  cpu: string;
  cores: number;
  platform: string;
  arch: string;
  sqlJs: string;
}

export interface BenchSettings {
  servers: number[];
  jobs: number;
  virtualJobs: number;
  concurrency: number;
  repeats: number;
  /** Virtual step of the wall-throughput drain. */
  stepMs: number;
  /** Virtual step and cap of the virtual-time drain. */
  virtualStepMs: number;
  virtualCapMs: number;
  /** SQLite pragmas applied to both the shared database and the bare one (empty: sql.js defaults). */
  pragmas: string[];
}

export interface ThroughputRow {
  servers: number;
  /** Median of the runs. */
  wallMs: number;
  jobsPerSec: number;
  runsWallMs: number[];
  /** Virtual time of the median run's drain: a multiple of the step, since the loop checks once per step. */
  virtualMs: number;
  steps: number;
  /** Coordinator wall time over bare-SQL wall time for the same jobs. */
  overhead: number;
}

export interface BareRow {
  batch: number;
  wallMs: number;
  jobsPerSec: number;
  runsWallMs: number[];
  claimTransactions: number;
  statementsPerJob: number;
}

export interface VirtualRow {
  servers: number;
  jobs: number;
  fixed: VirtualDrainResult;
  reference: VirtualDrainResult;
  /** The reference's own bound: one job per server per 5 s election tick. */
  referenceBoundMs: number;
  /** Reference over fixed; null when the fixed drain took no virtual time at all. */
  ratio: number | null;
  /** Whether the repeated runs gave the same virtual times, as determinism (I7) says they must. */
  repeatable: boolean;
}

export interface BenchReport {
  machine: MachineInfo;
  settings: BenchSettings;
  throughput: ThroughputRow[];
  bare: BareRow;
  diagnostics: DrainDiagnostics[];
  virtual: VirtualRow[];
  totalWallMs: number;
}
