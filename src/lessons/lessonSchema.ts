import * as v from 'valibot';
import { HAZARDS } from '../core/hazards.js';
import { flag, id, list, oneOf, record, text, wholeNumber } from '../scenario/validation/blocks.js';
import { described, expecting, isPlainObject, quoteList } from '../scenario/validation/messages.js';

/**
 * The `lesson` part of a scenario file (lessons/*.json): the steps a learner takes on the scenario's
 * cluster, each with its text, what to wait for, the learner's action, and a check over the invariants and
 * the trace, the same ones the property suites judge a run by (src/verify, through the session's checkers).
 * Every check is a list of conditions that must all hold in the step's window: from the moment the step
 * began (or the run's start, once the run was reset or rewound) to now.
 */

const INVARIANT_IDS = ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7', 'I8'] as const;
const HAZARD_CODES = Object.values(HAZARDS).map((hazard) => hazard.code);
const TRACE_TYPES = [
  'elected',
  'heartbeat',
  'steppedDown',
  'released',
  'crashed',
  'stopped',
  'claimed',
  'reclaimed',
  'claimLost',
  'completed',
  'failed',
  'released-claim',
  'cronFired',
  'cronSkipped',
  'fenced',
  'error',
  'processStarted',
  'processEnded',
] as const;
const LEARNER_ACTIONS = [
  'crash',
  'stop',
  'restart',
  'pause',
  'resume',
  'cutOff',
  'heal',
  'enqueue',
  'setClock',
  'setHazards',
] as const;

const tookCondition = record('a "took" condition', {
  /** The learner took this action (from the page's controls) in the step's window. */
  took: oneOf('an action type', LEARNER_ACTIONS),
  /**
   * Which server it hit: the leader at that moment, a follower, a server running jobs (`busy`), one running
   * none (`idle`); default any.
   */
  target: v.optional(oneOf('a target', ['leader', 'follower', 'busy', 'idle', 'any'])),
});
const seenCondition = record('a "seen" condition', {
  /** A trace entry of this type in the step's window. */
  seen: oneOf('a trace entry type', TRACE_TYPES),
  /** At least this many of them (default 1). */
  count: v.optional(wholeNumber(1, 1_000)),
  /** Only those after the learner's last action in the window. */
  afterAction: v.optional(flag()),
});
const invariantCondition = record('an "invariant" condition', {
  invariant: oneOf('an invariant id', INVARIANT_IDS),
  /** `held`: checked and holding (not skipped); `failed`: red; `measured`: it measured something in the window. */
  is: oneOf('', ['held', 'failed', 'measured']),
});
const ranCondition = record('a "ranMs" condition', {
  /** The step's window has lasted this much run time. */
  ranMs: wholeNumber(0, 3_600_000, 'ms'),
});
const hazardCondition = record('a "hazard" condition', {
  hazard: oneOf('a hazard code', HAZARD_CODES),
  /** On (on any server) or off (on every server) now. */
  is: oneOf('', ['on', 'off']),
});
const leaderCondition = record('a "leader" condition', {
  /** Some running server leads now, or none does. */
  leader: oneOf('', ['some', 'none']),
});
const answeredCondition = record('an "answered" condition', {
  /** The learner answered the step's question. */
  answered: v.literal(true, expecting('true')),
});

const conditionOptions = [
  tookCondition,
  seenCondition,
  invariantCondition,
  ranCondition,
  hazardCondition,
  leaderCondition,
  answeredCondition,
] as const;
const CONDITION_KEYS = ['took', 'seen', 'invariant', 'ranMs', 'hazard', 'leader', 'answered'] as const;

export const condition = described(
  v.pipe(
    v.custom<unknown>(isPlainObject, expecting('a condition object')),
    v.union(conditionOptions, expecting(`a condition with one of the keys ${quoteList(CONDITION_KEYS)}`)),
  ),
  'a condition object',
);
const conditions = list('a list of conditions', condition);

/** A "predict, then play" question: asked before the learner acts, judged against what the run measured. */
const question = v.union([
  record('a number question', {
    prompt: text('a question', 400),
    /** What the answer is compared with: I5's failover or I6's handover, as the checkers measured it. */
    measure: oneOf('a measurement', ['failoverMs', 'handoverMs']),
    /** The answer is in seconds; within this many ms of the measurement it is right. */
    toleranceMs: wholeNumber(0, 600_000, 'ms'),
    /** What to say once measured, right or not. */
    explain: text('an explanation', 600),
  }),
  record('a choice question', {
    prompt: text('a question', 400),
    choices: list('a list of choices', text('a choice', 120)),
    /** The index of the right choice. */
    answer: wholeNumber(0, 9),
    explain: text('an explanation', 600),
  }),
]);

const wrongRule = record('a wrong-action rule', {
  /** When all hold (in the step's window), the step is refused with `explain`. */
  when: conditions,
  explain: text('an explanation', 600),
});

export const lessonStep = record('a lesson step', {
  /** One idea, a sentence or three. `[[word]]` links a glossary word. */
  text: text('a step text', 800),
  /** What to wait for before acting, in words (shown under the text). */
  wait: v.optional(text('what to wait for', 300)),
  /** The learner's action, in words (the check below says what counts). */
  do: v.optional(text('the learner’s action', 300)),
  question: v.optional(question),
  /** All must hold for the step to be done. */
  check: conditions,
  /** Checked before `check`: a known wrong move and why it is wrong. */
  wrong: v.optional(list('a list of wrong-action rules', wrongRule)),
  /** Said when the step is done. */
  done: v.optional(text('a done message', 600)),
  /** The step starts the run over (the scenario reloaded) when the learner reaches it. */
  fresh: v.optional(flag()),
});

export const lessonSchema = record('a lesson object', {
  /** What `?lesson=` names, beside its number. */
  id: id('a lesson id'),
  /** Its place in the list, from 1. */
  number: wholeNumber(1, 99),
  title: text('a title', 120),
  /** One line for the lesson menu. */
  summary: text('a summary', 300),
  steps: list('a list of steps', lessonStep),
});
