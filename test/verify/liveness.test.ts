/**
 * I8 leadership liveness and the leader losses I5 now counts, on real runs (the real conductor, real
 * sql.js): the runs of issues 9 and 15 that lost their leader for good and passed every invariant, and a
 * property that, with every hazard off, I8 holds and its measurements make sense.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/simulate';
import { scenarioArbitrary } from '../../src/scenario/arbitraries/scenarioArbitrary';
import { parseScenarioJson } from '../../src/scenario/schema';
import { checkScenario } from '../../src/verify/properties';
import type { InvariantReport } from '../../src/verify/checkers';

const FIXTURES = join(import.meta.dirname, 'fixtures/liveness');
const RELEASE_WHILE_CUT_OFF = join(FIXTURES, 'h1-release-while-follower-cut-off.json');
const SINGLE_SERVER_RESTART = join(FIXTURES, 'h1-single-server-restart.json');
const BAD_CRONTAB = join(import.meta.dirname, '../../scenarios/hazard-bad-crontab.json');

async function reportsOf(file: string): Promise<Map<string, InvariantReport>> {
  const { reports } = await checkScenario(parseScenarioJson(readFileSync(file, 'utf8'), file));
  return new Map(reports.map((report) => [report.id, report]));
}

/** The CLI on a file: its exit status and what it printed. */
async function simulate(file: string): Promise<{ status: number; text: string }> {
  const out: string[] = [];
  let wall = 0;
  const io = { out: (t: string) => out.push(t), err: () => {}, errIsTty: false, now: () => (wall += 5) };
  const status = await main([file], io);
  return { status, text: out.join('') };
}

describe('runs that lose their leader for good', () => {
  test('H1: the leader stops while the only follower is cut off; after the heal nobody leads: I8 fails, the CLI exits 1', async () => {
    const reports = await reportsOf(RELEASE_WHILE_CUT_OFF);
    // The precondition of the bug: a released, and I6 could not judge it (b was cut off then).
    expect(reports.get('I6')).toMatchObject({
      ok: true,
      precondition: 'judgeableRelease',
      measurements: { releases: 1 },
    });
    const i8 = reports.get('I8')!;
    expect(i8.ok).toBe(false);
    expect(i8.violation?.message).toMatch(
      /^nobody led once the faults ended at \d+, though [ab] could lead .*: nobody led again before the run ended/,
    );
    // The whole liveness phase (55 s: no attempt can fail, so no retries to wait for).
    expect(i8.measurements?.leaderlessAfterFaultsMs).toBeGreaterThan(50_000);

    const { status, text } = await simulate(RELEASE_WHILE_CUT_OFF);
    expect(text).toContain('  FAIL  I8  leadership liveness');
    expect(status).toBe(1);
  });

  test('H1 with one distributed server: it releases at 16 s, restarts at 33 s and never leads again: I8 fails', async () => {
    const reports = await reportsOf(SINGLE_SERVER_RESTART);
    expect(reports.get('I6')).toMatchObject({ ok: true, measurements: { releases: 1 } });
    expect(reports.get('I5')).toMatchObject({ ok: true, precondition: 'leaderLoss' });
    const i8 = reports.get('I8')!;
    expect(i8.ok).toBe(false);
    expect(i8.violation?.message).toMatch(/though a could lead .*nobody led again before the run ended/);
  });

  test('H13 (hazard-bad-crontab.json): each leader dies by itself; I5 counts and judges those losses, I8 fails: no server left up', async () => {
    const reports = await reportsOf(BAD_CRONTAB);
    const i5 = reports.get('I5')!;
    expect(i5.skipped).toBeUndefined();
    expect(i5.measurements?.leaderLosses).toBeGreaterThan(0);
    expect(i5.measurements?.ownDeaths).toBe(i5.measurements?.leaderLosses);
    expect((i5.measurements?.failoverMs as number[]).length).toBeGreaterThan(0);
    // The heal restarts every server once; each new leader dies in turn, and the run ends with none up.
    const i8 = reports.get('I8')!;
    expect(i8.ok).toBe(false);
    expect(i8.violation?.message).toMatch(/^no server is left up: [abc], [abc], [abc] died by themselves/);
    expect(i8.violation?.message).toContain('InvalidCronError');
    expect((await simulate(BAD_CRONTAB)).status).toBe(1);
  });
});

describe('I8 with every hazard off', () => {
  test('holds on 100 generated scenarios, and its measurements make sense', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary(), async (scenario) => {
        const { reports } = await checkScenario(scenario);
        const i8 = reports.find((report) => report.id === 'I8')!;
        expect(i8.violation?.message).toBeUndefined();
        expect(i8.ok).toBe(true);
        const { leaderlessMs, longestLeaderlessMs, leaderlessAfterFaultsMs, boundMs } =
          i8.measurements as Record<string, number>;
        expect(boundMs).toBeGreaterThan(0);
        expect(longestLeaderlessMs).toBeGreaterThanOrEqual(0);
        expect(longestLeaderlessMs).toBeLessThanOrEqual(leaderlessMs!);
        expect(leaderlessAfterFaultsMs).toBeLessThanOrEqual(leaderlessMs!);
        // Healed with a server that can lead: judged, and a leader came back within the bound.
        if (i8.skipped === undefined) expect(leaderlessAfterFaultsMs).toBeLessThanOrEqual(boundMs!);
        else expect(i8.precondition).toBe('candidateAfterFaults');
      }),
      { numRuns: 100, seed: 20_260_915 },
    );
  }, 400_000);
});
