// The command's public face for other programs: the shape of its JSON report (also described by
// schemas/simulation-report.schema.json) and its exit codes. The command itself is dist/cli/simulate.js.

export {
  SIMULATION_REPORT_SCHEMA_VERSION,
  simulationReport,
  type ReportSummary,
  type SimulationReport,
  type WallFigures,
} from './report.js';
export { EXIT, type ExitCode } from './exitCodes.js';
export type { InvariantReport, JobCounts, LeadershipEvent, RunSummary, TimelineItem } from './summary.js';
