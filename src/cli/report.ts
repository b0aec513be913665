import type { Scenario } from '../scenario/types.js';
import type { InvariantReport } from '../verify/checkers/index.js';
import type { RunSummary } from './summary.js';

/**
 * The JSON report of `coordinator-sim --json`, as described by schemas/simulation-report.schema.json.
 *
 * Everything but `wall` follows from the scenario, the seed and the flags alone: two runs of the same
 * command give byte-identical JSON once `wall` is removed, so that a report can be diffed, cached or pinned
 * in a fixture. The wall-clock figures sit under `wall` only, for that reason.
 *
 * A change that could break a reader (a field removed, renamed or given another meaning) raises
 * `schemaVersion`; a new field does not.
 */
export interface SimulationReport {
  schemaVersion: typeof SIMULATION_REPORT_SCHEMA_VERSION;
  /** The scenario as it was read and checked, defaults not filled in. */
  scenario: Scenario;
  /** The seed the run used: `--seed`, or else the scenario's own. */
  seed: number;
  summary: ReportSummary;
  /** One report per checker of a run (I1 to I8 but I7, which compares two runs); a failed one carries its evidence. */
  invariants: InvariantReport[];
  wall: WallFigures;
}

export const SIMULATION_REPORT_SCHEMA_VERSION = 1;

/** The run's summary without its wall time, which the report keeps under `wall`. */
export type ReportSummary = Omit<RunSummary, 'wallMs'>;

/** What depends on the machine and its load, not on the scenario: different on every run. */
export interface WallFigures {
  /** Wall-clock ms the simulation took, without reading the scenario or checking the invariants. */
  ms: number;
  /** Virtual ms simulated per wall ms, or null for a run too short to measure (0 ms). */
  speed: number | null;
}

/** The report of one run, from its summary and the invariant reports it was built from. */
export function simulationReport(
  scenario: Scenario,
  summary: RunSummary,
  invariants: readonly InvariantReport[],
  wallMs: number,
): SimulationReport {
  const { wallMs: _wallMs, ...deterministic } = summary;
  return {
    schemaVersion: SIMULATION_REPORT_SCHEMA_VERSION,
    scenario,
    seed: summary.seed,
    summary: deterministic,
    invariants: [...invariants],
    wall: { ms: wallMs, speed: wallMs > 0 ? Math.round((summary.virtualMs / wallMs) * 10) / 10 : null },
  };
}
