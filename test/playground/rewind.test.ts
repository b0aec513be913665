// Going back in a run shows it as it was there, without running it again: the database rebuilt from the
// conductor's statement log, servers and lock from the trace (src/sim/conductor/recording.ts). Each
// rewound view is held against the live view the run showed at that moment, and playing on from a rewind
// gives the trace the run had before it, byte for byte.

import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { PlaygroundSession, type SessionView } from '../../src/playground/session';
import { parseScenarioJson } from '../../src/scenario/schema';
import { traceToJson } from '../../src/sim/trace/trace';

function scenario(name: string) {
  return parseScenarioJson(readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8'));
}

/** What the page shows of a moment, less what is about the history (its number, the horizon). */
function shown(view: SessionView) {
  return {
    elapsedMs: view.elapsedMs,
    entries: view.cursor.entries,
    snapshot: view.snapshot,
    leaseAges: view.leaseAges,
    jobCounts: view.jobCounts,
    marks: view.marks,
    healPhase: view.healPhase,
    invariants: view.invariants,
  };
}

test.each([
  ['eight-servers', 60_000, [1, 4_321, 17_000, 29_999, 30_000, 31_007, 44_444, 52_100]],
  ['paused-leader', 50_000, [3_000, 12_345, 25_000, 38_765, 45_555, 49_000]],
  // Longer than its liveness phase: I2 is judged from the end of the pause, in the live run and rewound.
  ['paused-leader', 400_000, [60_000, 190_000, 250_000, 399_000], 400_000],
  ['clock-skew', 200_000, [5_000, 29_000, 31_500, 46_000, 71_000, 90_000, 121_000, 180_000]],
])(
  '%s: a rewound view is the live view of that moment, and playing on gives the trace of before',
  async (name, untilMs, moments, durationMs?: number) => {
    const file = scenario(name);
    const session = await PlaygroundSession.create({ ...file, durationMs: durationMs ?? file.durationMs });
    try {
      const live = new Map<number, ReturnType<typeof shown>>();
      for (const ms of moments) {
        await session.seek(ms);
        live.set(ms, shown(session.view(null)));
      }
      if (durationMs !== undefined) {
        // Judged from the end of the pause (0:45) plus the liveness phase, not from where the page looked.
        const i2 = (ms: number) => live.get(ms)!.invariants!.find((report) => report.id === 'I2')!;
        const judgedAt = (45_000 + session.healPhase().livenessMs) / 1_000;
        expect(i2(60_000).skipped).toMatch(new RegExp(`^checked at ${judgedAt.toFixed(1)} s`));
        expect(i2(250_000).ok).toBe(true);
        expect(i2(250_000).skipped ?? null).toBeNull();
      }
      await session.seek(untilMs);
      const before = traceToJson(session.trace());
      const liveAtEnd = shown(session.view(null));
      const beforeEntries = session.trace().length;
      const history = session.view(null).history;

      // Back, in an order that goes both ways: each view is the live one of its moment.
      for (const ms of [...moments].reverse().concat(moments.filter((_, i) => i % 2 === 0))) {
        await session.seek(ms);
        expect(shown(session.view(null)), `${name} at ${ms} ms`).toEqual(live.get(ms));
      }
      // Going back was a new history for the page (it drops what it kept), as a replay was.
      expect(session.view(null).history).toBeGreaterThan(history);

      // Played on from the last moment, past the horizon: the same trace, then the live run again.
      await session.seek(moments[0]!);
      await session.advance(untilMs - moments[0]! - 1);
      expect(session.view(null).elapsedMs).toBe(untilMs - 1);
      const entries = session.trace().length;
      await session.advance(1);
      expect(traceToJson(session.trace())).toBe(before);
      await session.advance(1_000);
      expect(session.view(null).elapsedMs).toBe(untilMs + 1_000);
      expect(session.trace().length).toBeGreaterThan(entries);
      expect(traceToJson(session.trace().slice(0, beforeEntries))).toBe(before);

      // A step from a rewound moment runs the history again from the start on a new conductor (what an
      // action there does too): played to the old end, it is the trace of before.
      await session.seek(moments[1]!);
      await session.step();
      await session.seek(untilMs);
      expect(traceToJson(session.trace())).toBe(before);
      expect(shown(session.view(null))).toEqual(liveAtEnd);
    } finally {
      session.dispose();
    }
  },
  60_000,
);
