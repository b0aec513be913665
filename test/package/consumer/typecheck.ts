// Compiled with tsc --noEmit under NodeNext and under bundler resolution, strict, exactOptionalPropertyTypes,
// and no DOM lib: every entry point's types as a consumer sees them.
import {
  DistributedJobCoordinator,
  defineJob,
  type Clock,
  type DistributedJobCoordinatorOptions,
  type JobContext,
} from 'coordinator-playground';
import { SharedSqlJsDatabase, loadSqlJs } from 'coordinator-playground/db';
import { runScenario, type RunOptions, type RunResult } from 'coordinator-playground/sim';
import { parseScenarioJson, scenarioArbitrary, type Scenario } from 'coordinator-playground/scenario';
import { assertInvariants, checkAll, type AssertSummary } from 'coordinator-playground/verify';
import { FaultableClock, TestCluster, VirtualTime } from 'coordinator-playground/testing';
import { EXIT, type SimulationReport } from 'coordinator-playground/cli';
// Without pg or better-sqlite3 installed: the databases have entry points of their own.
import { CryptoEntropy, SystemClock } from 'coordinator-playground/adapters';

const job = defineJob({
  name: 'send',
  async run(params: Record<string, unknown>, context: JobContext) {
    await context.sleep(10);
    void params;
  },
});
const options: RunOptions = { seed: 1, untilMs: undefined };
export async function check(text: string): Promise<AssertSummary> {
  const scenario: Scenario = parseScenarioJson(text, 'mine.json');
  const result: RunResult = await runScenario(scenario, options);
  const failed: number = checkAll(result).filter((report) => !report.ok).length;
  void failed;
  return assertInvariants(scenarioArbitrary(), { numRuns: 5, timeLimitMs: undefined });
}
export async function cluster(): Promise<string[]> {
  const c = await TestCluster.create({ jobs: [job], seed: undefined });
  await c.addServer('a', { offsetMs: 5 });
  await c.run(1_000);
  return c.leaders();
}
export const clockType: Clock = new FaultableClock(
  {
    now: () => 0,
    setTimer: () => () => {},
    setOffset: () => {},
    jump: () => {},
    offset: () => 0,
    setRate: () => {},
    rate: () => 1,
  },
  new VirtualTime(0),
);
export type Distributed = DistributedJobCoordinatorOptions;
export const coordinatorClass: typeof DistributedJobCoordinator = DistributedJobCoordinator;
export const opened: Promise<SharedSqlJsDatabase> = loadSqlJs().then((sqlJs) =>
  SharedSqlJsDatabase.open({ clock: { now: () => 0 } as never, sqlJs }),
);
export const exitOk: number = EXIT.ok;
export function version(report: SimulationReport): 1 {
  return report.schemaVersion;
}
export const realClock: Clock = new SystemClock();
export const realEntropy = new CryptoEntropy();
