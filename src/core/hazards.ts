import { InvalidOptionError } from './errors.js';

/**
 * The reference implementation's weaknesses, each one a switch that puts its behaviour back.
 * All are off by default; the playground and the property suite switch them on to show what breaks.
 * H14 (two single-server coordinators on one application) is not a switch: it is simply a deployment
 * of several `SingleServerJobCoordinator` servers without the distributed mode.
 *
 * A coordinator's record is switched in place while it runs, so each switch is read where it acts, at the
 * moment it acts, and nowhere else:
 *
 * - H1  distributed/leaderElection.ts: `release()` writes the nulls, `tryToLead()` trips on them.
 * - H2  distributed/leaderElection.ts: `heartbeatValue()`.
 * - H3  distributed/leaderElection.ts: `tryToLead()` picks the lease arithmetic (leaseArithmetic.ts);
 *       distributed/databaseJobSource.ts: `claimOrder()` (the reference also orders claims by whole seconds).
 * - H4  distributed/fencing.ts: `isFenced()` (the term a write carries, and the unfenced heartbeat).
 * - H5  distributed/leaderElection.ts: `stepsDownLate`.
 * - H6  coordinatorBase.ts: `replaysMissedTicks`, handed to both tick ledgers.
 * - H7  distributed/distributedJobCoordinator.ts: `startScheduler()` picks the ledger at each election.
 * - H8  distributed/databaseJobSource.ts: `take()` (delete instead of claim), `startRenewing()`.
 * - H9  distributed/databaseJobSource.ts: `take()` (only with a permit); the coordinator's
 *       `referenceTick()` grants one per election tick.
 * - H10 distributed/distributedJobCoordinator.ts: `enqueue()` keeps the job in memory, `referenceTick()`
 *       distributes all but one (distributed/localQueueFirst.ts).
 * - H11 coordinatorBase.ts: `dropsFailures`, handed to every job source.
 * - H12 distributed/distributedJobCoordinator.ts: the constructor hands it to serverLock.ts.
 * - H13 coordinatorBase.ts: the constructor tells the JobRegistry to accept a bad cron.
 */
export const HAZARDS = {
  nullHeartbeatAfterRelease: {
    code: 'H1',
    title: 'Null heartbeat after release',
    effect:
      'A graceful stop writes nulls to the lease; every later election throws and no server leads again.',
  },
  localClockHeartbeat: {
    code: 'H2',
    title: 'Local-clock heartbeat',
    effect: "The lease is written with the server's own clock but compared with the database's.",
  },
  wholeSecondLease: {
    code: 'H3',
    title: 'Whole-second lease arithmetic',
    effect: 'The lease is compared in whole seconds: the 15 s timeout is really up to 16 s.',
  },
  noFencing: {
    code: 'H4',
    title: 'No fencing',
    effect:
      "A deposed leader's writes are not refused: jobs it schedules after it was replaced land in the new leader's term (the tick record still keeps each tick to one job, unless H7 is on too).",
  },
  lateStepDown: {
    code: 'H5',
    title: 'Late step-down',
    effect: 'A deposed leader keeps its scheduler running until its next tick.',
  },
  replayMissedTicks: {
    code: 'H6',
    title: 'Paused scheduler replays missed seconds',
    effect:
      'After a stall the scheduler fires every tick it missed, ignoring the misfire policy (the tick record still refuses ticks another leader fired, unless H7 is on too).',
  },
  noTickRecord: {
    code: 'H7',
    title: 'No tick record',
    effect:
      "The scheduler keeps ticks on its own clock, unrecorded: a new leader loses the failover gap's ticks, a clock set back fires ticks again.",
  },
  deleteOnClaim: {
    code: 'H8',
    title: 'Delete on claim',
    effect: 'A claimed job is deleted before it runs: a server that dies after claiming loses it.',
  },
  oneClaimPerTick: {
    code: 'H9',
    title: 'One claim per tick',
    effect: 'Each server claims at most one job per election tick, and only when idle.',
  },
  distributeKeepsOne: {
    code: 'H10',
    title: 'Distribute keeps one',
    effect: 'Jobs go to the shared table only while more than one waits locally.',
  },
  droppedFailures: {
    code: 'H11',
    title: 'Dropped failures',
    effect: 'A job that throws is logged and dropped: no retry, no backoff.',
  },
  lockWaitersInheritErrors: {
    code: 'H12',
    title: 'Lock waiters inherit errors',
    effect: "When the lock holder throws, every queued waiter fails with the holder's error.",
  },
  crashOnBadCrontab: {
    code: 'H13',
    title: 'Crash on bad crontab',
    effect: 'An invalid cron expression is accepted and kills the server when its scheduler reaches it.',
  },
} as const satisfies Record<string, { code: string; title: string; effect: string }>;

export type HazardName = keyof typeof HAZARDS;
export type HazardCode = (typeof HAZARDS)[HazardName]['code'];

/** Which hazards are on. Accepts names or codes: `['noFencing', 'H5']`, or a record of booleans. */
export type HazardSelection = readonly (HazardName | HazardCode)[] | Partial<Record<HazardName, boolean>>;

/** Which hazards are on. A coordinator's record changes in place when `setHazards` is called. */
export type Hazards = Record<HazardName, boolean>;

/** The names of the hazards that are on, in code order. */
export function hazardsOn(hazards: Readonly<Hazards>): HazardName[] {
  return (Object.keys(HAZARDS) as HazardName[]).filter((name) => hazards[name]);
}

const byCode = new Map<string, HazardName>(
  (Object.keys(HAZARDS) as HazardName[]).map((name) => [HAZARDS[name].code, name]),
);

export function resolveHazards(selection: HazardSelection | undefined): Hazards {
  const hazards = Object.fromEntries(Object.keys(HAZARDS).map((name) => [name, false])) as Record<
    HazardName,
    boolean
  >;
  if (!selection) return hazards;
  const entries: [string, boolean][] = Array.isArray(selection)
    ? (selection as readonly string[]).map((key) => [key, true])
    : Object.entries(selection as Record<string, boolean>);
  for (const [key, on] of entries) {
    const name = key in HAZARDS ? (key as HazardName) : byCode.get(key);
    if (!name) {
      throw new InvalidOptionError(
        `hazards: unknown hazard "${key}"; known: ${Object.keys(HAZARDS).join(', ')} (or H1-H13)`,
      );
    }
    hazards[name] = on;
  }
  return hazards;
}
