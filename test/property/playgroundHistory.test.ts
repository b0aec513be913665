// The playground's promise, as a property: whatever a person does in the page (play, step, take actions,
// some refused, rewind, fork the history), the run saved as a scenario file replays headless to the same
// trace, byte for byte. This is what lets a run found in the browser be replayed anywhere, and the other
// way round.

import fc from 'fast-check';
import { expect, test } from 'vitest';
import { runScenario } from '../../src/sim/engine';
import { ActionError, PlaygroundSession } from '../../src/sim/playgroundSession';
import type { ActionBody, Scenario } from '../../src/sim/scenario';
import { traceToJson } from '../../src/sim/trace';
import { propertySeed, reportRate } from './support';

const cluster: Scenario = {
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

const server = fc.constantFrom('a', 'b', 'c', 'd');
const action: fc.Arbitrary<ActionBody> = fc.oneof(
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
  fc.constant<ActionBody>({ type: 'addServer', server: { id: 'd' } }),
  fc.constant<ActionBody>({ type: 'setHazards', hazards: ['H5', 'H7'] }),
);

type Move =
  | { kind: 'advance'; ms: number }
  | { kind: 'step' }
  | { kind: 'act'; action: ActionBody }
  | { kind: 'rewind'; fraction: number };

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

test('any history of clicks, rewinds and forks, saved as a scenario, replays to the same trace', async () => {
  const seed = propertySeed(20261128);
  const started = performance.now();
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(move, { minLength: 1, maxLength: 14 }), async (moves) => {
      runs += 1;
      const session = await PlaygroundSession.create(cluster);
      try {
        for (const next of moves) {
          if (next.kind === 'advance') await session.advance(next.ms);
          else if (next.kind === 'step') await session.step();
          else if (next.kind === 'rewind')
            await session.seek(Math.floor(session.view().elapsedMs * next.fraction));
          else {
            // An action the page would refuse (an unknown server, say) changes nothing; others may still be
            // refused by the server (a restart of a live one) and say so in the trace, as a replay will.
            await session.apply(next.action).catch((error: unknown) => {
              if (!(error instanceof ActionError)) throw error;
            });
          }
        }
        await session.advance(1_000);
        const saved = session.toScenario();
        const replayed = await runScenario(saved, { heal: false });
        expect(traceToJson(replayed.trace)).toBe(traceToJson(session.trace()));
      } finally {
        session.dispose();
      }
    }),
    { numRuns: 300, seed },
  );
  reportRate('playground histories', runs, started, seed);
}, 120_000);
