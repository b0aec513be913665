import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PlaygroundSession } from '../../../src/playground/session';
import type { SessionView } from '../../../src/playground/session';
import { parseScenarioJson } from '../../../src/scenario/schema';
import type { ActionBody, Scenario } from '../../../src/scenario/types';
import type { TimelineMark, TraceEntry } from '../../../src/playground/view/types';
import {
  clusterStatus,
  clusterSummary,
  faultGlyph,
  leaderlessGaps,
  leaseHolder,
  leaseTimer,
  messageDurationMs,
  messagesInFlight,
  stateWord,
} from '../../../src/ui/cluster/model';

function scenario(name: string): Scenario {
  return parseScenarioJson(readFileSync(`scenarios/${name}.json`, 'utf8')) as Scenario;
}

/** leader-crash-failover seen at a series of moments, as the page sees it: the views and the marks so far. */
let session: PlaygroundSession;
const views = new Map<number, { view: SessionView; marks: TimelineMark[]; log: TraceEntry[] }>();
const MOMENTS = [10_000, 20_500, 25_000, 28_000, 29_000, 40_000, 62_000];

beforeAll(async () => {
  session = await PlaygroundSession.create(scenario('leader-crash-failover'));
  let at = 0;
  for (const moment of MOMENTS) {
    await session.advance(moment - at);
    at = moment;
    const view = session.view(null, { invariants: false, maxEntries: 1_000_000 });
    views.set(moment, { view, marks: view.marks, log: view.entries });
  }
});

afterAll(() => session.dispose?.());

function at(ms: number) {
  const found = views.get(ms)!;
  const { view } = found;
  return { ...found, status: clusterStatus(view.snapshot, found.marks, view.elapsedMs, view.timings) };
}

describe('the cluster status line', () => {
  test('names the leader and its term while a leads', () => {
    const { status } = at(10_000);
    expect(status.kind).toBe('leader');
    expect(status.text).toBe('leader a, term 1');
  });

  test('after the crash it says there is no leader, for how long, and counts down to the earliest takeover', () => {
    const early = at(25_000).status;
    const later = at(28_000).status;
    expect(early.kind).toBe('leaderless');
    expect(early.text).toMatch(/^no leader for 5(\.0)? s; earliest takeover in \d+(\.\d)? s$/);
    // The 15 s count from the last heartbeat a wrote (about 15 s into the run), not from the crash at 20 s.
    const lastBeat = at(25_000)
      .log.filter((e) => e.type === 'heartbeat' && e.server === 'a')
      .at(-1)!;
    const expected = lastBeat.db - at(25_000).view.epoch + 15_000 - 25_000;
    expect(Math.abs(early.takeoverInMs! - expected)).toBeLessThan(50);
    expect(later.leaderlessMs! - early.leaderlessMs!).toBe(3_000);
    expect(early.takeoverInMs! - later.takeoverInMs!).toBe(3_000);
    // Past the 15 s, before a follower's next check: due, not a negative countdown.
    const due = at(29_000).status;
    if (due.kind === 'leaderless' && due.takeoverInMs! <= 0) expect(due.text).toMatch(/takeover due/);
  });

  test('names the new leader and term 2 once a follower took over', () => {
    const { status, view } = at(40_000);
    const leader = view.snapshot.servers.find((s) => s.leader)!.id;
    expect(['b', 'c']).toContain(leader);
    expect(status.text).toBe(`leader ${leader}, term 2`);
  });

  test('a paused leader is named with the danger: it sends no heartbeats', () => {
    const view = at(10_000).view;
    const snapshot = {
      ...view.snapshot,
      servers: view.snapshot.servers.map((s) => (s.id === 'a' ? { ...s, paused: true } : s)),
    };
    const status = clusterStatus(snapshot, at(10_000).marks, view.elapsedMs, view.timings);
    expect(status.kind).toBe('leaderAtRisk');
    expect(status.text).toMatch(
      /^leader a, term 1, but paused: it sends no heartbeats; its lease runs out in/,
    );
  });
});

describe('leaderless gaps', () => {
  test('the start before the first election, then the crash of a until the takeover', () => {
    const gaps = leaderlessGaps(at(62_000).marks);
    expect(gaps).toHaveLength(2);
    expect(gaps[0]!.fromMs).toBe(0);
    expect(gaps[0]!.toMs!).toBeLessThan(100);
    expect(gaps[1]!.previous).toEqual({ server: 'a', term: 1 });
    expect(gaps[1]!.fromMs).toBe(20_000);
    expect(gaps[1]!.toMs!).toBeGreaterThan(30_000);
    expect(gaps[1]!.toMs!).toBeLessThan(36_000);
    // While it lasts, the gap is open.
    expect(leaderlessGaps(at(25_000).marks).at(-1)!.toMs).toBeNull();
  });
});

describe('each server', () => {
  test('states in words: leader, follower, crashed', () => {
    const words = (ms: number) =>
      Object.fromEntries(at(ms).view.snapshot.servers.map((s) => [s.id, stateWord(s)]));
    expect(words(10_000)).toEqual({ a: 'leader', b: 'follower', c: 'follower' });
    expect(words(25_000)).toEqual({ a: 'crashed', b: 'follower', c: 'follower' });
    const after = words(40_000);
    expect(Object.values(after).filter((w) => w === 'leader')).toHaveLength(1);
    expect(after.a).toBe('crashed');
    expect(words(62_000).a).toBe('follower');
  });

  test('the lease timer: "of 15 s since the last heartbeat it saw"; a crashed server shows none', () => {
    const { view } = at(25_000);
    const holder = leaseHolder(view.snapshot);
    expect(holder).toBe('a');
    const [a, b] = view.snapshot.servers;
    const timerB = leaseTimer(b!, view.leaseAges.b!, 15_000, holder);
    expect(timerB.running).toBe(true);
    expect(timerB.label).toMatch(/^\d+(\.\d)? s of 15 s since the last heartbeat it saw$/);
    expect(timerB.fraction!).toBeCloseTo(view.leaseAges.b! / 15_000, 5);
    const timerA = leaseTimer(a!, view.leaseAges.a!, 15_000, holder);
    expect(timerA.running).toBe(false);
    expect(timerA.fraction).toBeNull();
    expect(timerA.label).toBe('crashed: it sees no lease');
    const paused = leaseTimer({ ...b!, paused: true }, view.leaseAges.b!, 15_000, holder);
    expect(paused.running).toBe(false);
    expect(paused.label).toMatch(/frozen/);
  });

  test('a negative lease age is explained: written in the future by the holder clock', () => {
    const { view } = at(10_000);
    const b = view.snapshot.servers[1]!;
    const timer = leaseTimer(b, -19_100, 15_000, 'a');
    expect(timer.fraction).toBe(0);
    expect(timer.label).toBe(
      "lease age -19.1 s: the last heartbeat was written 19.1 s in the future by a's clock; it looks fresh until b's clock passes it",
    );
  });

  test('the summary names every server with its state and timer', () => {
    const { view } = at(25_000);
    const text = clusterSummary(view.snapshot, view.leaseAges, view.timings);
    expect(text).toMatch(
      /^Cluster of 3 servers and one shared database\. a: crashed, crashed: it sees no lease\. b: follower, /,
    );
  });
});

describe('messages in flight', () => {
  test('heartbeats, claims and completions travel from a server to the database, for a time scaled to the speed', () => {
    const { log, view } = at(10_000);
    const beat = log.find((e) => e.type === 'heartbeat' && e.vt - view.epoch > 4_000)!;
    const beatMs = beat.vt - view.epoch;
    const slow = messagesInFlight(log, view.epoch, beatMs + 450, 1);
    const one = slow.find((m) => m.seq === beat.seq)!;
    expect(one).toMatchObject({ server: 'a', kind: 'heartbeat', durationMs: 900 });
    expect(one.progress).toBeCloseTo(0.5, 5);
    // At 1x it has landed a second later; at 20x the same flight lasts 18 virtual seconds.
    expect(messagesInFlight(log, view.epoch, beatMs + 1_000, 1).some((m) => m.seq === beat.seq)).toBe(false);
    expect(messageDurationMs(20)).toBe(18_000);
    const fast = messagesInFlight(log, view.epoch, beatMs + 1_000, 20);
    expect(fast.find((m) => m.seq === beat.seq)!.progress).toBeCloseTo(1_000 / 18_000, 5);
  });

  test('a burst of claims is a few dots with counts, and no more than the cap are drawn', () => {
    const { log, view } = at(10_000);
    const claims = log.filter((e) => e.type === 'claimed' && e.vt - view.epoch < 6_000);
    expect(claims.length).toBeGreaterThan(5);
    const shown = messagesInFlight(log, view.epoch, 5_300, 20, 6);
    expect(shown.length).toBeLessThanOrEqual(6);
    expect(shown.some((m) => m.kind === 'claim' && m.count > 1)).toBe(true);
    expect(shown.some((m) => m.kind === 'complete')).toBe(true);
  });
});

describe('fault glyphs', () => {
  test("each fault taken in a real run gets its own glyph, from the mark's action type", async () => {
    const run = await PlaygroundSession.create(scenario('three-servers'));
    try {
      await run.advance(8_000);
      const taken: ActionBody[] = [
        { type: 'pause', server: 'a' },
        { type: 'resume', server: 'a' },
        { type: 'cutOff', server: '@follower' },
        { type: 'heal', server: 'b' },
        { type: 'crash', server: '@leader' },
        { type: 'restart', server: 'a' },
        { type: 'stop', server: 'c', graceMs: 100 },
        { type: 'setClock', server: 'b', offsetMs: -20_000 },
        { type: 'setDatabaseSkew', skewMs: 5_000 },
        { type: 'enqueue', job: 'report', server: 'b' },
      ];
      for (const body of taken) {
        await run.apply(body);
        await run.advance(500);
      }
      const marks = run.view(null, { invariants: false, maxEntries: 1_000_000 }).marks;
      const drawn = marks
        .filter((mark) => mark.kind === 'fault' || mark.kind === 'action')
        .map((mark) => [mark.action, faultGlyph(mark.action)]);
      expect(drawn).toEqual([
        ['pause', 'pause'],
        ['resume', 'resume'],
        ['cutOff', 'cut off'],
        ['heal', 'heal'],
        ['crash', 'crash'],
        ['restart', 'restart'],
        ['stop', 'stop'],
        ['setClock', 'clock'],
        ['setDatabaseSkew', 'clock'],
        ['enqueue', null],
      ]);
    } finally {
      run.dispose?.();
    }
  });

  test("the label's words do not decide: a crash mark is a crash whatever its tooltip says", () => {
    const mark: TimelineMark = {
      seq: 1,
      atMs: 0,
      server: 'pause',
      kind: 'fault',
      term: 1,
      label: 'pause the leader (by crashing it)',
      action: 'crash',
    };
    expect(faultGlyph(mark.action)).toBe('crash');
    expect(faultGlyph(undefined)).toBeNull();
  });
});

describe('term colours', () => {
  test('every term badge keeps 7:1 against white (axe-core found term 3 at 2.49:1)', async () => {
    const { contrastOnWhite, termColor } = await import('../../../src/ui/termColor');
    for (let term = 1; term <= 40; term++) {
      const [, hue, lightness] = /hsl\((\d+) 70% (\d+)%\)/.exec(termColor(term))!;
      expect(contrastOnWhite(Number(hue), Number(lightness))).toBeGreaterThanOrEqual(7);
    }
    expect(termColor(3)).not.toBe(termColor(4));
  });
});
