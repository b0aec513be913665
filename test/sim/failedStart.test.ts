import { describe, expect, test } from 'vitest';
import { Conductor } from '../../src/sim/conductor/conductor';
import { runScenario } from '../../src/sim/runScenario';
import { inThreadTransport, type TransportFactory } from '../../src/sim/server/transport';
import type { Scenario } from '../../src/scenario/types';
import type { TraceEntry } from '../../src/sim';

/**
 * A process whose start fails before it exists: the transport factory throws (in this thread, the
 * coordinator's constructor refusing its configuration). The start is refused and recorded as the action
 * having failed; the server stays as it was, and nothing later (an action on it, the end of the run) trips
 * over a process that was never there. Found by the fuzz suite: Conductor.dispose threw a TypeError.
 */

/** The fuzz suite's case: H13 lets the bad cron through at 0 ms, it is switched off, the heal restarts a. */
const badCrontab: Scenario = {
  version: 1,
  seed: 11,
  durationMs: 3_000,
  hazards: ['crashOnBadCrontab'],
  jobs: [
    { name: 'digest', durationMs: 100, schedules: [{ cron: '*/5 * * * * *' }] },
    { name: 'cleanup', durationMs: 100, schedules: [{ cron: '61 * * * *' }] },
  ],
  servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
  actions: [{ atMs: 0, type: 'setHazards', hazards: [] }],
};

const ofServer = (trace: readonly TraceEntry[], server: string) =>
  trace.filter(
    (entry) => entry.server === server && (entry.source === 'process' || entry.source === 'action'),
  );

/** The in-thread transport, except that server `failing`'s restarts throw, as a refused configuration does. */
const restartsOfFailing =
  (failing: string): TransportFactory =>
  (config, startVt, onRequest) => {
    if (config.id === failing && config.generation > 1)
      throw new Error(`server ${config.id} refuses to start: bad configuration`);
    return inThreadTransport(config, startVt, onRequest);
  };

describe('a process whose start throws', () => {
  test('the healed bad-crontab run ends and disposes without a throw, and its trace says the restart failed', async () => {
    const result = await runScenario(badCrontab, { heal: true, untilMs: 3_000, maxEvents: 200_000 });
    const a = ofServer(result.trace, 'a');
    // a dies of the bad cron, the heal restarts it, and its coordinator refuses the cron (H13 is off).
    const crashed = a.findIndex((entry) => entry.type === 'processEnded');
    expect(a[crashed]).toMatchObject({ generation: 1, reason: expect.stringMatching(/invalid cron/) });
    expect(a.slice(crashed + 1)).toEqual([
      expect.objectContaining({ type: 'action', action: { type: 'restart', server: 'a', atMs: 3_000 } }),
      expect.objectContaining({
        type: 'actionFailed',
        action: { type: 'restart', server: 'a', atMs: 3_000 },
        error: expect.stringMatching(/^job "cleanup": invalid cron expression "61 \* \* \* \*"/),
      }),
    ]);
    // No second generation was ever started.
    expect(a.filter((entry) => entry.type === 'processStarted')).toHaveLength(1);
  });

  test('the server stays ended, an action on it is refused, another restart fails alike, and dispose works', async () => {
    const scenario: Scenario = {
      version: 1,
      seed: 3,
      durationMs: 2_000,
      jobs: [{ name: 'work', durationMs: 50 }],
      servers: [{ id: 'a' }, { id: 'b' }],
      actions: [
        { atMs: 500, type: 'crash', server: 'a' },
        { atMs: 1_000, type: 'restart', server: 'a' },
        { atMs: 1_100, type: 'enqueue', server: 'a', job: 'work' },
        { atMs: 1_200, type: 'crash', server: 'a' },
        { atMs: 1_300, type: 'restart', server: 'a' },
      ],
    };
    const conductor = await Conductor.create(scenario, { transport: restartsOfFailing('a') });
    await conductor.runUntil(2_000);
    expect(conductor.servers().find((server) => server.id === 'a')).toMatchObject({
      generation: 1,
      process: 'crashed',
    });
    const failed = ofServer(conductor.trace.entries, 'a').filter((entry) => entry.type === 'actionFailed');
    expect(failed.map((entry) => [entry.action.type, entry.action.atMs, entry.error])).toEqual([
      ['restart', 1_000, 'server a refuses to start: bad configuration'],
      ['enqueue', 1_100, expect.stringMatching(/"a"/)],
      ['crash', 1_200, expect.stringMatching(/"a"/)],
      ['restart', 1_300, 'server a refuses to start: bad configuration'],
    ]);
    expect(() => conductor.dispose()).not.toThrow();
  });
});
