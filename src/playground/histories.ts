import fc from 'fast-check';
import { runScenario } from '../sim/runScenario';
import { ActionError, PlaygroundSession } from './session';
import type { ActionBody, Scenario } from '../scenario/types';
import { traceToJson } from '../sim/trace/trace';

/**
 * What a person does in the playground, as data: play for a while, step, take an action, go back. A list
 * of moves is a history; `replayHistory` plays it in a session and checks the playground's promise: the
 * run saved as a scenario file replays headless to the same trace, byte for byte. The property suite
 * (test/property/playgroundHistory.test.ts) and the soak (scripts/soakHistories.ts) draw histories from
 * `historyArbitrary`; other projects can too.
 */
export type Move =
  | { kind: 'advance'; ms: number }
  | { kind: 'step' }
  | { kind: 'act'; action: ActionBody }
  /** Goes back to this fraction of the run so far (rewind is replay). */
  | { kind: 'rewind'; fraction: number };

/** Actions on the servers `ids` (and one more, `extra`, that is not there until an addServer adds it). */
export function actionArbitrary(ids: readonly string[], extra = 'z'): fc.Arbitrary<ActionBody> {
  const server = fc.constantFrom(...ids, extra);
  return fc.oneof(
    server.map((id) => ({ type: 'crash', server: id }) as const),
    server.map((id) => ({ type: 'stop', server: id, graceMs: 2_000 }) as const),
    server.map((id) => ({ type: 'restart', server: id }) as const),
    server.map((id) => ({ type: 'pause', server: id }) as const),
    server.map((id) => ({ type: 'resume', server: id }) as const),
    server.map((id) => ({ type: 'cutOff', server: id }) as const),
    server.map((id) => ({ type: 'heal', server: id }) as const),
    fc
      .tuple(server, fc.integer({ min: -60, max: 60 }))
      .map(([id, seconds]) => ({ type: 'setClock', server: id, offsetMs: seconds * 1_000 }) as const),
    fc
      .tuple(server, fc.integer({ min: 1, max: 8 }))
      .map(([id, count]) => ({ type: 'enqueue', server: id, job: 'work', count }) as const),
    fc.constant<ActionBody>({ type: 'addSchedule', job: 'tick', cron: '*/2 * * * * *' }),
    fc.constant<ActionBody>({ type: 'addServer', server: { id: extra } }),
    fc.constant<ActionBody>({ type: 'setHazards', hazards: ['H5', 'H7'] }),
  );
}

/** Histories of up to `maxMoves` moves on `scenario`'s servers (its jobs must include `work` and `tick`). */
export function historyArbitrary(scenario: Scenario, maxMoves = 14): fc.Arbitrary<Move[]> {
  const action = actionArbitrary(scenario.servers.map((server) => server.id));
  const move: fc.Arbitrary<Move> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.integer({ min: 0, max: 15_000 }).map((ms) => ({ kind: 'advance', ms }) as const),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'step' } as const) },
    { weight: 4, arbitrary: action.map((body) => ({ kind: 'act', action: body }) as const) },
    {
      weight: 1,
      arbitrary: fc
        .double({ min: 0, max: 1, noNaN: true })
        .map((fraction) => ({ kind: 'rewind', fraction }) as const),
    },
  );
  return fc.array(move, { minLength: 1, maxLength: maxMoves });
}

export interface HistoryReplay {
  /** The run as the session saved it. */
  saved: Scenario;
  /** Its trace in the session, and replayed headless from `saved`: equal when the promise holds. */
  played: string;
  replayed: string;
}

/**
 * Plays `moves` on `scenario` in a session (an action the page would refuse changes nothing, as there),
 * runs one more second, saves the run and replays it headless (past the scenario's end, with its heal, as
 * far as the page ran).
 */
export async function replayHistory(scenario: Scenario, moves: readonly Move[]): Promise<HistoryReplay> {
  const session = await PlaygroundSession.create(scenario);
  try {
    for (const next of moves) {
      if (next.kind === 'advance') await session.advance(next.ms);
      else if (next.kind === 'step') await session.step();
      else if (next.kind === 'rewind')
        await session.seek(Math.floor(session.view().elapsedMs * next.fraction));
      else {
        await session.apply(next.action).catch((error: unknown) => {
          if (!(error instanceof ActionError)) throw error;
        });
      }
    }
    await session.advance(1_000);
    const saved = session.toScenario();
    const view = session.view(null, { invariants: false });
    if (view.elapsedMs <= saved.durationMs) {
      const replayed = await runScenario(saved, { heal: false });
      return { saved, played: traceToJson(session.trace()), replayed: traceToJson(replayed.trace) };
    }
    // Played into the heal-and-check phase after the scenario's end with no action taken there: the file
    // is the scenario itself, and `npm run simulate` runs its phase to the end. The page's run is that
    // run as far as the page went.
    const replayed = await runScenario(saved);
    const until = view.epoch + view.elapsedMs;
    return {
      saved,
      played: traceToJson(session.trace()),
      replayed: traceToJson(replayed.trace.filter((entry) => entry.vt <= until)),
    };
  } finally {
    session.dispose();
  }
}

/** A small cluster for histories: three servers, jobs `work` (some fail) and `tick`, a first enqueue. */
export const HISTORY_CLUSTER: Scenario = {
  version: 1,
  seed: 5,
  durationMs: 60_000,
  jobs: [
    { name: 'work', durationMs: 700, failureRate: 0.2 },
    { name: 'tick', durationMs: 30 },
  ],
  servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
  actions: [{ atMs: 3_000, type: 'enqueue', server: 'a', job: 'work', count: 5 }],
};
