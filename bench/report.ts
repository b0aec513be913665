/** What one `npm run bench` measured: printed as tables (format.ts) or, with --json, as this object. */
import type { DrainDiagnostics, VirtualDrainResult } from './distributedDrain';
import type { StatementTime } from './sqlJsProbe';

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
  /** Virtual hours of the steady-load simulation. */
  simHours: number;
  /** Seeds per property batch. */
  propertyRuns: number;
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

/** Section 4: the simulation engine (runScenario) under a steady job load, without healing. */
export interface SimulationReport {
  servers: number;
  enqueueEveryMs: number;
  enqueueCount: number;
  jobMs: number;
  /** Virtual length of the run. */
  virtualMs: number;
  /** Median of the runs. */
  wallMs: number;
  runsWallMs: number[];
  /** Process CPU time of the median run: well below wallMs means other processes took the CPU. */
  cpuMs: number;
  virtualSecondsPerWallSecond: number;
  /** The aim: one virtual hour in one wall second. */
  aim: number;
  traceEntries: number;
  traceBySource: Record<string, number>;
  jobs: number;
  completed: number;
  /** One more run with sql.js's methods timed (sqlJsProbe.ts). */
  probe: ProbeSplit & {
    /** Virtual seconds per wall second if everything but sql.js took no time: the statements' own floor. */
    floorVirtualSecondsPerWallSecond: number;
    /** The most expensive statements, by sql.js time. */
    statements: StatementTime[];
    /** Statements executed, in all. */
    executions: number;
  };
}

/** Where one probed run's wall time went. */
export interface ProbeSplit {
  /** Wall time of the probed run (it pays for the probe: compare with the median). */
  wallMs: number;
  sqlJsMs: number;
  sqlJsShare: number;
  otherMs: number;
  otherShare: number;
  /** Outermost calls into sql.js. */
  calls: number;
  /** JavaScript that SQLite called back (`db_now_ms()`), counted in `otherMs`. */
  callbackMs: number;
}

/** Section 5: property-suite-sized runs, a batch of seeds at a time. */
export interface PropertyRow {
  heal: boolean;
  runs: number;
  /** Median over the repeats. */
  runsPerSec: number;
  wallMs: number;
  runsWallMs: number[];
  /** Process CPU time of the median batch. */
  cpuMs: number;
  virtualMsPerRun: number;
  traceEntriesPerRun: number;
  /** Runs in which the crash hit the leader; runs that ended with every job completed or dead-lettered. */
  leaderCrashed: number;
  allJobsFinished: number;
  probe: ProbeSplit;
}

export interface BenchReport {
  machine: MachineInfo;
  settings: BenchSettings;
  throughput: ThroughputRow[];
  bare: BareRow;
  diagnostics: DrainDiagnostics[];
  virtual: VirtualRow[];
  simulation: SimulationReport;
  properties: PropertyRow[];
  totalWallMs: number;
}
