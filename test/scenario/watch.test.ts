import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { PlaygroundSession } from '../../src/playground/session';
import { parseScenarioJson as parseScenario, ScenarioError } from '../../src/scenario/schema';
import type { Scenario } from '../../src/scenario/types';
import type { LessonView } from '../../src/lessons';
import type { TraceEntry } from '../../src/sim/trace/trace';
import { parseWatch, watchSeenAt } from '../../src/ui/state/watch';

/**
 * The scenarios' "what to watch" checklists, judged by the lessons' evaluator on a real headless run of the
 * engine the page drives, played in steps as the page plays.
 */

const dir = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const load = (name: string): Scenario => parseScenario(readFileSync(`${dir}${name}.json`, 'utf8'));

function view(session: PlaygroundSession, scenario: Scenario): LessonView {
  const now = session.view(null, { invariants: true, maxEntries: 1_000_000 });
  return {
    history: now.history,
    elapsedMs: now.elapsedMs,
    epoch: now.epoch,
    entries: session.trace() as TraceEntry[],
    invariants: now.invariants ?? [],
    snapshot: now.snapshot,
    scripted: scenario.actions,
  };
}

/** Plays the scenario to `untilMs` in 1 s steps, carrying the seen-at times from frame to frame. */
async function play(session: PlaygroundSession, scenario: Scenario, untilMs: number) {
  const { items, problems } = parseWatch(scenario.watch);
  let seen: (number | null)[] = [];
  while (session.view(null, { invariants: false }).elapsedMs < untilMs) {
    await session.advance(1_000);
    seen = watchSeenAt(items, view(session, scenario), seen);
  }
  return { items, problems, seen };
}

describe('what to watch', () => {
  test('leader-crash-failover: each item ticks as the trace shows it, in the order it happens', async () => {
    const scenario = load('leader-crash-failover');
    const session = await PlaygroundSession.create(scenario);
    const early = await play(session, scenario, 19_000);
    expect(early.problems).toEqual([]);
    expect(early.items).toHaveLength(4);
    expect(early.seen).toEqual([null, null, null, null]);
    const { seen } = await play(session, scenario, scenario.durationMs);
    expect(seen[0]).toBe(20_000);
    expect(seen.every((at) => at !== null)).toBe(true);
    // The new leader is elected after the crash (its lease stale), I5 measures that, a restarts at 1:00.
    expect(seen[1]!).toBeGreaterThan(20_000);
    expect(seen[2]!).toBeGreaterThanOrEqual(seen[1]!);
    expect(seen[3]).toBe(60_000);
  });

  test('rewound to before an item, it is unticked again', async () => {
    const scenario = load('leader-crash-failover');
    const session = await PlaygroundSession.create(scenario);
    const { items, seen } = await play(session, scenario, 25_000);
    expect(seen[0]).toBe(20_000);
    await session.seek(10_000);
    expect(watchSeenAt(items, view(session, scenario), seen)[0]).toBeNull();
  });

  const bundled = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.replace(/\.json$/, ''))
    .filter((name) => load(name).watch);

  test.each(bundled)('%s: every item is a lesson condition and happens in the run', async (name) => {
    const scenario = load(name);
    const session = await PlaygroundSession.create(scenario);
    const { items, problems, seen } = await play(session, scenario, scenario.durationMs);
    expect(problems).toEqual([]);
    // three-servers is a blank slate: its last item waits for the learner's own fault; clock-skew's last
    // waits for the learner to switch H2 on (the next test).
    const learnerOnly = name === 'three-servers' || name === 'clock-skew' ? [items.length - 1] : [];
    const missing = items.filter((_, i) => seen[i] === null && !learnerOnly.includes(i)).map((i) => i.text);
    expect(missing).toEqual([]);
  });

  test('clock-skew: with H2 switched on from the Hazards panel, I5 turns red within the run and the last item ticks', async () => {
    const scenario = load('clock-skew');
    const session = await PlaygroundSession.create(scenario);
    await session.apply({ type: 'setHazards', hazards: ['H2'] });
    const { seen } = await play(session, scenario, scenario.durationMs);
    const i5 = session.invariants().find((invariant) => invariant.id === 'I5')!;
    expect(i5.ok).toBe(false);
    // c, 30 s ahead, crashed at 1:10: its lease looked fresh ~30 s longer than the 15 s timeout.
    expect(i5.message).toMatch(/after the crash of leader c/);
    expect(i5.atMs!).toBeGreaterThan(100_000);
    expect(i5.atMs!).toBeLessThan(scenario.durationMs);
    // Red once the failover bound (20 s after c's last heartbeat) has passed with nobody elected.
    expect(seen[3]!).toBeGreaterThan(85_000);
    expect(seen[3]!).toBeLessThanOrEqual(i5.atMs! + 1_000);
    expect(session.invariants().find((invariant) => invariant.id === 'I3')!.ok).toBe(false);
  });

  test('the scenario room checks the shape: a list of 2 to 4 items with text and when', () => {
    const base = JSON.parse(readFileSync(`${dir}three-servers.json`, 'utf8')) as Record<string, unknown>;
    const one = JSON.stringify({ ...base, watch: [{ text: 'x', when: { seen: 'elected' } }] });
    expect(() => parseScenario(one)).toThrow(/expected 2 to 4 things to watch, got 1/);
    const bad = JSON.stringify({ ...base, watch: [{ text: 'x' }, { text: 'y', when: {} }] });
    expect(() => parseScenario(bad)).toThrow(ScenarioError);
  });
});
