import type { FuzzCrash } from './harness';

/**
 * Crashes the fuzz suite found in code it does not own, each waiting for its fix: a case that ends in one
 * of them is counted and printed as a known failure instead of failing the run, so that the suite keeps
 * looking for new ones. Each entry says where the fault is and where it is tracked; remove it with the fix
 * (the suite then judges those cases again). Nothing else is ever skipped.
 */
export interface KnownFailure {
  id: string;
  /** Where it is tracked. */
  tracked: string;
  /** The fault and the file it is in. */
  fault: string;
  matches: (crash: FuzzCrash) => boolean;
}

const causeMessage = (crash: FuzzCrash) => (crash.cause instanceof Error ? crash.cause.message : '');

export const KNOWN_FAILURES: readonly KnownFailure[] = [
  {
    id: 'dispose-without-transport',
    tracked: 'issue 9 section 4 (no crash on any input), found by the fuzz suite; routed by the hub',
    fault:
      "src/sim/conductor/processes.ts Processes.end: `host.transport` is undefined when Conductor.dispose ends a server the heal restarted (TypeError: Cannot read properties of undefined (reading 'terminate')). Smallest case: scenarios/hazard-bad-crontab.json with a setHazards [] action at 0 ms, run with the heal",
    matches: (crash) => crash.stage === 'run' && /reading 'terminate'/.test(causeMessage(crash)),
  },
  {
    id: 'cron-quoted-whole',
    tracked: 'issue 9 section 4 (no crash on any input), found by the fuzz suite; routed by the hub',
    fault:
      'src/scenario/validation/crossChecks.ts cronProblem quotes the whole cron expression, and src/core/cron.ts quotes it again in its error: a 5 MB cron gives a 10 MB error message',
    matches: (crash) =>
      crash.stage === 'parse' &&
      /^a ScenarioError of \d+ characters$/.test(crash.what) &&
      /invalid cron expression/.test(causeMessage(crash)),
  },
  {
    id: 'schedule-key-recursion',
    tracked: 'issue 9 section 4 (no crash on any input), found by the fuzz suite; routed by the hub',
    fault:
      "src/scenario/validation/crossChecks.ts keyOf (the duplicate-schedule check) hands a schedule's raw params to src/core/scheduleKey.ts, whose JSON.stringify recurses: params nested about 5,000 deep in jobs[].schedules[] or an addSchedule throw RangeError: Maximum call stack size exceeded from parseScenarioJson, before the depth cap is reported",
    matches: (crash) =>
      crash.stage === 'parse' &&
      crash.cause instanceof RangeError &&
      /Maximum call stack/.test(crash.cause.message) &&
      /scheduleKey/.test(crash.cause.stack ?? ''),
  },
];

export function knownFailureOf(crash: FuzzCrash): KnownFailure | undefined {
  return KNOWN_FAILURES.find((known) => known.matches(crash));
}
