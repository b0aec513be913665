/** `npm run bench:real`'s flags. */
import { parseArgs } from 'node:util';
import type { ServerTimings } from '../../src/adapters/cluster/protocol';
import { DISTRIBUTED_DEFAULTS } from '../../src/core/distributed/defaults';
import { SYSTEMS, type SystemName } from './protocol';

export interface RealBenchSettings {
  url: string;
  jobs: number;
  processes: number[];
  concurrency: number;
  systems: SystemName[];
  /** Failover and handover repetitions; 0 leaves that section out. */
  repeats: number;
  /** The coordinator's default timings times this factor, for the failover section. */
  timingScale: number;
  pollMs: number;
  capMs: number;
}

export const USAGE = `usage: npm run bench:real -- [options]
  --url URL             PostgreSQL (default postgres://postgres@127.0.0.1:5432/test)
  --jobs N              jobs per run, loaded before the workers start (default 5000)
  --processes LIST      worker process counts (default 1,2,4)
  --concurrency N       jobs at once per process (default 8)
  --systems LIST        of ours, graphile-worker, pg-boss (default all three)
  --repeats N           failover and handover repetitions, 0 for none (default 3)
  --timing-scale F      the failover cluster's timings: the defaults times F (default 1)
  --cap-seconds N       a throughput run stops after this long (default 900)`;

export function failoverTimings(scale: number): ServerTimings {
  const scaled = (ms: number) => Math.max(1, Math.round(ms * scale));
  return {
    heartbeatIntervalMs: scaled(DISTRIBUTED_DEFAULTS.heartbeatIntervalMs),
    leadershipTimeoutMs: scaled(DISTRIBUTED_DEFAULTS.leadershipTimeoutMs),
    claimLeaseMs: scaled(DISTRIBUTED_DEFAULTS.claimLeaseMs),
    pollIntervalMs: scaled(DISTRIBUTED_DEFAULTS.pollIntervalMs),
  };
}

export function parseRealBenchSettings(argv: readonly string[]): RealBenchSettings | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      help: { type: 'boolean' },
      url: { type: 'string' },
      jobs: { type: 'string' },
      processes: { type: 'string' },
      concurrency: { type: 'string' },
      systems: { type: 'string' },
      repeats: { type: 'string' },
      'timing-scale': { type: 'string' },
      'cap-seconds': { type: 'string' },
    },
  });
  if (values.help) return undefined;
  const systems = (values.systems ?? SYSTEMS.join(',')).split(',') as SystemName[];
  for (const system of systems)
    if (!SYSTEMS.includes(system)) throw new Error(`unknown system "${system}": ${SYSTEMS.join(', ')}`);
  return {
    url: values.url ?? 'postgres://postgres@127.0.0.1:5432/test',
    jobs: positive('jobs', values.jobs ?? '5000'),
    processes: (values.processes ?? '1,2,4').split(',').map((n) => positive('processes', n)),
    concurrency: positive('concurrency', values.concurrency ?? '8'),
    systems,
    repeats: Number(values.repeats ?? '3'),
    timingScale: Number(values['timing-scale'] ?? '1'),
    pollMs: 25,
    capMs: positive('cap-seconds', values['cap-seconds'] ?? '900') * 1_000,
  };
}

function positive(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${flag} wants a positive number, not "${text}"`);
  return value;
}
