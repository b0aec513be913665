import { Conductor, type ConductorOptions } from './conductor/conductor';
import type { RunResult } from './runResult';
import type { Scenario } from '../scenario/types';

export interface RunOptions extends ConductorOptions {
  /** Stops the run here (ms since its start) instead of at the scenario's `durationMs`. */
  untilMs?: number;
  /** Called as the run goes, with the virtual time reached and where it ends. */
  onProgress?: (elapsedMs: number, endMs: number) => void;
  /**
   * After the scenario, end every fault and run the liveness phase, so that invariant I2 (nothing lost)
   * can be checked. Default true.
   */
  heal?: boolean;
}

/** Progress is reported every this much virtual time; runs are cut into steps of it. */
const PROGRESS_STEP_MS = 10_000;

/**
 * Runs a scenario headless from start to end and returns what happened. Deterministic: the same scenario
 * and seed give the same trace.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  const conductor = await Conductor.create(scenario, options);
  try {
    const faultsEnd = options.untilMs ?? scenario.durationMs;
    const heal = options.heal ?? true;
    const endMs = heal ? faultsEnd + conductor.livenessMs() : faultsEnd;
    await runTo(conductor, faultsEnd, endMs, options.onProgress);
    let healedAt: number | null = null;
    if (heal) {
      conductor.heal();
      healedAt = conductor.time.now();
      await runTo(conductor, endMs, endMs, options.onProgress);
    }
    return conductor.result(healedAt);
  } finally {
    conductor.dispose();
  }
}

async function runTo(
  conductor: Conductor,
  targetMs: number,
  endMs: number,
  onProgress: RunOptions['onProgress'],
): Promise<void> {
  while (conductor.elapsedMs < targetMs) {
    await conductor.runUntil(Math.min(targetMs, conductor.elapsedMs + PROGRESS_STEP_MS));
    onProgress?.(conductor.elapsedMs, endMs);
  }
}
