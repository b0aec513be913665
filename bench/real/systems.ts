import type { BenchSystem } from './benchSystem';
import { graphileWorkerSystem } from './graphileWorkerSystem';
import { ourSystem } from './ourSystem';
import { pgBossSystem } from './pgBossSystem';
import type { SystemName } from './protocol';

const BY_NAME: Record<SystemName, BenchSystem> = {
  ours: ourSystem,
  'graphile-worker': graphileWorkerSystem,
  'pg-boss': pgBossSystem,
};

export function systemNamed(name: SystemName): BenchSystem {
  return BY_NAME[name];
}
