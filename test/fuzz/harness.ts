import { parseScenarioJson, ScenarioError, serializeScenario, type Scenario } from '../../src/scenario';
import { RunBudgetError, runScenario, type RunOptions } from '../../src/sim';
import { LinkTooLargeError, scenarioFromFragment } from '../../src/ui/runLink';
import { knownFailureOf } from './knownFailures';
import { EncoderRefusal, LINK_PREFIX, linkFragment, type LinkCase } from './linkMutations';
import { scenarioText, type ScenarioCase } from './mutations';

/**
 * What happens to one fuzz case, and the judgement of it. A case ends in one of three ways:
 *
 * - rejected: the parser threw a ScenarioError whose every problem names where (a field path, or a line
 *   and column for a syntax error) and says what, with no stack in it; or the link decoder threw an Error
 *   that says what is wrong with the link;
 * - accepted, and when sampled run for a short while to the end;
 * - accepted, and the run stopped at its event budget (RunBudgetError).
 *
 * Anything else is a crash (FuzzCrash): another error (a TypeError, a stack overflow), a problem without a
 * path, a message with a stack, an accepted scenario that prints to a file the parser refuses, a run that
 * throws, a link that does not give back the text it was made of, a hang.
 */

export type Outcome =
  /** `where`: each problem's path with indices as `[]`, or the link error's first words. */
  | { kind: 'rejected'; where: string[] }
  | { kind: 'accepted' }
  | { kind: 'ran' }
  | { kind: 'budget'; message: string }
  /** A crash on the list of known failures (knownFailures.ts), waiting for its fix. */
  | { kind: 'known'; id: string };

export type Stage = 'parse' | 'print' | 'run' | 'encode' | 'decode';

export class FuzzCrash extends Error {
  override name = 'FuzzCrash';
  constructor(
    readonly stage: Stage,
    readonly what: string,
    override readonly cause?: unknown,
  ) {
    super(`${stage}: ${what}${cause === undefined ? '' : `\n  ${errorLine(cause)}`}`);
  }
}

/** The parts the cases are fed to; the harness's own tests swap in broken ones to see it catch them. */
export interface FuzzTargets {
  parse: (text: string, source?: string) => Scenario;
  print: (scenario: Scenario) => string;
  decode: (fragment: string) => Promise<string | null>;
  run: (scenario: Scenario, options: RunOptions) => Promise<unknown>;
}

export const REAL_TARGETS: FuzzTargets = {
  parse: parseScenarioJson,
  print: serializeScenario,
  decode: scenarioFromFragment,
  run: runScenario,
};

export interface RunSettings {
  /** Each sampled run stops here (virtual ms), or at the scenario's end if sooner. */
  untilMs: number;
  /** Whether the run heals and runs its liveness phase after `untilMs`. */
  heal: boolean;
  /** The run's event budget (RunOptions.maxEvents): a run past it ends with a RunBudgetError. */
  maxEvents: number;
  /** Wall time after which a run, a parse or a decode counts as hung. */
  hangMs: number;
}

/** A message with a stack trace in it: `\n    at fn (file:1:2)`. */
const STACK_LINE = /\n\s+at .+[(:]/;
/** A message longer than this is no clear error (a 5 MB value quoted back, say). */
const MAX_MESSAGE_CHARS = 20_000;
const JS_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

export function errorLine(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.slice(0, 500)}`;
  return `a thrown ${typeof error}: ${String(error).slice(0, 200)}`;
}

/** `actions[3].server` as `actions[].server`; a syntax error's position as one name. */
export function normalisePath(path: string): string {
  if (/^line \d+, column \d+$/.test(path)) return 'line L, column C (JSON syntax)';
  return path.replace(/\[\d+\]/g, '[]');
}

function judgeScenarioError(error: unknown, text: string): string[] {
  if (!(error instanceof ScenarioError))
    throw new FuzzCrash('parse', 'threw something other than a ScenarioError', error);
  if (error.issues.length === 0) throw new FuzzCrash('parse', 'a ScenarioError that lists no problem', error);
  if (error.message.length > MAX_MESSAGE_CHARS)
    throw new FuzzCrash('parse', `a ScenarioError of ${error.message.length} characters`, error);
  if (STACK_LINE.test(error.message)) throw new FuzzCrash('parse', 'a stack trace in the message', error);
  for (const issue of error.issues) {
    if (typeof issue.path !== 'string' || issue.path.trim() === '')
      throw new FuzzCrash('parse', `a problem without a field path: ${JSON.stringify(issue.message)}`, error);
    if (typeof issue.message !== 'string' || issue.message.trim() === '')
      throw new FuzzCrash('parse', `a problem at ${issue.path} that says nothing`, error);
    const position = /^line (\d+), column (\d+)$/.exec(issue.path);
    if (position) {
      const lines = text.replace(/^\uFEFF/, '').split('\n');
      const line = Number(position[1]);
      const column = Number(position[2]);
      if (line < 1 || line > lines.length || column < 1 || column > lines[line - 1]!.length + 1)
        throw new FuzzCrash(
          'parse',
          `a syntax error at ${issue.path}, outside the text (${lines.length} lines)`,
          error,
        );
    }
  }
  return error.issues.map((issue) => normalisePath(issue.path));
}

async function run(scenario: Scenario, settings: RunSettings, targets: FuzzTargets): Promise<Outcome> {
  const started = Date.now();
  let reachedMs = 0;
  const hung = () => Date.now() - started > settings.hangMs;
  const options: RunOptions = {
    untilMs: Math.min(scenario.durationMs, settings.untilMs),
    heal: settings.heal,
    maxEvents: settings.maxEvents,
    onProgress: (elapsedMs) => {
      reachedMs = elapsedMs;
    },
    // Called every virtual second: ends a run that has taken too long, so that the harness can say so.
    onEntries: () => hung(),
  };
  try {
    await targets.run(scenario, options);
  } catch (error) {
    if (error instanceof RunBudgetError) {
      if (!/ at .* virtual time/.test(error.message) || !/raise it/.test(error.message))
        throw new FuzzCrash(
          'run',
          'a RunBudgetError that does not say how far the run got and how to raise it',
          error,
        );
      return { kind: 'budget', message: error.message };
    }
    throw new FuzzCrash('run', 'an accepted scenario failed to run', error);
  }
  if (hung())
    throw new FuzzCrash(
      'run',
      `still running after ${settings.hangMs} ms of wall time, at ${reachedMs} ms of virtual time`,
    );
  return { kind: 'ran' };
}

/** Parses `text`; when accepted, checks that its printed form is accepted too, and runs it if asked. */
export async function fuzzText(
  text: string,
  options: { source: string; run: boolean; settings: RunSettings; targets?: FuzzTargets },
): Promise<Outcome> {
  const targets = options.targets ?? REAL_TARGETS;
  const started = Date.now();
  let scenario: Scenario | undefined;
  let refusal: unknown;
  try {
    scenario = targets.parse(text, options.source);
  } catch (error) {
    refusal = error;
  }
  // The parser is synchronous: a hang can only be seen once it is over.
  const tookMs = Date.now() - started;
  if (tookMs > options.settings.hangMs)
    throw new FuzzCrash('parse', `took ${tookMs} ms of wall time on ${text.length} characters`);
  if (scenario === undefined) return { kind: 'rejected', where: judgeScenarioError(refusal, text) };
  // What the parser accepts, the page saves and the shrinker prints: the printed file must read back.
  let printed: string;
  try {
    printed = targets.print(scenario);
    targets.parse(printed, 'printed');
  } catch (error) {
    throw new FuzzCrash('print', 'an accepted scenario does not print to a file the parser accepts', error);
  }
  return options.run ? run(scenario, options.settings, targets) : { kind: 'accepted' };
}

export function fuzzScenarioCase(
  scenarioCase: ScenarioCase,
  settings: RunSettings,
  targets?: FuzzTargets,
): Promise<Outcome> {
  return withKnownFailures(fuzzScenarioTextOf(scenarioCase, settings, targets));
}

function fuzzScenarioTextOf(
  scenarioCase: ScenarioCase,
  settings: RunSettings,
  targets?: FuzzTargets,
): Promise<Outcome> {
  return fuzzText(scenarioText(scenarioCase), {
    source: 'fuzz.json',
    run: scenarioCase.run,
    settings,
    targets,
  });
}

function judgeLinkError(error: unknown, stage: Stage): string[] {
  const clear =
    error instanceof Error &&
    !JS_ERRORS.some((kind) => error.constructor === kind) &&
    error.name !== 'DOMException' &&
    /link|#run=/i.test(error.message) &&
    error.message.length <= MAX_MESSAGE_CHARS &&
    !STACK_LINE.test(error.message);
  if (!clear) throw new FuzzCrash(stage, "the link's error does not say what is wrong with the link", error);
  if (error instanceof LinkTooLargeError && !/at most \d+/.test(error.message))
    throw new FuzzCrash(stage, 'a link too large, with an error that does not name the cap', error);
  return [`link: ${error.message.replace(/\d[\d,._]*/g, 'N').slice(0, 70)}`];
}

async function withinHang<T>(promise: Promise<T>, settings: RunSettings, stage: Stage): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FuzzCrash(stage, `no answer after ${settings.hangMs} ms of wall time`)),
      settings.hangMs,
    );
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

export function fuzzLinkCase(
  linkCase: LinkCase,
  settings: RunSettings,
  targets?: FuzzTargets,
): Promise<Outcome> {
  return withKnownFailures(judgeLink(linkCase, settings, targets ?? REAL_TARGETS));
}

async function judgeLink(linkCase: LinkCase, settings: RunSettings, targets: FuzzTargets): Promise<Outcome> {
  let fragment: string;
  try {
    fragment = await linkFragment(linkCase);
  } catch (error) {
    if (error instanceof EncoderRefusal)
      return { kind: 'rejected', where: judgeLinkError(error.cause, 'encode') };
    throw error;
  }
  let text: string | null;
  try {
    text = await withinHang(targets.decode(fragment), settings, 'decode');
  } catch (error) {
    if (error instanceof FuzzCrash) throw error;
    return { kind: 'rejected', where: judgeLinkError(error, 'decode') };
  }
  if (text === null) {
    if (fragment.startsWith(LINK_PREFIX))
      throw new FuzzCrash('decode', `a ${LINK_PREFIX} fragment read as no link`);
    return { kind: 'rejected', where: ['link: not a #run= fragment (ignored)'] };
  }
  const { body } = linkCase;
  if (body.kind === 'scenario' && linkCase.prefix === LINK_PREFIX && linkCase.edits.length === 0) {
    // The decoder drops a leading byte order mark (TextDecoder does), which the parser would skip anyway.
    const sent = scenarioText(body.scenario).replace(/^\uFEFF/, '');
    if (text !== sent)
      throw new FuzzCrash(
        'decode',
        `the link gave back ${text.length} characters, not the ${sent.length} it was made of`,
      );
  }
  return fuzzText(text, { source: 'link', run: linkCase.run, settings, targets });
}

/** The outcome of a judged case, with a crash on the list of known failures counted as such. */
export async function withKnownFailures(outcome: Promise<Outcome>): Promise<Outcome> {
  try {
    return await outcome;
  } catch (error) {
    const known = error instanceof FuzzCrash ? knownFailureOf(error) : undefined;
    if (known) return { kind: 'known', id: known.id };
    throw error;
  }
}
