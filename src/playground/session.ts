import type { SqlJsStatic } from 'sql.js';
import type { Row } from '../core/ports';
import { LEAD_JOB_COORDINATORS } from '../core';
import { checkDeterminism, TITLES, type InvariantId, type InvariantReport } from '../verify/checkers';
import { RunChecker } from '../verify/runChecker';
import { runScenario } from '../sim/runScenario';
import { Conductor, type ClusterSnapshot } from '../sim/conductor/conductor';
import type { ResolvedTimings } from '../sim/runResult';
import type { Action, ActionBody, Scenario } from '../scenario/types';
import { MAX_DURATION_MS, parseScenario, ScenarioError } from '../scenario/schema';
import { timelineMarks, type TimelineMark } from './view/timelineMarks';
import type { TraceEntry } from '../sim/trace/trace';
import type { TransportFactory } from '../sim/server/transport';

/**
 * The engine the playground drives: one interactive run of a scenario, and its history.
 *
 * Time moves only when asked (`advance`, `step`, `seek`). An action taken now lands 1 ms ahead, first at
 * that instant, exactly where the same action read from a scenario file would land, so `toScenario()`
 * (every action so far, at its virtual time) replays to the same trace. Rewind is replay: `seek` back
 * re-runs the history from the start to the target; actions taken after the target stay in the history
 * (seek forward again and they happen again) until a new action forks it, as in RaftScope.
 *
 * Plain data in and out: the page reaches it over comlink, from a Web Worker (workers/conductor.worker.ts).
 */
export class PlaygroundSession {
  private conductor!: Conductor;
  private hasConductor = false;
  private base!: Scenario;
  private seed = 0;
  /** Every action of this history: the scenario's, then those taken, in the order they land. */
  private actions: Action[] = [];
  /** Actions of the history still ahead of the run: how to cancel them if the history forks. */
  private pending = new Map<Action, () => void>();
  private history = 0;
  private horizonMs = 0;
  /** Since when the cluster has had no fault in force (virtual ms since the start), if it has none now. */
  private quietSinceMs: number | null = 0;
  private invariantCache: { length: number; reports: LiveInvariant[] } | null = null;
  /** The checkers of this history's run, fed the trace as it grows: a check costs the new entries only. */
  private checker: RunChecker | null = null;
  /** The last I7 check (verifyDeterminism) of this history. */
  private determinism: LiveInvariant | null = null;

  private constructor(private readonly options: SessionOptions) {}

  static async create(scenario: Scenario, options: SessionOptions = {}): Promise<PlaygroundSession> {
    const session = new PlaygroundSession(options);
    await session.load(scenario);
    return session;
  }

  /** Starts a new history from `scenario` (checked first), with its seed or `seed`. */
  async load(scenario: Scenario, seed?: number): Promise<void> {
    const checked = parseScenario(scenario, 'the scenario');
    const conductor = await this.open(checked, checked.actions, seed ?? checked.seed);
    this.base = checked;
    this.seed = seed ?? checked.seed;
    this.actions = [...checked.actions];
    this.replaceConductor(conductor);
    this.horizonMs = 0;
    this.quietSinceMs = 0;
  }

  /**
   * Starts a history again from `scenario` with every action of an earlier one (`actions`, as its view
   * listed them): the page's Undo of a fork. An action equal to one of the scenario's own stays scripted
   * (a later fork keeps it), the others are taken ones, so the history is as it was before the fork.
   */
  async restore(scenario: Scenario, seed: number, actions: readonly Action[]): Promise<void> {
    await this.load(scenario, seed);
    const unused = [...this.base.actions];
    const restored = actions.map((given) => {
      const key = JSON.stringify(given);
      const at = unused.findIndex((own) => JSON.stringify(own) === key);
      return at >= 0 ? unused.splice(at, 1)[0]! : ({ ...given } as Action);
    });
    this.check(restored);
    const conductor = await this.open(this.base, restored, this.seed);
    this.actions = restored;
    this.replaceConductor(conductor);
    this.horizonMs = 0;
    this.quietSinceMs = 0;
  }

  /** Runs virtual time `ms` further. */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance: expected ms >= 0, got ${ms}`);
    await this.runTo(this.conductor.elapsedMs + Math.round(ms));
  }

  /** Runs to the next thing that happens. */
  async step(): Promise<void> {
    await this.conductor.step();
    this.afterRun();
  }

  /** Goes to `ms` in this history: forward runs on, backward replays from the start (rewind is replay). */
  async seek(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`seek: expected ms >= 0, got ${ms}`);
    const target = Math.round(ms);
    if (target < this.conductor.elapsedMs) {
      const conductor = await this.open(this.base, this.actions, this.seed);
      this.replaceConductor(conductor);
      this.quietSinceMs = 0;
    }
    await this.runTo(target);
  }

  /**
   * Takes an action now: it is checked against the scenario format (an invalid cron, an unknown server, an
   * out-of-range number throw a ScenarioError naming the field), lands 1 ms ahead, and runs to it so its
   * effect shows at once. Taking an action forks the history: the actions taken after now are dropped.
   */
  async apply(body: ActionBody): Promise<void> {
    const atMs = this.conductor.elapsedMs + 1;
    const action = { atMs, ...body } as Action;
    const kept = this.actions.filter(
      (taken) => taken.atMs <= this.conductor.elapsedMs || this.isScripted(taken),
    );
    this.check([...kept, action]);
    for (const [dropped, cancel] of this.pending) {
      if (!kept.includes(dropped)) {
        cancel();
        this.pending.delete(dropped);
      }
    }
    // Equal times keep the order they land in: the scenario's first, then those taken, in turn.
    this.actions = [...kept, action].sort((a, b) => a.atMs - b.atMs);
    this.pending.set(action, this.conductor.schedule(action));
    this.horizonMs = this.conductor.elapsedMs;
    await this.runTo(atMs);
  }

  /**
   * Ends every fault as the conductor's heal() would (its healPlan: resume, heal, restart), but as actions
   * of the history, so that a saved run replays it. A server still stopping cannot restart yet: the others
   * are healed, and the error says which to heal again once its stop is over.
   */
  async healAll(): Promise<void> {
    // The plan is asked for again after each action: each lands 1 ms later, and the cluster moves meanwhile.
    let plan = this.conductor.healPlan();
    for (let left = plan.actions.length; left > 0 && plan.actions[0]; left--) {
      await this.apply(plan.actions[0]);
      plan = this.conductor.healPlan();
    }
    if (plan.afterStop.length > 0)
      throw new ActionError([
        `${plan.afterStop.join(', ')} ${plan.afterStop.length === 1 ? 'is' : 'are'} still stopping: heal again once the stop is over to restart ${plan.afterStop.length === 1 ? 'it' : 'them'}`,
      ]);
  }

  /** The current run as a scenario file: the loaded scenario with every action so far, ending now. */
  toScenario(): Scenario {
    const now = this.conductor.elapsedMs;
    return {
      ...this.base,
      seed: this.seed,
      durationMs: Math.max(1, now),
      actions: this.actions.filter((action) => action.atMs <= now),
    };
  }

  /** The trace so far, every entry. */
  trace(): readonly TraceEntry[] {
    return this.conductor.trace.entries;
  }

  /** What the page shows; entries and marks from `since` on (a cursor of an earlier view). */
  view(since: ViewCursor | null = null, request: ViewRequest = {}): SessionView {
    const conductor = this.conductor;
    const entries = conductor.trace.entries;
    const fresh = !since || since.history !== this.history;
    const from = fresh ? 0 : Math.min(since.entries, entries.length);
    const newEntries = entries.slice(Math.max(from, entries.length - (request.maxEntries ?? MAX_ENTRIES)));
    const snapshot = conductor.snapshot({ jobRows: MAX_JOB_ROWS });
    const lease = snapshot.tables[LEAD_JOB_COORDINATORS.table][0];
    return {
      history: this.history,
      fresh,
      cursor: { history: this.history, entries: entries.length },
      seed: this.seed,
      scenarioName: this.base.name ?? null,
      elapsedMs: conductor.elapsedMs,
      horizonMs: Math.max(this.horizonMs, conductor.elapsedMs),
      epoch: conductor.epoch,
      timings: conductor.timings,
      snapshot,
      leaseAges: Object.fromEntries(
        snapshot.servers.map((server) => [server.id, leaseAge(lease, server, snapshot.db)]),
      ),
      jobCounts: snapshot.jobCounts,
      jobTotal: Object.values(snapshot.jobCounts).reduce((sum, n) => sum + n, 0),
      skippedEntries: newEntries.length > 0 ? newEntries[0]!.seq - from : 0,
      entries: newEntries,
      marks: timelineMarks(entries, from, conductor.epoch),
      actions: this.actions,
      invariants: request.invariants === false ? null : this.invariants(),
    };
  }

  /**
   * I1-I8 on the run so far (I7 as last verified by replay), from checkers fed the trace as it grows (cheap enough for every frame). I2
   * (nothing lost) waits until the cluster has been free of faults long enough.
   */
  invariants(): LiveInvariant[] {
    const entries = this.conductor.trace.entries;
    if (this.invariantCache?.length === entries.length) return this.invariantCache.reports;
    const now = this.conductor.elapsedMs;
    const liveness = this.conductor.livenessMs();
    const quiet = this.quietSinceMs;
    const healed = quiet !== null && now >= quiet + liveness;
    const checker = (this.checker ??= new RunChecker(this.conductor.scenario, this.conductor.timings));
    checker.push(entries.slice(checker.length));
    const end = {
      final: this.conductor.finalTables(),
      endedAt: this.conductor.time.now(),
      healedAt: healed ? this.conductor.epoch + quiet : null,
    };
    const reports = checker.reports(end).map((report) => live(report, this.conductor.epoch));
    const i2 = reports.find((report) => report.id === 'I2');
    if (i2 && !healed) {
      i2.skipped =
        quiet === null
          ? 'checked once every fault has ended (heal all) and the cluster has run for a while'
          : `checked at ${formatSeconds(quiet + liveness)}, once the cluster has run ${formatSeconds(liveness)} without faults`;
    }
    // In id order: I7 (judged by replay, on demand) between I6 and I8.
    const i8 = reports.findIndex((report) => report.id === 'I8');
    reports.splice(
      i8 === -1 ? reports.length : i8,
      0,
      this.determinism ?? {
        id: 'I7',
        title: TITLES.I7,
        ok: true,
        skipped: 'checked by replay: verify replays the run so far and compares the two traces',
      },
    );
    this.invariantCache = { length: entries.length, reports };
    return reports;
  }

  /**
   * I7 on the run so far: replays it headless, in this thread, from its scenario file (`toScenario()`) and
   * compares the two traces entry by entry and the final tables. The answer holds for the run up to now
   * and stays shown until the next check.
   */
  async verifyDeterminism(): Promise<LiveInvariant> {
    const now = this.conductor.elapsedMs;
    if (now === 0) throw new Error('nothing to verify yet: the run has not started');
    const scenario = this.toScenario();
    const replayed = await runScenario(scenario, { heal: false, sqlJs: this.options.sqlJs });
    // The live run is the same scenario, ended here: compare it as such.
    const current = { ...this.conductor.result(null), scenario };
    const report = live(checkDeterminism(current, replayed), this.conductor.epoch);
    if (report.ok && report.skipped === undefined)
      report.note = `the run to ${formatSeconds(now)} replayed from its scenario file to the same ${replayed.trace.length} trace entries`;
    this.determinism = report;
    this.invariantCache = null;
    return report;
  }

  dispose(): void {
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
    this.conductor.dispose();
  }

  // ---------------------------------------------------------------------------------------------------

  private async open(scenario: Scenario, actions: Action[], seed: number): Promise<Conductor> {
    const conductor = await Conductor.create(
      { ...scenario, actions: [] },
      { seed, transport: this.options.transport, sqlJs: this.options.sqlJs },
    );
    this.pending = new Map();
    for (const action of actions) this.pending.set(action, conductor.schedule(action));
    return conductor;
  }

  private replaceConductor(conductor: Conductor): void {
    const previous = this.hasConductor ? this.conductor : undefined;
    this.hasConductor = true;
    this.conductor = conductor;
    this.history += 1;
    this.invariantCache = null;
    this.checker = null;
    this.determinism = null;
    previous?.dispose();
  }

  private async runTo(ms: number): Promise<void> {
    await this.conductor.runUntil(Math.max(ms, this.conductor.elapsedMs));
    this.afterRun();
  }

  private afterRun(): void {
    const now = this.conductor.elapsedMs;
    this.horizonMs = Math.max(this.horizonMs, now);
    for (const [action] of this.pending) if (action.atMs <= now) this.pending.delete(action);
    const faulty = this.conductor
      .servers()
      .some(
        (server) =>
          server.paused || server.cutOff || server.process === 'crashed' || server.process === 'stopping',
      );
    if (faulty) this.quietSinceMs = null;
    else if (this.quietSinceMs === null) this.quietSinceMs = now;
  }

  private isScripted(action: Action): boolean {
    return this.base.actions.includes(action);
  }

  /** Checks the history with `actions` as a scenario file; the error names the new action's field at fault. */
  private check(actions: Action[]): void {
    try {
      // The run goes on past the file's duration for as long as it is played: check against the longest.
      // Its event budget is not: the page runs only as far as it is played.
      parseScenario({ ...this.base, seed: this.seed, durationMs: MAX_DURATION_MS, actions }, 'the action', {
        eventBudget: false,
      });
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      const at = `actions[${actions.length - 1}]`;
      const own = error.issues.filter((issue) => issue.path.startsWith(at));
      const type = actions[actions.length - 1]!.type;
      throw new ActionError(
        (own.length > 0 ? own : error.issues).map((issue) =>
          issue.path.startsWith(at)
            ? `${type}${issue.path.slice(at.length)}: ${issue.message}`
            : `${issue.path}: ${issue.message}`,
        ),
      );
    }
  }
}

/** An action the playground refused: each problem names the field, as `addSchedule.cron: invalid ...`. */
export class ActionError extends Error {
  override name = 'ActionError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

export interface SessionOptions {
  /** How the conductor reaches each server: in this thread (the default) or a Web Worker each. */
  transport?: TransportFactory;
  /** A ready sql.js module; browsers pass their own, Node loads one. */
  sqlJs?: SqlJsStatic;
}

/** Where an earlier view ended, so the next one carries only what is new. */
export interface ViewCursor {
  history: number;
  entries: number;
}

export interface ViewRequest {
  /** Skip the invariant check (the page asks for it a few times a second, not every frame). */
  invariants?: boolean;
  /** At most this many new trace entries (the newest). Default 2,000. */
  maxEntries?: number;
}

/** An invariant as the page shows it: `atMs` is the run's time (virtual ms since its start). */
export interface LiveInvariant {
  id: InvariantId;
  title: string;
  ok: boolean;
  skipped?: string;
  /** What a check that held established (I7: how far the replay went). */
  note?: string;
  message?: string;
  atMs?: number;
  evidence?: number[];
  measurements?: Record<string, number | number[]>;
}

export interface SessionView {
  /** Grows each time the history is replaced (load, rewind): the page then drops what it kept. */
  history: number;
  /** True when `entries` and `marks` start from the beginning of the run. */
  fresh: boolean;
  cursor: ViewCursor;
  seed: number;
  scenarioName: string | null;
  elapsedMs: number;
  /** The furthest time this history has reached (the end of the scrub bar). */
  horizonMs: number;
  /** Virtual time at the start of the run: `vt - epoch` is the run's time. */
  epoch: number;
  timings: ResolvedTimings;
  snapshot: ClusterSnapshot;
  /** For each server, how old the lease looks to it, in ms (null when there is no lease). */
  leaseAges: Record<string, number | null>;
  jobCounts: Record<string, number>;
  jobTotal: number;
  /** Entries left out of `entries` because there were too many at once. */
  skippedEntries: number;
  entries: TraceEntry[];
  marks: TimelineMark[];
  actions: Action[];
  invariants: LiveInvariant[] | null;
}

const MAX_ENTRIES = 2_000;
const MAX_JOB_ROWS = 200;

/**
 * How old the lease looks to a server: by the database's clock, or by its own when it writes and reads the
 * lease with its own clock (hazard H2), which is how a clock set back keeps a dead leader "alive".
 */
function leaseAge(
  lease: Row | undefined,
  server: ClusterSnapshot['servers'][number],
  dbNow: number,
): number | null {
  if (!lease || lease.lastHeartbeatAt === null || lease.lastHeartbeatAt === undefined) return null;
  const localClock = server.hazards.includes('H2') || server.hazards.includes('localClockHeartbeat');
  return (localClock ? server.localTime : dbNow) - Number(lease.lastHeartbeatAt);
}

function live(report: InvariantReport, epoch: number): LiveInvariant {
  const shown: LiveInvariant = { id: report.id, title: report.title, ok: report.ok };
  if (report.skipped !== undefined) shown.skipped = report.skipped;
  if (report.violation) {
    shown.message = report.violation.message;
    shown.atMs = report.violation.atVt - epoch;
    shown.evidence = report.violation.evidence.map((entry) => entry.seq);
  }
  if (report.measurements) shown.measurements = report.measurements;
  return shown;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}
