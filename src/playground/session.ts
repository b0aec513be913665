import type { SqlJsStatic } from 'sql.js';
import type { Row } from '../core/ports';
import { LEAD_JOB_COORDINATORS } from '../core';
import { checkDeterminism, TITLES, type InvariantId, type InvariantReport } from '../verify/checkers';
import { RunChecker } from '../verify/runChecker';
import { runScenario } from '../sim/runScenario';
import { Conductor, type ClusterSnapshot } from '../sim/conductor/conductor';
import { Rewinder, type RewoundMoment } from '../sim/conductor/recording';
import type { ResolvedTimings, RunResult } from '../sim/runResult';
import type { Action, ActionBody, Scenario } from '../scenario/types';
import { isFault } from '../scenario/faultActions';
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
  /** How far afterRun has read the trace for faults, and the last one's time (0: none yet). */
  private faultScan = { index: 0, lastMs: 0 };
  private invariantCache: { length: number; healed: boolean; reports: LiveInvariant[] } | null = null;
  /** The checkers of this history's run, fed the trace as it grows: a check costs the new entries only. */
  private checker: RunChecker | null = null;
  /** The last I7 check (verifyDeterminism) of this history. */
  private determinism: LiveInvariant | null = null;
  /**
   * The heal-and-check phase of this history, once the run has gone past the scenario's end: what the
   * conductor's heal() did there (its plan) and for how long the healed cluster is then given.
   */
  private phase: { plan: ActionBody[]; livenessMs: number } | null = null;
  /**
   * Shown instead of the live run after a rewind: the recorded run at an earlier moment (see rewindTo).
   * The live conductor stays where it was, at the horizon, and takes over again once the run gets there.
   */
  private rewound: Rewound | null = null;
  private rewinder: Rewinder | null = null;

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

  /** Runs virtual time `ms` further (past the scenario's end, through the heal-and-check phase). */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance: expected ms >= 0, got ${ms}`);
    if (this.rewound) {
      // Played on within the recorded run, as far as it went, then live again.
      const target = this.rewound.ms + Math.round(ms);
      if (target < this.conductor.elapsedMs) return this.rewindTo(target);
      this.leaveRewind();
      return this.runTo(target);
    }
    await this.runTo(this.conductor.elapsedMs + Math.round(ms));
  }

  /** Runs to the next thing that happens. */
  async step(): Promise<void> {
    await this.materialize();
    const end = this.base.durationMs;
    if (this.conductor.elapsedMs >= end) this.healAtEnd();
    const before = this.conductor.elapsedMs;
    // A step never crosses the scenario's end: it stops there, and the next one begins the phase.
    await this.conductor.step(before < end ? Math.min(60_000, end - before) : undefined);
    this.afterRun();
  }

  /**
   * Goes to `ms` in this history: forward runs on; backward shows the recorded run there (rewindTo),
   * without running anything, and the live run takes over again at the horizon.
   */
  async seek(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`seek: expected ms >= 0, got ${ms}`);
    const target = Math.round(ms);
    if (target < this.conductor.elapsedMs) return this.rewindTo(target);
    this.leaveRewind();
    await this.runTo(target);
  }

  /**
   * Shows the run at `ms`, earlier than the live run, as it was there: trace, snapshot, invariants, from
   * the conductor's recording (the database rebuilt from its statement log, the rest from the trace), in
   * a few milliseconds; nothing is run again. Going back is a new history for the page (as a replay was);
   * going forward stays in the same one.
   */
  private async rewindTo(ms: number): Promise<void> {
    const conductor = this.conductor;
    const recording = conductor.recording;
    if (!recording) return this.replayTo(ms);
    this.rewinder ??= new Rewinder(conductor.scenario, conductor.epoch, recording, conductor.trace.entries);
    const back = !this.rewound || ms < this.rewound.ms;
    const moment = await this.rewinder.at(ms, MAX_JOB_ROWS);
    if (back) {
      this.history += 1;
      this.determinism = null;
    }
    const checker =
      !back && this.rewound ? this.rewound.checker : new RunChecker(conductor.scenario, conductor.timings);
    const faulty = moment.snapshot.servers.some(isFaulty);
    this.rewound = {
      ms,
      moment,
      checker,
      quietSinceMs: faulty ? null : this.quietSinceAt(ms),
    };
    this.invariantCache = null;
  }

  /** Back to the live run (at the horizon). */
  private leaveRewind(): void {
    if (!this.rewound) return;
    this.rewound = null;
    this.invariantCache = null;
  }

  /**
   * A live run at the moment shown, for what must run from there (a step, an action, a replay check):
   * the history is replayed from the start to it, through the transport, as a rewind used to.
   */
  private async materialize(): Promise<void> {
    if (!this.rewound) return;
    const ms = this.rewound.ms;
    this.rewound = null;
    await this.replayTo(ms);
  }

  /** Replays the history from the start to `ms`. */
  private async replayTo(ms: number): Promise<void> {
    const conductor = await this.open(this.base, this.actions, this.seed);
    this.replaceConductor(conductor);
    await this.runTo(ms);
  }

  /**
   * Where the fault-free spell that holds at `ms` began: the last fault or fault's end taken by then (the
   * trace's action entries), else the start. Read from the trace, so the live run, a rewind and a replay to
   * the same moment agree, whatever steps the page played in.
   */
  private quietSinceAt(ms: number): number {
    const entries = this.conductor.trace.entries;
    const epoch = this.conductor.epoch;
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]!;
      if (entry.vt - epoch > ms) continue;
      if (isFaultEntry(entry)) return entry.vt - epoch;
    }
    return 0;
  }

  /**
   * Takes an action now: it is checked against the scenario format (an invalid cron, an unknown server, an
   * out-of-range number throw a ScenarioError naming the field), lands 1 ms ahead, and runs to it so its
   * effect shows at once. Taking an action forks the history: the actions taken after now are dropped.
   */
  async apply(body: ActionBody): Promise<void> {
    await this.materialize();
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
    await this.materialize();
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
    const now = this.shownMs();
    const end = this.base.durationMs;
    const file = { ...this.base, seed: this.seed };
    if (!this.phase || now < end) return { ...file, durationMs: Math.max(1, now), actions: this.upTo(now) };
    // Past the end with nothing taken since: the scenario as it is, which heals at its end as here.
    if (!this.actions.some((action) => action.atMs > end)) return { ...file, actions: this.upTo(end) };
    // Actions taken in the phase: the heal is written out as actions at the end, then the rest.
    const healed = this.phase.plan.map((body) => ({ ...body, atMs: end }) as Action);
    const actions = [
      ...this.upTo(end),
      ...healed,
      ...this.actions.filter((a) => a.atMs > end && a.atMs <= now),
    ];
    return { ...file, durationMs: now, actions };
  }

  private upTo(ms: number): Action[] {
    return this.actions.filter((action) => action.atMs <= ms);
  }

  /** The trace so far, every entry. */
  trace(): readonly TraceEntry[] {
    const entries = this.conductor.trace.entries;
    return this.rewound ? entries.slice(0, this.rewound.moment.entries) : entries;
  }

  /** The run's time shown: the live run's, or the moment rewound to. */
  private shownMs(): number {
    return this.rewound?.ms ?? this.conductor.elapsedMs;
  }

  /** What the page shows; entries and marks from `since` on (a cursor of an earlier view). */
  view(since: ViewCursor | null = null, request: ViewRequest = {}): SessionView {
    const conductor = this.conductor;
    const entries = this.trace();
    const fresh = !since || since.history !== this.history;
    const from = fresh ? 0 : Math.min(since.entries, entries.length);
    const newEntries = entries.slice(Math.max(from, entries.length - (request.maxEntries ?? MAX_ENTRIES)));
    const snapshot = this.rewound?.moment.snapshot ?? conductor.snapshot({ jobRows: MAX_JOB_ROWS });
    const lease = snapshot.tables[LEAD_JOB_COORDINATORS.table][0];
    return {
      history: this.history,
      fresh,
      cursor: { history: this.history, entries: entries.length },
      seed: this.seed,
      scenarioName: this.base.name ?? null,
      elapsedMs: this.shownMs(),
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
      healPhase: this.healPhase(),
      invariants: request.invariants === false ? null : this.invariants(),
    };
  }

  /**
   * I1-I8 on the run so far (I7 as last verified by replay), from checkers fed the trace as it grows (cheap enough for every frame). I2
   * (nothing lost) waits until the cluster has been free of faults long enough.
   */
  invariants(): LiveInvariant[] {
    const entries = this.trace();
    const now = this.shownMs();
    const rewound = this.rewound;
    const phase = this.healPhase();
    // The heal-and-check phase judges I2 as runScenario does: healed at the scenario's end, judged once the
    // liveness phase is over. An action taken after the end may bring a fault back: then, as before the
    // phase, I2 waits until the cluster has been free of faults for as long.
    const afterEnd = this.actions.some((action) => action.atMs > phase.fromMs);
    const byPhase = phase.started && !afterEnd;
    const liveness = byPhase ? phase.livenessMs : this.conductor.livenessMs(this.actions);
    const quiet = byPhase ? phase.fromMs : rewound ? rewound.quietSinceMs : this.quietSinceMs;
    const healed = quiet !== null && now >= quiet + liveness;
    // Kept while the trace has not grown, unless time alone brought I2's verdict (a quiet healed cluster
    // may write nothing in the last seconds before it is judged).
    const cached = this.invariantCache;
    if (cached?.length === entries.length && cached.healed === healed) return cached.reports;
    const checker = rewound
      ? rewound.checker
      : (this.checker ??= new RunChecker(this.conductor.scenario, this.conductor.timings));
    checker.push(entries.slice(checker.length));
    const end = {
      final: rewound ? rewound.moment.final : this.conductor.finalTables(),
      endedAt: this.conductor.epoch + now,
      healedAt: healed ? this.conductor.epoch + quiet : null,
    };
    const reports = checker.reports(end).map((report) => live(report, this.conductor.epoch));
    const i2 = reports.find((report) => report.id === 'I2');
    if (i2 && !healed) {
      const upcoming = !phase.started && !afterEnd;
      // A fault still ahead in the run, before the quiet stretch would be long enough, puts the check off.
      const faultAhead =
        quiet !== null &&
        this.actions.some(
          (action) => action.atMs > now && action.atMs <= quiet + liveness && isFault(action),
        );
      i2.skipped =
        quiet !== null && !byPhase && !faultAhead && (!upcoming || quiet + liveness <= phase.fromMs)
          ? `checked at ${formatSeconds(quiet + liveness)}, once the cluster has run ${formatSeconds(liveness)} without faults`
          : upcoming
            ? `checked in the heal and check phase: every fault is healed at the scenario's end (${formatSeconds(phase.fromMs)}), then the cluster runs on for ${formatSeconds(phase.livenessMs)}, time for every job to finish`
            : byPhase
              ? `heal and check: every fault healed at ${formatSeconds(phase.fromMs)}; judged at ${formatSeconds(phase.toMs)}, once the healed cluster has had time to finish every job`
              : 'checked once every fault has ended (heal all) and the cluster has run for a while';
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
    this.invariantCache = { length: entries.length, healed, reports };
    return reports;
  }

  /**
   * I7 on the run so far: replays it headless, in this thread, from its scenario file (`toScenario()`) and
   * compares the two traces entry by entry and the final tables. The answer holds for the run up to now
   * and stays shown until the next check.
   */
  async verifyDeterminism(): Promise<LiveInvariant> {
    await this.materialize();
    const now = this.conductor.elapsedMs;
    if (now === 0) throw new Error('nothing to verify yet: the run has not started');
    const scenario = this.toScenario();
    // Past the scenario's end, the replay heals where this run healed, as runScenario heals at the end.
    const replayed = this.phase
      ? { ...(await this.replayWithHeal(now)), scenario }
      : await runScenario(scenario, { heal: false, sqlJs: this.options.sqlJs });
    // The live run is the same scenario, ended here: compare it as such.
    const current = { ...this.conductor.result(this.phase ? replayed.healedAt : null), scenario };
    const report = live(checkDeterminism(current, replayed), this.conductor.epoch);
    if (report.ok && report.skipped === undefined)
      report.note = this.phase
        ? `the run to ${formatSeconds(now)} replayed from the start, healed at ${formatSeconds(this.base.durationMs)} as here, to the same ${replayed.trace.length} trace entries`
        : `the run to ${formatSeconds(now)} replayed from its scenario file to the same ${replayed.trace.length} trace entries`;
    this.determinism = report;
    this.invariantCache = null;
    return report;
  }

  /** This history run again on a conductor of its own: its actions, the heal at the end, on to `untilMs`. */
  private async replayWithHeal(untilMs: number): Promise<RunResult> {
    const conductor = await Conductor.create(
      { ...this.base, actions: [] },
      { seed: this.seed, transport: this.options.transport, sqlJs: this.options.sqlJs },
    );
    try {
      for (const action of this.actions) if (action.atMs <= untilMs) conductor.schedule(action);
      await conductor.runUntil(this.base.durationMs);
      conductor.heal();
      const healedAt = conductor.time.now();
      await conductor.runUntil(untilMs);
      return conductor.result(healedAt);
    } finally {
      conductor.dispose();
    }
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
      { seed, transport: this.options.transport, sqlJs: this.options.sqlJs, record: true },
    );
    this.pending = new Map();
    for (const action of actions) this.pending.set(action, conductor.schedule(action));
    return conductor;
  }

  private replaceConductor(conductor: Conductor): void {
    const previous = this.hasConductor ? this.conductor : undefined;
    this.hasConductor = true;
    this.conductor = conductor;
    this.faultScan = { index: 0, lastMs: 0 };
    this.history += 1;
    this.invariantCache = null;
    this.checker = null;
    this.determinism = null;
    this.phase = null;
    this.rewound = null;
    this.rewinder?.dispose();
    this.rewinder = null;
    previous?.dispose();
  }

  /**
   * Runs to `ms`. Past the scenario's end, the run is what `runScenario` (and so `npm run simulate`) does:
   * at the end, once everything due there has run, the conductor heals every fault, and the healed cluster
   * runs on for its liveness phase (the heal-and-check phase), after which I2 and I8 are judged.
   */
  private async runTo(ms: number): Promise<void> {
    const target = Math.max(ms, this.conductor.elapsedMs);
    const end = this.base.durationMs;
    if (!this.phase && target > end) {
      await this.conductor.runUntil(end);
      this.afterRun();
      this.healAtEnd();
    }
    await this.conductor.runUntil(target);
    this.afterRun();
  }

  /** At the scenario's end (once), the conductor's heal(), as runScenario calls it. */
  private healAtEnd(): void {
    if (this.phase || this.conductor.elapsedMs < this.base.durationMs) return;
    const plan = this.conductor.healPlan().actions;
    this.phase = { plan, livenessMs: this.conductor.livenessMs(this.actions) };
    this.conductor.heal();
    this.invariantCache = null;
    this.afterRun();
  }

  /**
   * The heal-and-check phase: from the scenario's end (`fromMs`), where every fault is healed, to `toMs`,
   * when the liveness phase the conductor sizes (`livenessMs`) is over; `started` once the run got there.
   */
  healPhase(): HealPhase {
    const fromMs = this.base.durationMs;
    // Rewound to before the end, the phase has not begun.
    const phase = this.rewound && this.shownMs() < fromMs ? null : this.phase;
    const livenessMs = phase?.livenessMs ?? this.conductor.livenessMs(this.actions);
    return {
      fromMs,
      toMs: fromMs + livenessMs,
      livenessMs,
      started: phase !== null,
      healed: phase?.plan.map(describeHeal) ?? [],
    };
  }

  private afterRun(): void {
    const now = this.conductor.elapsedMs;
    this.horizonMs = Math.max(this.horizonMs, now);
    for (const [action] of this.pending) if (action.atMs <= now) this.pending.delete(action);
    const faulty = this.conductor.servers().some(isFaulty);
    // The last fault (or fault's end) taken so far, from the trace's new entries since the last look.
    const entries = this.conductor.trace.entries;
    for (; this.faultScan.index < entries.length; this.faultScan.index++) {
      const entry = entries[this.faultScan.index]!;
      if (isFaultEntry(entry)) this.faultScan.lastMs = entry.vt - this.conductor.epoch;
    }
    this.quietSinceMs = faulty ? null : this.faultScan.lastMs;
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
  /** The heal-and-check phase at the scenario's end (see PlaygroundSession.healPhase). */
  healPhase: HealPhase;
  invariants: LiveInvariant[] | null;
}

/** The heal-and-check phase of a run, in run time (ms since the start). */
export interface HealPhase {
  /** The scenario's end: every fault is healed there. */
  fromMs: number;
  /**
   * Where the liveness phase is over and I2 and I8 are judged; Play stops there: livenessMs after the
   * heal, as in runScenario.
   */
  toMs: number;
  livenessMs: number;
  /** The run has reached the scenario's end and the heal has been done. */
  started: boolean;
  /** What the heal did, in words: `restart a`, `resume b` (empty when nothing was faulty). */
  healed: string[];
}

/** The run at an earlier moment, shown after a rewind; its own checkers, fed its trace as it moves on. */
interface Rewound {
  ms: number;
  moment: RewoundMoment;
  checker: RunChecker;
  quietSinceMs: number | null;
}

/** A fault (or a fault's end) taken: where a fault-free spell may begin (quietSinceAt, afterRun). */
function isFaultEntry(entry: TraceEntry): boolean {
  return entry.source === 'action' && isFault(entry.action);
}

/** Whether a fault is in force on the server (what keeps I2 waiting). */
function isFaulty(server: ClusterSnapshot['servers'][number]): boolean {
  return server.paused || server.cutOff || server.process === 'crashed' || server.process === 'stopping';
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

function describeHeal(action: ActionBody): string {
  return 'server' in action && typeof action.server === 'string'
    ? `${action.type} ${action.server}`
    : action.type;
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
