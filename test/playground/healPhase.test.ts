import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { PlaygroundSession } from '../../src/playground/session';
import { parseScenarioJson } from '../../src/scenario/schema';
import type { Scenario } from '../../src/scenario/types';
import { runScenario } from '../../src/sim/runScenario';
import { traceToJson } from '../../src/sim/trace/trace';

/**
 * The heal-and-check phase at the end of every scenario the page plays: at the scenario's end every fault
 * is healed (the conductor's heal()), the cluster runs on for the conductor's liveness phase, and then I2
 * (nothing lost) and I8 (leadership liveness) are judged, as `npm run simulate` judges the same file.
 */

const load = (path: string): Scenario => parseScenarioJson(readFileSync(path, 'utf8'), path);

/** Plays as the page does, in 2 s frames, up to `ms` (or the phase's end as it stands, like Play). */
async function playTo(session: PlaygroundSession, ms: number | 'phase end'): Promise<void> {
  const until = () => (ms === 'phase end' ? session.healPhase().toMs : ms);
  const now = () => session.view(null, { invariants: false }).elapsedMs;
  while (now() < until()) await session.advance(Math.min(2_000, until() - now()));
}

const verdict = (session: PlaygroundSession, id: string) => {
  const found = session.invariants().find((invariant) => invariant.id === id)!;
  return found.ok ? (found.skipped === undefined ? 'held' : 'pending') : 'violated';
};

describe('heal and check, at the end of a scenario played in the page', () => {
  test('leader-crash-failover: healed at its end, I2 and I8 held at the phase end, the same run as the CLI', async () => {
    const scenario = load('scenarios/leader-crash-failover.json');
    const session = await PlaygroundSession.create(scenario);
    try {
      const phase = session.healPhase();
      expect(phase).toMatchObject({ fromMs: scenario.durationMs, started: false });
      expect(phase.toMs).toBeGreaterThan(phase.fromMs);
      await playTo(session, scenario.durationMs);
      // At the end itself nothing is healed yet: the run so far is the scenario's alone.
      expect(session.healPhase().started).toBe(false);
      expect(verdict(session, 'I2')).toBe('pending');
      expect(session.invariants().find((i) => i.id === 'I2')!.skipped).toMatch(/heal and check phase/);
      await playTo(session, scenario.durationMs + 1);
      expect(session.healPhase().started).toBe(true);
      expect(session.invariants().find((i) => i.id === 'I2')!.skipped).toMatch(
        /^heal and check: every fault healed/,
      );
      await playTo(session, 'phase end');
      expect(session.view(null, { invariants: false }).elapsedMs).toBeLessThanOrEqual(phase.toMs);
      expect(verdict(session, 'I2')).toBe('held');
      expect(verdict(session, 'I8')).toBe('held');
      // The page's run is the CLI's: the same trace, heal and liveness phase included.
      const headless = await runScenario(scenario);
      expect(traceToJson(session.trace())).toBe(traceToJson(headless.trace));
      // Saved there, the file is the scenario itself, which heals at its end as here.
      expect(session.toScenario().durationMs).toBe(scenario.durationMs);
      const replayed = await session.verifyDeterminism();
      expect(replayed.ok).toBe(true);
      expect(replayed.note).toMatch(/healed at/);
    } finally {
      session.dispose();
    }
  }, 60_000);

  test('with H8 on (a claim deleted on claim), I2 turns red only once the phase has run, at its end', async () => {
    const scenario = { ...load('scenarios/leader-crash-failover.json'), hazards: ['H8' as const] };
    const session = await PlaygroundSession.create(scenario);
    try {
      await playTo(session, scenario.durationMs + 1_000);
      expect(session.healPhase().started).toBe(true);
      expect(verdict(session, 'I2')).toBe('pending');
      await playTo(session, 'phase end');
      expect(verdict(session, 'I2')).toBe('violated');
      expect(session.invariants().find((i) => i.id === 'I2')!.message).toBeTruthy();
    } finally {
      session.dispose();
    }
  }, 60_000);

  test('cron-across-failover: its crashed server restarted by the heal; rewound and played again, the same trace', async () => {
    const scenario = load('scenarios/cron-across-failover.json');
    const session = await PlaygroundSession.create(scenario);
    try {
      const to = scenario.durationMs + 20_000;
      await playTo(session, to);
      const first = traceToJson(session.trace());
      await session.seek(scenario.durationMs - 5_000);
      expect(session.healPhase().started).toBe(false);
      // A step from a rewound moment runs the history again from its start (a new conductor), so the
      // heal is done again, by that run, at the end.
      await session.step();
      await session.seek(to);
      expect(session.healPhase().started).toBe(true);
      expect(traceToJson(session.trace())).toBe(first);
      const heals = session
        .trace()
        .filter(
          (entry) =>
            entry.type === 'action' &&
            entry.vt - session.view(null, { invariants: false }).epoch === scenario.durationMs,
        );
      expect(heals.map((entry) => (entry as { action: { type: string } }).action.type)).toContain('restart');
    } finally {
      session.dispose();
    }
  }, 60_000);
});
