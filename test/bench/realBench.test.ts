/**
 * `npm run bench:real`'s own code path on a tiny size: real worker processes of each system on the real
 * PostgreSQL, then one failover and one handover on scaled timings. Only correctness is asserted (every job
 * ran exactly once and the tables agree, the report has its rows); the figures are not, on a shared machine.
 */
import { describe, expect, it } from 'vitest';
import { runRealBench } from '../../bench/real/realBench';
import { requirePostgres, DATABASE_URL } from '../adapters/support/postgres';

describe('the real bench', () => {
  it('runs every system once per job and prints every row, failover and handover included', async () => {
    await requirePostgres();
    const jobs = 80;
    const report = await runRealBench(
      {
        url: DATABASE_URL,
        jobs,
        processes: [1],
        concurrency: 8,
        systems: ['ours', 'graphile-worker', 'pg-boss'],
        repeats: 1,
        timingScale: 0.1,
        pollMs: 25,
        capMs: 60_000,
      },
      () => undefined,
    );

    expect(report.throughput.map((r) => r.system)).toEqual(['ours', 'graphile-worker', 'pg-boss']);
    for (const result of report.throughput) {
      expect(result, result.system).toMatchObject({ processes: 1, jobs, completedInTable: jobs });
      expect(result.seconds, result.system).not.toBeNull();
      expect({ twice: result.ranTwice, never: result.neverRan }, result.system).toEqual({
        twice: 0,
        never: 0,
      });
    }
    const lines = report.text.split('\n');
    for (const system of ['ours', 'graphile-worker', 'pg-boss'])
      expect(lines.some((line) => line.startsWith(`${system} `) && line.includes('each once'))).toBe(true);
    // Ours is compared with graphile-worker at the same process count.
    expect(lines.find((line) => line.startsWith('ours '))).toMatch(/\d\.\d\dx/);
    expect(report.text).toContain('heartbeat 500 ms, leadership timeout 1500 ms');
    expect(lines.find((line) => line.startsWith('failover:'))).toMatch(/ 1 +\d+ +\d+ +\d+ +2000 ms/);
    expect(lines.find((line) => line.startsWith('handover:'))).toMatch(/ 1 +\d+ +\d+ +\d+ +1000 ms/);
  }, 120_000);
});
