import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PlaygroundSession } from '../../src/playground/session';
import type { ActionBody } from '../../src/scenario/types';
import type { TraceEntry } from '../../src/sim/trace/trace';
import { evaluateStep, parseLessonJson, type LessonScenario, type StepResult } from '../../src/lessons';

/**
 * A learner headless: the lesson's scenario in a PlaygroundSession (the engine the page drives, with its
 * checkers), moves taken as the page's buttons take them, each step judged by the lesson evaluator on the
 * session's own view, exactly as the page judges it.
 */

const dir = fileURLToPath(new URL('../../lessons/', import.meta.url));

export function lessonFiles(): LessonScenario[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => parseLessonJson(readFileSync(dir + name, 'utf8'), `lessons/${name}`));
}

export function lessonByNumber(n: number): LessonScenario {
  const found = lessonFiles().find((entry) => entry.lesson.number === n);
  if (!found) throw new Error(`no lesson ${n}`);
  return found;
}

/** Who a move hits: the leader now, a follower, a server running a job, one running none, or the last hit. */
export type Role = 'leader' | 'follower' | 'busy' | 'idle' | 'last';

export type Move =
  | { act: Exclude<ActionBody['type'], 'setHazards'>; role: Role }
  | { hazards: string[] }
  | { answer: number }
  | { play: number }
  | { untilLeader: true };

export class Learner {
  private index = 0;
  private start = { history: 0, atMs: 0 };
  private answer: number | null = null;
  private lastHit: string | undefined;
  /** Every server id a move hit, in order. */
  readonly hits: string[] = [];
  /** Virtual time taken to play, and moves made. */
  moves = 0;

  private constructor(
    readonly file: LessonScenario,
    readonly session: PlaygroundSession,
  ) {}

  static async open(file: LessonScenario): Promise<Learner> {
    const learner = new Learner(file, await PlaygroundSession.create(file.scenario));
    learner.startStep();
    return learner;
  }

  get step() {
    return this.file.lesson.steps[this.index]!;
  }
  get stepIndex() {
    return this.index;
  }

  view() {
    const view = this.session.view(null, { invariants: true, maxEntries: 1_000_000 });
    return {
      history: view.history,
      elapsedMs: view.elapsedMs,
      epoch: view.epoch,
      entries: this.session.trace() as TraceEntry[],
      invariants: view.invariants ?? [],
      snapshot: view.snapshot,
      scripted: this.file.scenario.actions,
    };
  }

  judge(): StepResult {
    return evaluateStep(this.step, this.view(), this.start, this.answer);
  }

  private startStep(): void {
    const view = this.session.view(null, { invariants: false });
    this.start = { history: view.history, atMs: view.elapsedMs };
    this.answer = null;
  }

  /** Goes to the next step (reloading the run where the step says so). */
  async next(): Promise<void> {
    this.index += 1;
    if (this.step.fresh) await this.session.load(this.file.scenario);
    this.startStep();
  }

  /** Starts the run over, as the page's reset does; the step's window then starts at 0. */
  async reset(): Promise<void> {
    await this.session.load(this.file.scenario);
  }

  private serverFor(role: Role): string {
    if (role === 'last') {
      if (!this.lastHit) throw new Error('no server hit yet');
      return this.lastHit;
    }
    const servers = this.session.view(null, { invariants: false }).snapshot.servers;
    const running = servers.filter((server) => server.process === 'running' && !server.paused);
    const pick =
      role === 'leader'
        ? running.find((server) => server.leader)
        : role === 'follower'
          ? running.find((server) => !server.leader)
          : role === 'busy'
            ? running.find((server) => server.runningJobs.length > 0)
            : running.find((server) => server.runningJobs.length === 0);
    if (!pick) throw new Error(`no ${role} server now`);
    return pick.id;
  }

  async make(move: Move): Promise<void> {
    this.moves += 1;
    if ('answer' in move) this.answer = move.answer;
    else if ('hazards' in move)
      await this.session.apply({ type: 'setHazards', hazards: move.hazards as never });
    else if ('play' in move) await this.session.advance(move.play);
    else if ('untilLeader' in move) {
      for (
        let i = 0;
        i < 60 && !this.session.view(null, { invariants: false }).snapshot.servers.some((s) => s.leader);
        i++
      )
        await this.session.advance(500);
    } else {
      const server = this.serverFor(move.role);
      this.lastHit = server;
      this.hits.push(server);
      await this.session.apply({ type: move.act, server } as ActionBody);
    }
  }

  /** Plays on in 500 ms frames until the step is done or refused, or `maxMs` passed. */
  async playUntilJudged(maxMs = 120_000): Promise<StepResult> {
    let result = this.judge();
    for (let played = 0; result.status === 'waiting' && played < maxMs; played += 500) {
      await this.session.advance(500);
      result = this.judge();
    }
    return result;
  }

  dispose(): void {
    this.session.dispose();
  }
}
