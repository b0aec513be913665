import { HAZARDS } from '../core/hazards.js';
import type { Action } from '../scenario/types.js';
import type { ClusterSnapshot } from '../sim/conductor/observation.js';
import type { TraceEntry } from '../sim/trace/trace.js';
import type { Condition, LessonStep, Question } from './types.js';

/**
 * Judging a learner's step: a pure function of the session's view (the trace, the live invariants the
 * session's checkers report, the snapshot) and of where the step began. The invariants are those the
 * property suites judge runs by (src/verify's RunChecker, fed by the session): the page asks no checker of
 * its own.
 */

/** An invariant as the session reports it (the page's LiveInvariant has these fields and more). */
export interface InvariantState {
  id: string;
  ok: boolean;
  skipped?: string | undefined;
  message?: string | undefined;
  measurements?: Record<string, number | number[]> | undefined;
}

/** What of the session a step is judged on. */
export interface LessonView {
  /** Grows when the run is replaced (load, reset, rewind). */
  history: number;
  /** Run time now, ms. */
  elapsedMs: number;
  /** Virtual time at the run's start: an entry's run time is `vt - epoch`. */
  epoch: number;
  /** The trace (the last entries at least, in order). */
  entries: readonly TraceEntry[];
  invariants: readonly InvariantState[];
  snapshot: ClusterSnapshot | null;
  /** The scenario's own actions: those are not the learner's. */
  scripted: readonly Action[];
}

/** Where a step began: its window runs from `atMs` of that history, or from 0 of a later one. */
export interface StepStart {
  history: number;
  atMs: number;
}

/** The learner's answer to the step's question: a number of seconds, or a choice's index. */
export type Answer = number | null;

export interface StepResult {
  status: 'waiting' | 'done' | 'wrong';
  /** Why it was refused (status `wrong`). */
  explain?: string;
  /** Each condition of the check, held or not, in order. */
  met: boolean[];
  /** The prediction judged against the run, once the step is done. */
  verdict?: { right: boolean; text: string };
}

export function evaluateStep(
  step: LessonStep,
  view: LessonView,
  start: StepStart,
  answer: Answer = null,
): StepResult {
  const window = new Window(view, start);
  const met = step.check.map((condition) => holds(condition, window, answer));
  for (const rule of step.wrong ?? []) {
    if (rule.when.every((condition) => holds(condition, window, answer)))
      return { status: 'wrong', explain: rule.explain, met };
  }
  const actions = window.learnerActions();
  if (step.question && answer === null && actions.length > 0) {
    return {
      status: 'wrong',
      explain:
        'Predict first, then play: answer the question above before you act (reset the run to try again).',
      met,
    };
  }
  const unmatched = strayFault(step, window, actions);
  if (unmatched) return { status: 'wrong', explain: unmatched, met };
  if (!met.every(Boolean)) return { status: 'waiting', met };
  const result: StepResult = { status: 'done', met };
  if (step.question) {
    const verdict = judge(step.question, answer, view);
    if (verdict) result.verdict = verdict;
  }
  return result;
}

/** The steps' window over the view: entries and actions since the step began. */
class Window {
  readonly from: number;
  constructor(
    readonly view: LessonView,
    start: StepStart,
  ) {
    this.from = start.history === view.history ? start.atMs : 0;
  }

  runTime(entry: TraceEntry): number {
    return entry.vt - this.view.epoch;
  }

  entries(): TraceEntry[] {
    return this.view.entries.filter((entry) => this.runTime(entry) >= this.from);
  }

  /** The action entries of the window the learner took (not the scenario's own). */
  learnerActions(): ActionEntry[] {
    return this.entries().filter((entry): entry is ActionEntry =>
      isLearnerAction(entry, this.view.scripted, this.view.epoch),
    );
  }

  /** The jobs each server was running just before `seq`, from its claims and their ends in the trace. */
  runningAt(server: string, seq: number): number {
    const running = new Map<string, Set<string>>();
    for (const entry of this.view.entries) {
      if (entry.seq >= seq) break;
      if (entry.server === server) trackRunning(running, entry);
    }
    return running.get(server)?.size ?? 0;
  }
}

type ActionEntry = Extract<TraceEntry, { type: 'action' }>;

/** An action entry the learner took: not one of the scenario's own (same time and type). */
export function isLearnerAction(
  entry: TraceEntry,
  scripted: readonly Action[],
  epoch: number,
): entry is ActionEntry {
  return (
    entry.type === 'action' &&
    !scripted.some((action) => action.atMs === entry.vt - epoch && action.type === entry.action.type)
  );
}

/**
 * The jobs each server runs, kept up to date one entry at a time: a claim adds one; its completion, failure,
 * release or loss ends it; a crash or the end of the process ends them all. (A fold over the whole trace,
 * the page's watch list, keeps the sets; a step's window counts them afresh.)
 */
export function trackRunning(running: Map<string, Set<string>>, entry: TraceEntry): void {
  const server = entry.server;
  if (server === null) return;
  if (entry.type === 'claimed') {
    let jobs = running.get(server);
    if (!jobs) running.set(server, (jobs = new Set()));
    jobs.add(entry.jobId);
  } else if (
    entry.type === 'completed' ||
    entry.type === 'failed' ||
    entry.type === 'released-claim' ||
    entry.type === 'claimLost' ||
    entry.type === 'completionRejected'
  )
    running.get(server)?.delete(entry.jobId);
  else if (entry.type === 'crashed' || entry.type === 'processEnded') running.delete(server);
}

export type TookCondition = Extract<Condition, { took: string }>;

function tookMatches(condition: TookCondition, entry: ActionEntry, window: Window) {
  return actionMatches(condition, entry, (server) => window.runningAt(server, entry.seq));
}

/**
 * Whether a learner's action entry is the one a `took` condition asks for: its type, and the server it hit
 * (the leader then, a follower, one running jobs or none: `running(server)` counts them just before it).
 */
export function actionMatches(
  condition: TookCondition,
  entry: ActionEntry,
  running: (server: string) => number,
): boolean {
  if (entry.action.type !== condition.took) return false;
  const target = condition.target ?? 'any';
  if (target === 'any') return true;
  const server = entry.server;
  if (server === null) return false;
  if (target === 'leader') return entry.term !== null;
  if (target === 'follower') return entry.term === null;
  const count = running(server);
  return target === 'busy' ? count > 0 : count === 0;
}

function holds(condition: Condition, window: Window, answer: Answer): boolean {
  const view = window.view;
  if ('took' in condition)
    return window.learnerActions().some((entry) => tookMatches(condition, entry, window));
  if ('seen' in condition) {
    let entries = window.entries();
    if (condition.afterAction) {
      const last = window.learnerActions().at(-1);
      if (!last) return false;
      entries = entries.filter((entry) => entry.seq > last.seq);
    }
    return entries.filter((entry) => entry.type === condition.seen).length >= (condition.count ?? 1);
  }
  if ('invariant' in condition) {
    const report = view.invariants.find((invariant) => invariant.id === condition.invariant);
    if (!report) return false;
    if (condition.is === 'failed') return !report.ok;
    if (condition.is === 'held') return report.ok && report.skipped === undefined;
    return measured(report).length > 0;
  }
  if ('ranMs' in condition) return view.elapsedMs - window.from >= condition.ranMs;
  if ('hazard' in condition) {
    const on = (view.snapshot?.servers ?? []).some((server) =>
      server.hazards.some((hazard) => codeOf(hazard) === condition.hazard),
    );
    return condition.is === 'on' ? on : !on;
  }
  if ('leader' in condition) {
    const some = (view.snapshot?.servers ?? []).some(
      (server) => server.leader && server.process === 'running',
    );
    return condition.leader === 'some' ? some : !some;
  }
  return answer !== null;
}

function codeOf(hazard: string): string {
  return hazard in HAZARDS ? HAZARDS[hazard as keyof typeof HAZARDS].code : hazard;
}

/** The delays an invariant measured: I5's failovers, I6's handovers. */
function measured(report: InvariantState, key?: string): number[] {
  const name = key ?? (report.id === 'I5' ? 'failoverMs' : report.id === 'I6' ? 'handoverMs' : undefined);
  const value = name === undefined ? undefined : report.measurements?.[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

const FAULTS = new Set(['crash', 'stop', 'pause', 'cutOff', 'setClock', 'restart', 'resume', 'heal']);

/**
 * A fault the learner took that the step's `took` conditions do not ask for: a crash of a follower where the
 * leader was asked for, a pause instead of a stop. Said in words with what the step asks instead.
 */
function strayFault(step: LessonStep, window: Window, actions: ActionEntry[]): string | undefined {
  const wanted = step.check.filter((condition): condition is TookCondition => 'took' in condition);
  if (wanted.length === 0) return undefined;
  for (const entry of actions) {
    if (!FAULTS.has(entry.action.type)) continue;
    if (wanted.some((condition) => tookMatches(condition, entry, window))) continue;
    const role = entry.term !== null ? 'the leader' : 'a follower';
    const what = `${entry.action.type} of ${entry.server ?? 'no server'} (${role})`;
    return `That was a ${what}. This step asks you to: ${step.do ?? describeWanted(wanted)}. Reset the run to try again.`;
  }
  return undefined;
}

function describeWanted(wanted: TookCondition[]): string {
  return wanted.map((condition) => `${condition.took} ${condition.target ?? 'a server'}`).join(', then ');
}

/** The prediction against the run: a number against the checker's measurement, a choice against its answer. */
function judge(question: Question, answer: Answer, view: LessonView): StepResult['verdict'] {
  if (answer === null) return undefined;
  if ('choices' in question) {
    const right = answer === question.answer;
    const chosen = question.choices[answer] ?? '(no choice)';
    return {
      right,
      text: `${right ? 'Right' : 'Not quite'}: you predicted “${chosen}”. ${question.explain}`,
    };
  }
  const report = view.invariants.find(
    (invariant) => invariant.id === (question.measure === 'failoverMs' ? 'I5' : 'I6'),
  );
  const values = report ? measured(report, question.measure) : [];
  const value = values.at(-1);
  if (value === undefined) return undefined;
  const right = Math.abs(answer * 1000 - value) <= question.toleranceMs;
  return {
    right,
    text: `${right ? 'Right' : 'Not quite'}: you predicted ${answer} s; the checker measured ${(value / 1000).toFixed(1)} s. ${question.explain}`,
  };
}

/** What the learner did, as the checklist says it: “you crashed the leader”, not “you took crash on”. */
const ACTION_PAST: Record<Exclude<TookCondition['took'], 'setHazards'>, string> = {
  crash: 'crashed',
  stop: 'stopped',
  restart: 'restarted',
  pause: 'paused',
  resume: 'resumed',
  cutOff: 'cut off',
  heal: 'healed',
  enqueue: 'enqueued jobs on',
  setClock: 'set the clock of',
};

const TARGET_WORDS: Record<string, string> = {
  leader: 'the leader',
  follower: 'a follower',
  busy: 'a server running a job',
  idle: 'a server running nothing',
  any: 'a server',
};

/** A condition in words, for the checklist under a step. */
export function describeCondition(condition: Condition): string {
  if ('took' in condition) {
    if (condition.took === 'setHazards') return 'you changed the hazards';
    return `you ${ACTION_PAST[condition.took]} ${TARGET_WORDS[condition.target ?? 'any']}`;
  }
  if ('seen' in condition) {
    const count = condition.count ?? 1;
    const one = /^[aeiou]/i.test(condition.seen) ? 'an' : 'a';
    return `${count === 1 ? one : count} “${condition.seen}” ${count === 1 ? 'entry' : 'entries'} in the log${condition.afterAction ? ' after your action' : ''}`;
  }
  if ('invariant' in condition)
    return `${condition.invariant} ${condition.is === 'failed' ? 'is red' : condition.is === 'held' ? 'holds (green)' : 'measured something'}`;
  if ('ranMs' in condition) return `${condition.ranMs / 1000} s of the run passed in this step`;
  if ('hazard' in condition) return `${condition.hazard} is ${condition.is}`;
  if ('leader' in condition) return condition.leader === 'some' ? 'a server leads' : 'no server leads';
  return 'you answered the question';
}
