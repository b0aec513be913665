import type { Action, ActionBody, Scenario } from '../scenario/types';
import { serializeScenario } from '../scenario/schema';
import {
  PlaygroundSession,
  type SessionOptions,
  type SessionView,
  type ViewCursor,
  type ViewRequest,
} from './session';
import { traceToJson } from '../sim/trace/trace';

/**
 * What the playground page calls, one call at a time: each runs the session and answers with a view of
 * what is new since the caller's cursor. The page's play loop and its buttons call in at any moment; the
 * session is not reentrant (virtual time runs one `runUntil` at a time), so calls queue here, in the order
 * they came. The same class runs in the conductor's Web Worker (workers/conductor.worker.ts) and, for
 * tests, in one thread.
 */
export class PlaygroundEngine {
  private session: PlaygroundSession | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SessionOptions = {}) {}

  /** Starts a new history from `scenario` (checked: a ScenarioError names each problem). */
  load(scenario: Scenario, seed?: number): Promise<SessionView> {
    return this.serial(async () => {
      if (this.session) await this.session.load(scenario, seed);
      else
        this.session = await PlaygroundSession.create(
          seed === undefined ? scenario : { ...scenario, seed },
          this.options,
        );
      return this.session.view(null);
    });
  }

  /** Starts `scenario` again with an earlier history's actions (Undo of a fork); a view from the start. */
  restore(scenario: Scenario, seed: number, actions: readonly Action[]): Promise<SessionView> {
    return this.serial(async () => {
      const session = this.current();
      await session.restore(scenario, seed, actions);
      return session.view(null);
    });
  }

  advance(ms: number, since: ViewCursor | null, request?: ViewRequest): Promise<SessionView> {
    return this.run((session) => session.advance(ms), since, request);
  }

  step(since: ViewCursor | null, request?: ViewRequest): Promise<SessionView> {
    return this.run((session) => session.step(), since, request);
  }

  seek(ms: number, since: ViewCursor | null, request?: ViewRequest): Promise<SessionView> {
    return this.run((session) => session.seek(ms), since, request);
  }

  /** Takes an action now; rejects with an ActionError naming the field when the action is invalid. */
  apply(action: ActionBody, since: ViewCursor | null, request?: ViewRequest): Promise<SessionView> {
    return this.run((session) => session.apply(action), since, request);
  }

  healAll(since: ViewCursor | null, request?: ViewRequest): Promise<SessionView> {
    return this.run((session) => session.healAll(), since, request);
  }

  /** Replays the run so far and compares the traces (I7); the view's invariants carry the answer. */
  verifyDeterminism(since: ViewCursor | null, request?: ViewRequest): Promise<SessionView> {
    return this.run((session) => session.verifyDeterminism(), since, request);
  }

  view(since: ViewCursor | null, request?: ViewRequest): Promise<SessionView> {
    return this.run(() => undefined, since, request);
  }

  /** The run so far as a scenario file's text: replays to the same trace. */
  scenarioJson(): Promise<string> {
    return this.serial(async () => serializeScenario(this.current().toScenario()));
  }

  /** The trace so far as JSON text, one entry per line (as `simulate --trace` writes it). */
  traceJson(): Promise<string> {
    return this.serial(async () => traceToJson(this.current().trace()));
  }

  dispose(): void {
    this.session?.dispose();
    this.session = undefined;
  }

  private run(
    work: (session: PlaygroundSession) => unknown,
    since: ViewCursor | null,
    request: ViewRequest | undefined,
  ): Promise<SessionView> {
    return this.serial(async () => {
      const session = this.current();
      await work(session);
      return session.view(since, request);
    });
  }

  private current(): PlaygroundSession {
    if (!this.session) throw new Error('no scenario loaded yet: call load() first');
    return this.session;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
