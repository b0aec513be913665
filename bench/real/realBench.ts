/**
 * The real bench (`npm run bench:real`, run.ts): our DistributedJobCoordinator on PostgresDatabase in real processes, side by side
 * with graphile-worker 0.16 and pg-boss 10 on the same PostgreSQL (each system in a schema of its own,
 * created and dropped per run), then failover and handover of our leader on a real 3-server cluster.
 * It prints figures and whether every job ran exactly once; it asserts nothing about time.
 */
import { progress } from '../progress';
import { measureFailover } from './failover';
import { formatFailover, formatThroughput } from './format';
import { failoverTimings, type RealBenchSettings } from './settings';
import { measureThroughput, type ThroughputResult } from './throughput';

export interface RealBenchReport {
  throughput: ThroughputResult[];
  text: string;
}

/** The whole bench; the test runs it on a tiny size. */
export async function runRealBench(
  settings: RealBenchSettings,
  say: (line: string) => void = progress,
): Promise<RealBenchReport> {
  const throughput: ThroughputResult[] = [];
  for (const processes of settings.processes) {
    for (const system of settings.systems) {
      say(`${system}, ${processes} process(es), ${settings.jobs} jobs ...`);
      throughput.push(
        await measureThroughput({
          system,
          url: settings.url,
          processes,
          jobs: settings.jobs,
          concurrency: settings.concurrency,
          pollMs: settings.pollMs,
          capMs: settings.capMs,
        }),
      );
    }
  }
  const sections = [
    `Throughput: jobs loaded first, then ${settings.processes.join('/')} worker processes at concurrency ${settings.concurrency}; timed from 'go' until the system's tables show every job completed`,
    formatThroughput(throughput),
  ];
  if (settings.repeats > 0) {
    const timings = failoverTimings(settings.timingScale);
    say(`failover and handover, ${settings.repeats} times ...`);
    const failover = await measureFailover({ url: settings.url, timings, repeats: settings.repeats });
    sections.push('', 'Failover and handover of our leader', formatFailover(failover, timings));
  }
  return { throughput, text: sections.join('\n') };
}
