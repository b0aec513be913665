/** The real bench's printed report: the throughput table, then failover and handover against their bounds. */
import type { ServerTimings } from '../../src/adapters/cluster/protocol';
import { table } from '../textTable';
import type { FailoverResult } from './failover';
import type { ThroughputResult } from './throughput';

export function formatThroughput(results: readonly ThroughputResult[]): string {
  const graphile = new Map(
    results.filter((r) => r.system === 'graphile-worker').map((r) => [r.processes, r] as const),
  );
  const rows = results.map((r) => {
    const jobsPerSec = r.seconds === null ? null : r.jobs / r.seconds;
    const reference = graphile.get(r.processes);
    const referenceRate = reference?.seconds ? reference.jobs / reference.seconds : null;
    const ratio =
      r.system === 'ours' && jobsPerSec !== null && referenceRate ? jobsPerSec / referenceRate : null;
    return [
      r.system,
      String(r.processes),
      String(r.jobs),
      r.seconds === null ? 'capped' : r.seconds.toFixed(2),
      jobsPerSec === null ? '-' : jobsPerSec.toFixed(0),
      ratio === null ? '' : `${ratio.toFixed(2)}x`,
      r.ranTwice === 0 && r.neverRan === 0 && r.completedInTable === r.jobs
        ? 'each once'
        : `twice ${r.ranTwice}, never ${r.neverRan}, table ${r.completedInTable}`,
    ];
  });
  return table(
    [
      { header: 'system', align: 'left' },
      { header: 'processes' },
      { header: 'jobs' },
      { header: 'seconds' },
      { header: 'jobs/s' },
      { header: 'ours/graphile' },
      { header: 'runs', align: 'left' },
    ],
    rows,
  );
}

export function formatFailover(result: FailoverResult, timings: ServerTimings): string {
  const failoverBound = timings.leadershipTimeoutMs + timings.heartbeatIntervalMs;
  const row = (name: string, values: readonly number[], bound: string) => {
    const s = summary(values);
    return [name, String(values.length), s.min, s.median, s.max, bound];
  };
  return [
    `timings: heartbeat ${timings.heartbeatIntervalMs} ms, leadership timeout ${timings.leadershipTimeoutMs} ms, ` +
      `claim lease ${timings.claimLeaseMs} ms, poll ${timings.pollIntervalMs} ms; 3 servers`,
    table(
      [
        { header: 'measure', align: 'left' },
        { header: 'n' },
        { header: 'min ms' },
        { header: 'median ms' },
        { header: 'max ms' },
        { header: 'bound', align: 'left' },
      ],
      [
        row(
          'failover: last heartbeat -> elected (SIGKILL)',
          result.failoverMs,
          `${failoverBound} ms (timeout + interval)`,
        ),
        row('  SIGKILL sent -> elected', result.killToElectedMs, ''),
        row('handover: released -> elected (SIGTERM)', result.handoverMs, '1000 ms'),
      ],
    ),
  ].join('\n');
}

function summary(values: readonly number[]): { min: string; median: string; max: string } {
  if (values.length === 0) return { min: '-', median: '-', max: '-' };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    min: String(sorted[0]),
    median: String(sorted[Math.floor((sorted.length - 1) / 2)]),
    max: String(sorted[sorted.length - 1]),
  };
}
