import { Conductor, type ConductorOptions } from './conductor/conductor.js';
import { defaultMaxEvents, eventBudgetReachedIn, RunBudgetError, type RunProgress } from './runBudget.js';
import type { ResolvedTimings, RunResult } from './runResult.js';
import type { OwnJobs } from './ownJobs.js';
import type { TraceEntry } from './trace/trace.js';
import type { Scenario } from '../scenario/types.js';

export interface RunOptions extends ConductorOptions {
  /**
   * Your own jobs, by name: `{ chargeCard: defineJob({ name: 'chargeCard', run }) }`. Every simulated server
   * runs your real `run(params, context)` on virtual time, under the scenario's faults, with the context it
   * gets in production (`context.sleep` and `context.now` are the server's virtual clock, `context.enqueue`
   * goes through its coordinator, `context.cancelled` turns true on a timeout or a lost claim).
   *
   * - A name the scenario models replaces that model: your `run` takes the place of its `durationMs` and
   *   `failureRate` (a `setJob` of it is refused), your `maxAttempts`, `timeoutMs` and `backoff` apply
   *   where you set them (the model's otherwise), and its schedules are the scenario's and yours.
   * - A name the scenario does not model is added to every server, so a scenario built in code may enqueue
   *   it. A scenario read from a file must still list each job it enqueues (`{ "name": "chargeCard" }`
   *   is enough), so that the file stays valid on its own; that listing is then replaced.
   * - A crash of the server running it abandons the run: its promise is never settled, and nothing it does
   *   afterwards is heard or recorded; the job is claimed again elsewhere once its claim expires. A run
   *   that outlasts `timeoutMs` (on the server's clock) fails as a timeout, and retries per its policy.
   * - Wait only on the context (or on promises that settle at once): a real timer, I/O or `Math.random`
   *   escapes virtual time and the run is no longer deterministic.
   * - Functions run in this thread only: with any `transport` but the in-thread one (a worker transport),
   *   the run is refused with an error naming the jobs. A scenario itself is data: a function in it is
   *   refused by its path.
   *
   * Checked before the run: an object of definitions, each keyed by its `name`, `run` a function, and
   * everything defineJob checks; an error names the field (`options.jobs.chargeCard.run: ...`).
   */
  jobs?: OwnJobs | undefined;
  /** Stops the run here (ms since its start) instead of at the scenario's `durationMs`. */
  untilMs?: number | undefined;
  /** Called as the run goes, with the virtual time reached and where it ends. */
  onProgress?: ((elapsedMs: number, endMs: number) => void) | undefined;
  /**
   * After the scenario, end every fault and run the liveness phase, so that invariant I2 (nothing lost)
   * can be checked. Default true.
   */
  heal?: boolean | undefined;
  /**
   * Called as the run goes (every second of virtual time while it is given, and once at the end) with the
   * trace entries recorded since the last call and the timings every server runs with. Returning true ends
   * the run there: the result is the run so far (its trace and tables, `endedAt` the time reached,
   * `healedAt` null unless the heal had begun). A property run uses it to stop at the first violation.
   */
  onEntries?: ((entries: readonly TraceEntry[], timings: ResolvedTimings) => boolean | void) | undefined;
  /**
   * The run's event budget, in trace entries: past it the run throws a RunBudgetError (deterministic: the
   * same scenario and seed stop at the same entry). Default: derived from what the scenario can cost
   * (`defaultMaxEvents` in runBudget.ts), so that only a run gone wrong reaches it.
   */
  maxEvents?: number | undefined;
  /**
   * A wall-time budget in ms, measured with `wallClock` (both or neither: the simulation reads no clock of
   * its own). Checked between steps of a second of virtual time; past it the run throws a RunBudgetError.
   */
  maxWallMs?: number | undefined;
  wallClock?: (() => number) | undefined;
}

/** Progress is reported every this much virtual time; runs are cut into steps of it. */
const PROGRESS_STEP_MS = 10_000;
/** With an onEntries hook or a wall budget, steps are this short, so that a run stops soon after it is told to. */
const WATCHED_STEP_MS = 1_000;

/**
 * Runs a scenario headless from start to end and returns what happened. Deterministic: the same scenario
 * and seed give the same trace.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  if ((options.maxWallMs === undefined) !== (options.wallClock === undefined))
    throw new TypeError('runScenario: maxWallMs and wallClock go together (give both or neither)');
  const conductor = await Conductor.create(scenario, options);
  const faultsEnd = options.untilMs ?? scenario.durationMs;
  const heal = options.heal ?? true;
  const endMs = heal ? faultsEnd + conductor.livenessMs() : faultsEnd;
  const maxEvents = options.maxEvents ?? defaultMaxEvents(scenario, endMs);
  conductor.limitEvents(maxEvents);
  const run = new Stepper(conductor, endMs, options);
  try {
    if (await run.to(faultsEnd)) return conductor.result(null);
    let healedAt: number | null = null;
    if (heal) {
      conductor.heal();
      healedAt = conductor.time.now();
      if (await run.to(endMs)) return conductor.result(healedAt);
    }
    return conductor.result(healedAt);
  } catch (error) {
    if (eventBudgetReachedIn(error) === undefined) throw error;
    throw new RunBudgetError('events', maxEvents, run.progress());
  } finally {
    conductor.dispose();
  }
}

/** Runs the conductor in steps, reporting progress and handing new entries to the hook after each. */
class Stepper {
  private handed = 0;
  private readonly wallStart: number | undefined;

  constructor(
    private readonly conductor: Conductor,
    private readonly endMs: number,
    private readonly options: RunOptions,
  ) {
    this.wallStart = options.wallClock?.();
  }

  /** How far the run has got. */
  progress(): RunProgress {
    return {
      reachedMs: this.conductor.elapsedMs,
      endMs: this.endMs,
      events: this.conductor.trace.entries.length,
    };
  }

  /** Runs to `targetMs`; true when the hook asked to stop there. */
  async to(targetMs: number): Promise<boolean> {
    const watched = this.options.onEntries !== undefined || this.options.maxWallMs !== undefined;
    const step = watched ? WATCHED_STEP_MS : PROGRESS_STEP_MS;
    const { conductor } = this;
    while (conductor.elapsedMs < targetMs) {
      await conductor.runUntil(Math.min(targetMs, conductor.elapsedMs + step));
      this.options.onProgress?.(conductor.elapsedMs, this.endMs);
      if (this.handOver()) return true;
      this.checkWall();
    }
    return this.handOver();
  }

  private checkWall(): void {
    const { maxWallMs, wallClock } = this.options;
    if (maxWallMs === undefined || wallClock === undefined || this.wallStart === undefined) return;
    if (wallClock() - this.wallStart > maxWallMs)
      throw new RunBudgetError('wall', maxWallMs, this.progress());
  }

  private handOver(): boolean {
    const hook = this.options.onEntries;
    if (!hook) return false;
    const entries = this.conductor.trace.entries;
    if (this.handed === entries.length) return false;
    const fresh = entries.slice(this.handed);
    this.handed = entries.length;
    return hook(fresh, this.conductor.timings) === true;
  }
}
