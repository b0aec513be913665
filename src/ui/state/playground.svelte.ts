import type { HazardCode } from '../../playground/view/types';
import { hazardServers } from './hazardsOn';
import { parseWatch, WatchFold } from './watch';
import type { ClusterSnapshot } from '../../playground/view/types';
import type {
  HealPhase,
  LiveInvariant,
  SessionView,
  ViewCursor,
  ViewRequest,
} from '../../playground/view/types';
import type { ResolvedTimings } from '../../playground/view/types';
import type { Action, ActionBody, Scenario } from '../../scenario/types';
import { SEED_MAX, SEED_MIN } from '../../playground/scenarioFiles';
import type { TimelineMark } from '../../playground/view/types';
import type { TraceEntry } from '../../playground/view/types';
import { downloadText } from '../download';
import { runLink } from '../runLink';
import type { Engine } from '../../playground/browser';
import { formatRunTime, slug } from '../format';

/** The speeds the time bar offers, in virtual seconds per wall second. */
export const SPEEDS = [0.5, 1, 2, 5, 10, 20, 50, 100] as const;

/** The event log keeps this many entries: enough to scroll back through a failover, small enough to filter per frame. */
export const LOG_LIMIT = 5_000;
/** One frame never asks for more virtual time than this, so a slow engine cannot make a frame take seconds. */
const MAX_ADVANCE_MS = 2_000;

/** A history replaced (load, rewind) brings this many entries back into the log. */
const FRESH_ENTRIES = LOG_LIMIT;

/** Turns whatever a rejected engine call carried into one line for the page. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'unknown error';
}

/**
 * Everything the page shows and every way it drives the engine, in one place, so that components stay
 * small and only read state or call a method. Big arrays (trace entries, marks, table rows) are `$state.raw`
 * or plain arrays with a version counter: deep reactivity on thousands of objects per frame would cost more
 * than the simulation.
 */
export class Playground {
  engine = $state.raw<Engine | null>(null);
  /** Set when the engine could not start: the page shows it instead of the playground. */
  startError = $state<string | null>(null);
  /** A global problem (a bad URL parameter, a failed seek, a failed download), shown as a dismissable banner. */
  banner = $state<string | null>(null);

  /** The scenario as loaded: its jobs fill the job menus, its name the file names. */
  scenario = $state.raw<Scenario | null>(null);
  /** Where it came from: an example's stem or a file's name. */
  source = $state('');
  /** Grows with every load: components keyed on it drop their form state for the new cluster. */
  loadCount = $state(0);

  // The current SessionView, in pieces.
  history = $state(-1);
  elapsedMs = $state(0);
  horizonMs = $state(0);
  epoch = $state(0);
  seed = $state(0);
  timings = $state.raw<ResolvedTimings | null>(null);
  snapshot = $state.raw<ClusterSnapshot | null>(null);
  leaseAges = $state.raw<Record<string, number | null>>({});
  jobCounts = $state.raw<Record<string, number>>({});
  jobTotal = $state(0);
  actions = $state.raw<Action[]>([]);
  invariants = $state.raw<LiveInvariant[]>([]);
  /** The heal-and-check phase after the scenario's end: every fault healed, then time for every job. */
  healPhase = $state.raw<HealPhase | null>(null);

  /**
   * When each item of the scenario's watch list was seen (run ms), or null: folded over the whole trace as
   * the views come in (src/ui/state/watch.ts), so an early event still counts when it has left the log.
   */
  watchSeen = $state.raw<(number | null)[]>([]);
  private watchFold: WatchFold | null = null;

  /** Every timeline mark of this history; plain array (appended in place), `marksVersion` says it changed. */
  marks: TimelineMark[] = [];
  marksVersion = $state(0);
  /** The last LOG_LIMIT trace entries; plain array, `logVersion` says it changed. */
  log: TraceEntry[] = [];
  logVersion = $state(0);
  /** The entry types seen so far, for the log's kind filter. */
  logTypes = $state.raw<string[]>([]);
  /** Entries the engine left out because too many came at once (shown as a gap note in the log). */
  skippedEntries = $state(0);

  playing = $state(false);
  speed = $state<number>(1);
  /** Virtual seconds per wall second actually achieved while playing, when the engine falls behind the speed. */
  achievedRate = $state<number | null>(null);
  /** A seek is running (forward it runs on; back it rebuilds the recorded moment): the page says so. */
  seeking = $state(false);
  seekTarget = $state(0);
  /** Playing stopped at the end of the heal-and-check phase; Play again runs on past it. */
  reachedEnd = $state(false);
  /** A step or an action is on its way. */
  busy = $state(0);

  /** The invariant whose evidence the log highlights, and those entries' seqs. */
  highlight = $state.raw<{ id: string; seqs: ReadonlySet<number>; focus: number | null } | null>(null);

  /**
   * The last fork: an action taken while the cursor was behind the run's end (after a scrub back) drops the
   * taken actions later than now and cuts the run there. The page says what it dropped and offers Undo,
   * which brings back the history as it was (same actions, same end) and the cursor where it stood.
   */
  lastFork = $state.raw<Fork | null>(null);
  /** An Undo of a fork is replaying the run. */
  undoing = $state(false);
  /**
   * Each broken invariant as seen at the furthest point this history reached: rewinding (or jumping to
   * another violation) shows these as found, "later in this run", rather than what the shorter run says.
   */
  found = $state.raw<Record<string, LiveInvariant>>({});
  private foundUpTo = 0;
  /** The panel's invariants: the engine's now, with violations found further on kept as found. */
  shownInvariants = $derived(
    this.invariants.map((now): ShownInvariant => {
      const seen = this.found[now.id];
      if (!seen) return now;
      return { ...seen, later: seen.atMs !== undefined && seen.atMs > this.elapsedMs };
    }),
  );

  private cursor: ViewCursor | null = null;
  // Bookkeeping only: the page reads `logTypes`, so this set needs no reactivity.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private typeSet = new Set<string>();
  private frame = 0;
  private lastFrameAt = 0;
  private owedMs = 0;
  /** An advance is on its way to the engine: after a pause, its view still lands (the time moves once more). */
  inFlight = $state(false);
  private stopAtEnd = true;
  private rateSamples: { wall: number; vt: number }[] = [];

  /** Server ids in the order of the snapshot (the scenario's order, then added ones). */
  serverIds = $derived(this.snapshot?.servers.map((server) => server.id) ?? []);
  jobNames = $derived(this.scenario?.jobs.map((job) => job.name) ?? []);
  /** Where the scenario's actions end (its durationMs): the heal-and-check phase starts there. */
  scenarioEndMs = $derived(this.scenario?.durationMs ?? Infinity);
  /**
   * Where playing stops: the end of the heal-and-check phase after the scenario's end (its length is the
   * conductor's liveness phase), so that I2 and I8 are judged in every run played to its end.
   */
  endMs = $derived(this.healPhase?.toMs ?? this.scenarioEndMs);
  /** Where the run's recorded future starts (the cursor) when the learner scrubbed back; null at the end. */
  futureFromMs = $derived(this.elapsedMs < this.horizonMs ? this.elapsedMs : null);
  /** The taken actions an action now would drop: later than the cursor and not the scenario's own. */
  laterActions = $derived(takenAfter(this.actions, this.scenario?.actions ?? [], this.elapsedMs));
  /** Hazard codes on, with the servers each is on (a scenario may switch one on for some servers only). */
  hazardsOn = $derived(hazardServers(this.snapshot));

  // ---------------------------------------------------------------------------------------------------
  // Starting and loading.

  /** Adopts a started engine and opens the first scenario. */
  attach(engine: Engine): void {
    this.engine = engine;
  }

  fail(error: unknown): void {
    this.startError = messageOf(error);
  }

  /** Opens `scenario` as a new history; resolves to an error message (the old run stays) or null. */
  async load(scenario: Scenario, source: string, seed?: number): Promise<string | null> {
    const engine = this.engine;
    if (!engine) return 'the engine is not running';
    this.busy += 1;
    try {
      // The file's duration is where Play stops; the run may go on past it when the learner plays again.
      const view = await engine.load(scenario, seed);
      this.scenario = scenario;
      this.source = source;
      this.loadCount += 1;
      this.watchFold = new WatchFold(parseWatch(scenario.watch).items, scenario.actions);
      this.highlight = null;
      this.lastFork = null;
      this.found = {};
      this.foundUpTo = 0;
      this.reachedEnd = false;
      this.stopAtEnd = true;
      this.resetRate();
      this.accept(view);
      return null;
    } catch (error) {
      return messageOf(error);
    } finally {
      this.busy -= 1;
    }
  }

  /** Reloads the current scenario with the current seed: back to 0 with the actions taken dropped. */
  reset(): Promise<string | null> {
    if (!this.scenario) return Promise.resolve('no scenario loaded');
    return this.load(this.scenario, this.source, this.seed);
  }

  /** Reloads the current scenario with another seed; the text comes straight from the seed field. */
  applySeed(text: string): Promise<string | null> {
    const trimmed = text.trim();
    const seed = Number(trimmed);
    if (trimmed === '' || !Number.isInteger(seed)) return Promise.resolve('the seed must be a whole number');
    if (seed < SEED_MIN || seed > SEED_MAX)
      return Promise.resolve(`the seed must be between ${SEED_MIN} and ${SEED_MAX}`);
    if (!this.scenario) return Promise.resolve('no scenario loaded');
    return this.load(this.scenario, this.source, seed);
  }

  // ---------------------------------------------------------------------------------------------------
  // Time.

  play(): void {
    if (this.playing || !this.engine) return;
    // Started before the end: stop at it. Started at or past it: the learner asked to run on.
    this.stopAtEnd = this.elapsedMs < this.endMs;
    this.reachedEnd = false;
    this.playing = true;
    this.owedMs = 0;
    this.lastFrameAt = performance.now();
    this.resetRate();
    this.frame = requestAnimationFrame(this.tick);
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.frame);
    this.achievedRate = null;
  }

  togglePlay(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    this.resetRate();
  }

  /** Runs to the next event: pauses first, since stepping while playing means nothing. */
  async step(): Promise<string | null> {
    this.pause();
    return this.call((engine, since) => engine.step(since, this.request()));
  }

  /** Goes to `ms` of this history; going back replays the run from the start. */
  async seek(ms: number): Promise<string | null> {
    const engine = this.engine;
    if (!engine) return 'the engine is not running';
    const target = Math.max(0, Math.round(ms));
    this.seeking = true;
    this.seekTarget = target;
    try {
      const view = await engine.seek(target, this.cursor, { invariants: true, maxEntries: FRESH_ENTRIES });
      this.resetRate();
      this.accept(view);
      return null;
    } catch (error) {
      const message = messageOf(error);
      this.banner = `Seek to ${formatRunTime(target)} failed: ${message}`;
      return message;
    } finally {
      this.seeking = false;
    }
  }

  /** The play loop: one engine call at a time; wall time owed meanwhile is asked for next (up to a cap). */
  private tick = (now: number): void => {
    if (!this.playing) return;
    // A hidden tab gets no frames for a while: that gap is not owed, or the run would jump on return.
    const wall = Math.min(now - this.lastFrameAt, 250);
    this.lastFrameAt = now;
    this.owedMs = Math.min(this.owedMs + wall * this.speed, MAX_ADVANCE_MS);
    const engine = this.engine;
    if (engine && !this.inFlight && !this.seeking && this.owedMs >= 1) {
      let ms = Math.floor(this.owedMs);
      this.owedMs -= ms;
      if (this.stopAtEnd) {
        const left = this.endMs - this.elapsedMs;
        if (left <= 0) {
          this.pause();
          this.reachedEnd = true;
          return;
        }
        ms = Math.min(ms, left);
      }
      this.inFlight = true;
      engine
        .advance(ms, this.cursor, this.request())
        .then((view) => {
          this.accept(view);
          this.measureRate();
        })
        .catch((error: unknown) => {
          this.pause();
          this.banner = `The simulation stopped: ${messageOf(error)}`;
        })
        .finally(() => {
          this.inFlight = false;
        });
    }
    this.frame = requestAnimationFrame(this.tick);
  };

  private resetRate(): void {
    this.rateSamples = [];
    this.achievedRate = null;
  }

  /** Virtual seconds per wall second over the last ~1.5 s; shown only when clearly below the speed asked. */
  private measureRate(): void {
    const now = performance.now();
    this.rateSamples.push({ wall: now, vt: this.elapsedMs });
    while (this.rateSamples.length > 2 && now - this.rateSamples[0]!.wall > 1_500) this.rateSamples.shift();
    const first = this.rateSamples[0]!;
    const span = now - first.wall;
    if (span < 700) return;
    const rate = (this.elapsedMs - first.vt) / span;
    this.achievedRate = rate < this.speed * 0.9 ? rate : null;
  }

  // ---------------------------------------------------------------------------------------------------
  // Actions.

  /** I7: replays the run so far from its scenario file and compares the traces (it takes a moment). */
  verifyDeterminism(): Promise<string | null> {
    return this.call((engine, since) => engine.verifyDeterminism(since, { invariants: true }));
  }

  /** Takes an action now; resolves to the engine's refusal (it names the field) or null. */
  apply(body: ActionBody): Promise<string | null> {
    return this.forking(() => this.call((engine, since) => engine.apply(body, since, this.request())));
  }

  healAll(): Promise<string | null> {
    return this.forking(() => this.call((engine, since) => engine.healAll(since, this.request())));
  }

  /** Runs an action; taken behind the run's end, it forks: `lastFork` says what it dropped, for Undo. */
  private async forking(act: () => Promise<string | null>): Promise<string | null> {
    const scenario = this.scenario;
    const before: ForkUndo | null =
      scenario && this.elapsedMs < this.horizonMs
        ? {
            scenario,
            source: this.source,
            seed: this.seed,
            actions: this.actions,
            cursorMs: this.elapsedMs,
            horizonMs: this.horizonMs,
            found: this.found,
            foundUpTo: this.foundUpTo,
          }
        : null;
    const dropped = this.laterActions;
    const error = await act();
    if (error === null && before) {
      this.lastFork = { atMs: before.cursorMs, dropped, cutMs: before.horizonMs, undo: before };
      // What was found after the fork point belonged to the run it cut.
      this.found = Object.fromEntries(
        Object.entries(before.found).filter(([, seen]) => (seen.atMs ?? 0) <= before.cursorMs),
      );
      this.foundUpTo = before.cursorMs;
      this.noteFound();
    }
    return error;
  }

  /** Undoes the last fork: the run as it was before it (same actions, same end), the cursor where it was. */
  async undoFork(): Promise<string | null> {
    const fork = this.lastFork;
    const engine = this.engine;
    if (!fork) return 'nothing to undo';
    if (!engine) return 'the engine is not running';
    const { scenario, source, seed, actions, cursorMs, horizonMs, found, foundUpTo } = fork.undo;
    this.pause();
    this.undoing = true;
    this.busy += 1;
    try {
      const view = await engine.restore(scenario, seed, actions);
      this.scenario = scenario;
      this.source = source;
      this.highlight = null;
      this.reachedEnd = false;
      this.lastFork = null;
      this.accept(view);
      // Run to the old end (it is the run's end again), then back to where the learner stood.
      const forward = await engine.seek(horizonMs, this.cursor, {
        invariants: true,
        maxEntries: FRESH_ENTRIES,
      });
      this.accept(forward);
      const back = await engine.seek(cursorMs, this.cursor, { invariants: true, maxEntries: FRESH_ENTRIES });
      this.accept(back);
      this.found = found;
      this.foundUpTo = foundUpTo;
      return null;
    } catch (error) {
      const message = messageOf(error);
      this.banner = `Undo failed: ${message}`;
      return message;
    } finally {
      this.busy -= 1;
      this.undoing = false;
    }
  }

  dismissFork(): void {
    this.lastFork = null;
  }

  /** Switches exactly `codes` on, on every server. */
  setHazards(codes: string[]): Promise<string | null> {
    return this.apply({ type: 'setHazards', hazards: codes as HazardCode[] });
  }

  /** Jumps to the moment an invariant broke and marks its evidence in the event log. */
  async focusInvariant(invariant: LiveInvariant): Promise<void> {
    if (invariant.atMs === undefined) return;
    // Never mutated: a new highlight is a new set, assigned to the raw state as a whole.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const seqs = new Set(invariant.evidence ?? []);
    this.highlight = { id: invariant.id, seqs, focus: invariant.evidence?.[0] ?? null };
    await this.seek(Math.ceil(invariant.atMs));
  }

  clearHighlight(): void {
    this.highlight = null;
  }

  // ---------------------------------------------------------------------------------------------------
  // Files.

  async saveScenario(): Promise<string | null> {
    const engine = this.engine;
    if (!engine) return 'the engine is not running';
    try {
      downloadText(`${this.fileStem()}-at-${fileTime(this.elapsedMs)}.json`, await engine.scenarioJson());
      return null;
    } catch (error) {
      return messageOf(error);
    }
  }

  /** A link that opens the run so far on this page (see runLink.ts), or the reason there is none. */
  async linkToRun(
    page: string = location.href,
    { lesson = null, here = false }: { lesson?: string | null; here?: boolean } = {},
  ): Promise<{ link: string } | { error: string }> {
    const engine = this.engine;
    if (!engine) return { error: 'the engine is not running' };
    try {
      // The scenario ends where it was saved; `here` opens it there (`at=`) rather than replaying from 0.
      const atMs = here ? this.elapsedMs : undefined;
      const state = { speed: this.speed, playing: this.playing, atMs, lesson };
      return { link: await runLink(await engine.scenarioJson(), page, state) };
    } catch (error) {
      return { error: messageOf(error) };
    }
  }

  async saveTrace(): Promise<string | null> {
    const engine = this.engine;
    if (!engine) return 'the engine is not running';
    try {
      downloadText(`${this.fileStem()}-trace-at-${fileTime(this.elapsedMs)}.json`, await engine.traceJson());
      return null;
    } catch (error) {
      return messageOf(error);
    }
  }

  private fileStem(): string {
    return slug(this.scenario?.name ?? this.source);
  }

  // ---------------------------------------------------------------------------------------------------
  // Views.

  /** One engine call from a button: never throws, resolves to an error message or null. */
  private async call(
    work: (engine: Engine, since: ViewCursor | null) => Promise<SessionView>,
  ): Promise<string | null> {
    const engine = this.engine;
    if (!engine) return 'the engine is not running';
    this.busy += 1;
    try {
      this.accept(await work(engine, this.cursor));
      return null;
    } catch (error) {
      return messageOf(error);
    } finally {
      this.busy -= 1;
    }
  }

  /**
   * Every view carries the invariants: the engine's checkers take in only the entries that are new since
   * the last view, so the panel is checked as the run plays, frame by frame, with no throttle.
   */
  private request(): ViewRequest {
    return { invariants: true };
  }

  /**
   * Takes in a view. Views come back in the order they were asked for (the engine queues calls), but two
   * calls may have been asked with the same cursor (the play loop and a button), so what is already here is
   * skipped by seq. A history we have not seen yet (load, rewind) replaces what was kept.
   */
  private accept(view: SessionView): void {
    if (view.history < this.history) return;
    const replaced = view.history !== this.history;
    if (!replaced && view.elapsedMs < this.elapsedMs) return;
    const from = replaced ? 0 : (this.cursor?.entries ?? 0);

    if (replaced) {
      this.log = [];
      this.marks = [];
      // eslint-disable-next-line svelte/prefer-svelte-reactivity
      this.typeSet = new Set();
      this.skippedEntries = 0;
      this.history = view.history;
    }
    const entries = replaced ? view.entries : view.entries.filter((entry) => entry.seq >= from);
    const marks = replaced ? view.marks : view.marks.filter((mark) => mark.seq >= from);
    if (entries.length > 0) {
      for (const entry of entries) this.log.push(entry);
      if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
      let newType = false;
      for (const entry of entries) {
        if (!this.typeSet.has(entry.type)) {
          this.typeSet.add(entry.type);
          newType = true;
        }
      }
      if (newType) this.logTypes = [...this.typeSet].sort();
    }
    this.watchFold?.take({ history: view.history, epoch: view.epoch, entries, snapshot: view.snapshot });
    if (marks.length > 0) for (const mark of marks) this.marks.push(mark);
    if (replaced || entries.length > 0) this.logVersion += 1;
    if (replaced || marks.length > 0) this.marksVersion += 1;
    if (view.skippedEntries > 0) this.skippedEntries += view.skippedEntries;

    this.cursor = view.cursor;
    this.elapsedMs = view.elapsedMs;
    this.horizonMs = view.horizonMs;
    this.epoch = view.epoch;
    this.seed = view.seed;
    this.timings = view.timings;
    this.snapshot = view.snapshot;
    this.leaseAges = view.leaseAges;
    this.jobCounts = view.jobCounts;
    this.jobTotal = view.jobTotal;
    this.actions = view.actions;
    if (!samePhase(this.healPhase, view.healPhase)) this.healPhase = view.healPhase;
    if (view.invariants) this.invariants = view.invariants;
    this.noteWatch();
    this.noteFound();
  }

  private noteWatch(): void {
    const fold = this.watchFold;
    if (!fold || fold.items.length === 0) {
      if (this.watchSeen.length > 0) this.watchSeen = [];
      return;
    }
    const seen = fold.seenAt({
      history: this.history,
      elapsedMs: this.elapsedMs,
      epoch: this.epoch,
      invariants: this.invariants,
      snapshot: this.snapshot,
    });
    if (seen.some((at, index) => at !== this.watchSeen[index]) || seen.length !== this.watchSeen.length)
      this.watchSeen = seen;
  }

  /** At the furthest point so far, the broken invariants are taken as found. */
  private noteFound(): void {
    if (this.elapsedMs < this.foundUpTo) return;
    this.foundUpTo = this.elapsedMs;
    const broken = this.invariants.filter((invariant) => !invariant.ok);
    if (broken.length === 0) return;
    const next = { ...this.found };
    for (const invariant of broken) next[invariant.id] = invariant;
    this.found = next;
  }
}

function samePhase(a: HealPhase | null, b: HealPhase): boolean {
  return a !== null && a.fromMs === b.fromMs && a.toMs === b.toMs && a.started === b.started;
}

/** `00-42-350`: the run time, safe in a file name. */
function fileTime(ms: number): string {
  return formatRunTime(ms).replace(/[:.]/g, '-');
}

/** An invariant as the panel shows it: `later` when it broke further on in this run than the cursor. */
export type ShownInvariant = LiveInvariant & { later?: boolean };

/** What Undo of a fork needs: the history before it and where the learner stood in it. */
export interface ForkUndo {
  scenario: Scenario;
  source: string;
  seed: number;
  actions: Action[];
  cursorMs: number;
  horizonMs: number;
  found: Record<string, LiveInvariant>;
  foundUpTo: number;
}

export interface Fork {
  /** Where the new action was taken (the cursor). */
  atMs: number;
  /** The taken actions it dropped, in order. */
  dropped: Action[];
  /** Where the run it cut had reached. */
  cutMs: number;
  undo: ForkUndo;
}

/** The actions of `actions` later than `ms` that are not the scenario's own (those stay on a fork). */
export function takenAfter(actions: readonly Action[], scripted: readonly Action[], ms: number): Action[] {
  const own = scripted.map((action) => JSON.stringify(action));
  const taken: Action[] = [];
  for (const action of actions) {
    const at = own.indexOf(JSON.stringify(action));
    if (at >= 0) own.splice(at, 1);
    else if (action.atMs > ms) taken.push(action);
  }
  return taken;
}

/** `0:20`, `1:05`: a run time to the second, for short sentences. */
export function shortTime(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** `crash a at 0:20`, `enqueue 5 work on b at 0:31`: one action in a sentence. */
export function describeAction(action: Action): string {
  const at = ` at ${shortTime(action.atMs)}`;
  const on = 'server' in action && typeof action.server === 'string' ? action.server : null;
  switch (action.type) {
    case 'enqueue':
      return `enqueue ${action.count ?? 1} ${action.job}${on ? ` on ${on}` : ''}${at}`;
    case 'setHazards':
      return `hazards ${action.hazards.length > 0 ? action.hazards.join(' ') : 'off'}${at}`;
    default:
      return `${action.type}${on ? ` ${on}` : ''}${at}`;
  }
}
