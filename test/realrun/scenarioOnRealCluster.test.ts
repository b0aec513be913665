/**
 * The example scenario `leader-crash-failover.json` on a real cluster of three processes, at a tenth of
 * its times (a 15 s leadership timeout becomes 1.5 s, the 3 s reports 300 ms): the leader's SIGKILL, the
 * takeover, the restart, the jobs, all judged by the property suites' checkers. And what cannot map is
 * refused before any process starts, naming the action and why.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseScenarioJson } from '../../src/scenario/schema';
import { checkAll } from '../../src/verify/checkers';
import {
  openRunDatabase,
  planRealRun,
  runScenarioOnRealCluster,
  UnmappableScenarioError,
  type RealRunOutcome,
} from '../../src/realrun';
import { DATABASE_URL, requirePostgres } from '../adapters/support/postgres';

const scenarioFile = (path: string) => parseScenarioJson(readFileSync(path, 'utf8'), path);
const FAILOVER = scenarioFile('scenarios/leader-crash-failover.json');

function expectJudgedAndHeld(outcome: RealRunOutcome) {
  const reports = checkAll(outcome.result);
  expect(reports.filter((r) => !r.ok).map((r) => `${r.id}: ${r.violation?.message ?? '?'}`)).toEqual([]);
  const byId = new Map(reports.map((r) => [r.id, r]));
  // a starts first and leads; its crash is the one failover, measured.
  expect(byId.get('I5')!.measurements!.failoverMs).toHaveLength(1);
  expect(byId.get('I8')!.skipped).toBeUndefined();
  // 44 jobs asked for. b's 20 and c's 20 go to servers that live on, so all are accepted; a's 4, asked for
  // 100 ms (scaled) before its SIGKILL, may be cut short on a busy machine: an enqueue that never returned
  // was never accepted. Every accepted job is completed, once.
  const jobIdOf = (e: (typeof outcome.result.trace)[number]) => (e as { jobId?: string }).jobId;
  const enqueued = new Set(outcome.result.trace.filter((e) => e.type === 'enqueued').map(jobIdOf));
  const completed = outcome.result.trace.filter((e) => e.type === 'completed').map(jobIdOf);
  expect(enqueued.size).toBeGreaterThanOrEqual(40);
  expect(enqueued.size).toBeLessThanOrEqual(44);
  expect(completed).toHaveLength(enqueued.size);
  expect(new Set(completed)).toEqual(enqueued);
  expect(outcome.steps.map((s) => `${s.index} ${s.type} ${s.server} ${s.outcome}`)).toEqual([
    '0 enqueue b done',
    '1 enqueue a done',
    '2 crash a done',
    '3 enqueue c done',
    '4 restart a done',
  ]);
}

describe('a scenario file on a real cluster at scale 0.1', () => {
  test('leader-crash-failover on PostgreSQL: every invariant holds', async () => {
    await requirePostgres();
    const database = await openRunDatabase({ kind: 'postgres', url: DATABASE_URL });
    try {
      const outcome = await runScenarioOnRealCluster(FAILOVER, { database: database.config, scale: 0.1 });
      expect(outcome.plan.timings).toEqual({
        heartbeatIntervalMs: 500,
        leadershipTimeoutMs: 1_500,
        claimLeaseMs: 3_000,
        pollIntervalMs: 500,
      });
      expectJudgedAndHeld(outcome);
    } finally {
      await database.dispose();
    }
  }, 90_000);

  test('leader-crash-failover on a SQLite file: every invariant holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'realrun-'));
    try {
      const database = await openRunDatabase({ kind: 'sqlite', path: join(dir, 'run.sqlite') });
      const outcome = await runScenarioOnRealCluster(FAILOVER, { database: database.config, scale: 0.1 });
      expectJudgedAndHeld(outcome);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  test('what has no real counterpart is refused, naming the action, its type and why', () => {
    const scenario = scenarioFile('test/realrun/fixtures/unmappable.json');
    let error: unknown;
    try {
      planRealRun(scenario, 0.1, 'sqlite');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnmappableScenarioError);
    expect((error as UnmappableScenarioError).problems).toEqual([
      "action 1 (setHazards at 2000 ms): hazards are the simulation's; a real server has none",
      'action 2 (setDatabaseSkew at 3000 ms): the real database keeps its own clock; it cannot be set off',
      'action 3 (pause at 4000 ms): SIGSTOP on a SQLite file: a process stopped inside its transaction keeps the write lock, and nothing times it out',
      'action 4 (cutOff at 5000 ms): a SQLite file has no connection to cut; use PostgreSQL',
    ]);
    // On PostgreSQL a pause and a cut map; the hazards and the skew still do not.
    expect(() => planRealRun(scenario, 0.1, 'postgres')).toThrow(
      /action 1 \(setHazards at 2000 ms\)[^]*action 2 \(setDatabaseSkew[^]*$/,
    );
    expect(() => planRealRun(scenario, 0.001, 'postgres')).toThrow(/heartbeat interval becomes 5 ms/);
  });
});
