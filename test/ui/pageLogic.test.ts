// The page's pure logic: how times read, what a lane says, and the timeline's shapes, from real marks of a
// real run (the playground session), not hand-made ones.

import { describe, expect, test } from 'vitest';
import { PlaygroundSession } from '../../src/playground/session';
import type { ServerSnapshot } from '../../src/sim/conductor/conductor';
import { formatOffset, formatRunTime, humanizeInstants } from '../../src/ui/format';
import { allowedActions, laneStatus } from '../../src/playground/view/laneStatus';
import { buildGeometry, rowsOf } from '../../src/playground/view/timelineGeometry';
import { DEFAULT_EPOCH_MS } from '../../src/sim/time/virtualTime';

describe('format', () => {
  test('run time and offsets', () => {
    expect(formatRunTime(42_350)).toBe('00:42.350');
    expect(formatRunTime(3_723_004)).toBe('1:02:03.004');
    expect(formatOffset(-20_000)).toBe('\u221220.0 s');
    expect(formatOffset(1_500)).toBe('+1.5 s');
    expect(formatOffset(10)).toBe('0.0 s');
  });

  test("the checkers' epoch instants read as run time; ids and counts stay as they are", () => {
    const message =
      'a wrote scheduled job 36 (tick 1767225616000) at database time 1767225636009, after term 2 began at 1767225599000';
    expect(humanizeInstants(message, DEFAULT_EPOCH_MS)).toBe(
      'a wrote scheduled job 36 (tick 00:16.000) at database time 00:36.009, after term 2 began at \u221200:01.000',
    );
    expect(humanizeInstants('job 1234567890123 is not an instant of this run', DEFAULT_EPOCH_MS)).toBe(
      'job 1234567890123 is not an instant of this run',
    );
  });
});

function server(overrides: Partial<ServerSnapshot>): ServerSnapshot {
  return {
    id: 'a',
    generation: 1,
    process: 'running',
    paused: false,
    cutOff: false,
    withoutJobs: false,
    leader: false,
    term: null,
    localTime: DEFAULT_EPOCH_MS,
    offsetMs: 0,
    rate: 1,
    lastHeartbeatVt: null,
    hazards: [],
    runningJobs: [],
    ...overrides,
  };
}

describe('lanes', () => {
  test('a dead process hides everything; a stalled or cut-off leader is shown as paused or cut off', () => {
    expect(laneStatus(server({ leader: true, term: 2 }))).toBe('leader');
    expect(laneStatus(server({ leader: true, paused: true }))).toBe('paused');
    expect(laneStatus(server({ leader: true, cutOff: true }))).toBe('cutoff');
    expect(laneStatus(server({ process: 'crashed', paused: true }))).toBe('crashed');
    expect(laneStatus(server({ process: 'stopping' }))).toBe('stopping');
  });

  test('only the actions that make sense are offered', () => {
    expect(allowedActions(server({}))).toEqual({
      crash: true,
      stop: true,
      restart: false,
      pause: true,
      resume: false,
      cutOff: true,
      heal: false,
    });
    expect(allowedActions(server({ process: 'crashed' }))).toMatchObject({
      restart: true,
      crash: false,
      pause: false,
    });
    expect(allowedActions(server({ paused: true }))).toMatchObject({ pause: false, resume: true });
  });
});

describe('timeline', () => {
  test('leader terms become bands that end where leadership ended, and violations become lines', async () => {
    const session = await PlaygroundSession.create({
      version: 1,
      seed: 3,
      durationMs: 60_000,
      jobs: [{ name: 'work', durationMs: 100 }],
      servers: [{ id: 'a' }, { id: 'b' }],
      actions: [
        { atMs: 2_000, type: 'enqueue', server: 'b', job: 'work', count: 5 },
        { atMs: 10_000, type: 'crash', server: 'a' },
      ],
    });
    try {
      await session.advance(40_000);
      const view = session.view();
      const rows = rowsOf(['a', 'b'], view.marks);
      const layout = { plotWidth: 400, gutter: 20, top: 0, rowHeight: 20, domainMs: 40_000 };
      const violation = { id: 'I3' as const, title: 'x', ok: false, atMs: 20_000, message: 'broken' };
      const geometry = buildGeometry(view.marks, rows, layout, view.elapsedMs, [
        ...view.invariants!,
        violation,
      ]);
      const [first, second] = geometry.bands;
      const leader = view.marks.find((mark) => mark.kind === 'elected')!;
      expect(first).toMatchObject({ server: leader.server, term: 1, fromMs: leader.atMs });
      // The crashed leader's band ends at its crash; the next leader's runs to now.
      expect(first!.toMs).toBe(10_000);
      expect(second).toMatchObject({ term: 2, toMs: 40_000 });
      expect(second!.fromMs).toBeGreaterThanOrEqual(first!.toMs);
      expect(geometry.paths.heartbeat).not.toBe('');
      expect(geometry.paths.claimed.match(/M/g)?.length).toBeGreaterThanOrEqual(1);
      expect(geometry.points.map((point) => point.label)).toEqual(
        expect.arrayContaining(['enqueue 5 × work on b', 'crash a']),
      );
      expect(geometry.violations).toEqual([{ x: 20 + 200, id: 'I3', atMs: 20_000, message: 'broken' }]);

      // A window on 25-40 s: the first term's band and everything before the window are gone, the second
      // band is cut at the window's left edge, and the violation at 20 s is out of sight.
      const windowed = buildGeometry(view.marks, rows, { ...layout, fromMs: 25_000 }, view.elapsedMs, [
        ...view.invariants!,
        violation,
      ]);
      expect(windowed.bands).toHaveLength(1);
      // The second term began before the window (at about 20 s): its band starts at the window's edge and
      // runs to now, across the whole plot.
      expect(second!.fromMs).toBeLessThan(25_000);
      expect(windowed.bands[0]).toMatchObject({ term: 2, x: 20, width: 400 });
      expect(windowed.points.every((point) => point.atMs >= 25_000)).toBe(true);
      expect(windowed.violations).toEqual([]);
      const heartbeats = (d: string) => d.match(/M/g)?.length ?? 0;
      expect(heartbeats(windowed.paths.heartbeat)).toBeLessThan(heartbeats(geometry.paths.heartbeat));
    } finally {
      session.dispose();
    }
  });
});
