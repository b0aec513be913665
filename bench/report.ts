/** What one `npm run bench` measured: printed as tables (format.ts) or, with --json, as this object. */
import type { DrainDiagnostics, VirtualDrainResult } from './distributedDrain';
import type { StatementTime } from './sqlJsProbe';
import type { HazardFindReport, HazardFindSettings } from './hazardFind';

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
  /** Section 6, in headless Chromium; null with --no-browser. */
  browser: BrowserSettings | null;
  /** Section 7, the time to find each hazard; null with --no-hazard-find. */
  hazardFind: HazardFindSettings | null;
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

/** Section 6's settings (browser.ts). */
export interface BrowserSettings {
  /** Scenario files (scenarios/<name>.json) whose engine speed is measured. */
  scenarios: string[];
  /** Virtual span of every engine run. */
  virtualMs: number;
  /** Wall seconds over which the page's frames are counted. */
  fpsSeconds: number;
}

/** Where the engine ran: in the page (three ways), or under Node in the bench process (the baseline). */
export type EnginePlacement = 'workers' | 'in-thread' | 'in-page' | 'node';

/** Section 6.1: one scenario in one placement. */
export interface EngineRow {
  scenario: string;
  servers: number;
  placement: EnginePlacement;
  virtualMs: number;
  /** Median of the runs: creating the engine and loading the scenario (0 under Node: inside wallMs there). */
  setupMs: number;
  /** Median of the runs: the virtual span alone in the page, runScenario as a whole under Node. */
  wallMs: number;
  runsWallMs: number[];
  virtualSecondsPerWallSecond: number;
  /** This placement's speed over Node's. */
  ratioToNode: number;
  /** Entries in the median run's trace. */
  traceEntries: number;
  /** Whether every run's trace (SHA-256 of its JSON) was the Node baseline's (see nodeTeardownEntries). */
  sameTraceAsNode: boolean;
  /**
   * Entries that runScenario's trace holds beyond this run's, all at the span's last instant: written when
   * runScenario disposes the run, after it returned the trace (the page's engines are read before dispose).
   */
  nodeTeardownEntries: number;
  traceSha256: string;
}

/** Section 6.2: the playground page playing. */
export interface FpsReport {
  /** Path and query the page was opened at. */
  url: string;
  /** The speed asked of the page. */
  speed: number;
  /** Wall time over which frames were counted: --fps-seconds, or less if the run reached its end first. */
  wallMs: number;
  /** requestAnimationFrame callbacks in that time. */
  frames: number;
  fps: number;
  medianGapMs: number;
  longestGapMs: number;
  gapsOver50Ms: number;
  /** The run's time (`[data-testid="run-time"]` `data-ms`) at the start and end of the window. */
  virtualStartMs: number;
  virtualEndMs: number;
  /** Virtual ms per wall ms over the window. */
  achievedSpeed: number;
  /** The scenario's durationMs, where the page stops playing; the count stops there too. */
  scenarioEndMs: number;
  /** Whether the count stopped at the scenario's end, before its wall seconds were up. */
  reachedEnd: boolean;
  /** document.visibilityState during the count (a hidden page gets few frames). */
  visibility: string;
  /** Console errors and warnings, page errors, failed requests: empty for a healthy page. */
  problems: string[];
}

export interface BundleFile {
  name: string;
  bytes: number;
  /** gzip level 9. */
  gzipBytes: number;
}

/** Section 6.3: the built JavaScript (page and worker chunks); the wasm apart. */
export interface BundleReport {
  js: BundleFile[];
  totalBytes: number;
  totalGzipBytes: number;
  /** What index.html loads before the first paint: its scripts and preloads and their static imports. */
  firstPaint: { files: string[]; bytes: number; gzipBytes: number };
  wasm: BundleFile[];
}

/** Section 6.3: the chunks the page and its workers fetched before any interaction, on one kind of visit. */
export interface PageLoadRow {
  visit: string;
  files: string[];
  /** gzip -9 of the page's chunks (not the workers'). */
  pageGzipBytes: number;
  workerGzipBytes: number;
  /** From navigation until the visit's ready element showed. */
  readyMs: number;
}

/** Section 6, or why it did not run (no browser) or failed as a whole; a part that failed says why in `error`. */
export type BrowserReport =
  | { skipped: string }
  | { failed: string }
  | {
      /** The browser's user agent. */
      chromium: string;
      /** vite build, then vite preview until it answered. */
      buildAndStartMs: number;
      engines: EngineRow[] | { error: string };
      fps: FpsReport | { error: string };
      bundle: BundleReport;
      loads: PageLoadRow[] | { error: string };
    };

export interface BenchReport {
  machine: MachineInfo;
  settings: BenchSettings;
  throughput: ThroughputRow[];
  bare: BareRow;
  diagnostics: DrainDiagnostics[];
  virtual: VirtualRow[];
  simulation: SimulationReport;
  properties: PropertyRow[];
  /** Absent with --no-browser. */
  browser?: BrowserReport;
  /** Absent with --no-hazard-find. */
  hazardFind?: HazardFindReport;
  totalWallMs: number;
}

/** `--hazard-find-only`: section 7 alone. */
export interface HazardFindBenchReport {
  machine: MachineInfo;
  settings: BenchSettings;
  hazardFind: HazardFindReport;
  totalWallMs: number;
}

/** `--browser-only`: section 6 alone. */
export interface BrowserBenchReport {
  machine: MachineInfo;
  settings: BenchSettings;
  browser: BrowserReport;
  totalWallMs: number;
}
