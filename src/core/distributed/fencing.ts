import type { Hazards } from '../hazards.js';

/**
 * Fencing (Kleppmann's fencing token): every write a leader makes as leader carries its term, and the
 * database itself refuses one whose term is no longer the lease's, so a paused or cut-off leader can do no
 * harm when it comes back. This module is the whole concept: the triggers that refuse (installed by
 * migration 4), the error the refusal becomes, and the one decision about which term a write carries.
 */

/** The message the fencing triggers raise; the coordinator recognises it and steps down. */
export const FENCED_MESSAGE = 'FENCED: write under a stale leader term';

const fenceTrigger = (name: string, event: 'INSERT' | 'UPDATE', table: string) => `
  CREATE TRIGGER ${name} BEFORE ${event} ON ${table}
  WHEN NEW.term IS NOT NULL AND NEW.term IS NOT (SELECT term FROM leadJobCoordinators WHERE id = 1)
  BEGIN SELECT RAISE(ABORT, '${FENCED_MESSAGE}'); END`;

/** The triggers, one per table and write a leader makes as leader. A row without a term is let through. */
export const FENCE_TRIGGERS: readonly string[] = [
  fenceTrigger('distributedJobsFence', 'INSERT', 'distributedJobs'),
  fenceTrigger('jobCronTicksFence', 'INSERT', 'jobCronTicks'),
  fenceTrigger('jobSchedulesFenceInsert', 'INSERT', 'jobSchedules'),
  fenceTrigger('jobSchedulesFenceUpdate', 'UPDATE', 'jobSchedules'),
];

/**
 * The same fence on PostgreSQL: one trigger function and the same four triggers by name. The lease row is
 * read `FOR SHARE`, so a takeover (which updates that row) waits for a write already let through to
 * commit, and no write under the old term lands after the new term began.
 */
export const FENCE_TRIGGERS_POSTGRES: readonly string[] = [
  `CREATE OR REPLACE FUNCTION jobFence() RETURNS trigger LANGUAGE plpgsql AS $fence$
  BEGIN
    IF NEW.term IS NOT NULL THEN
      IF NEW.term IS DISTINCT FROM (SELECT term FROM leadJobCoordinators WHERE id = 1 FOR SHARE) THEN
        RAISE EXCEPTION '${FENCED_MESSAGE}';
      END IF;
    END IF;
    RETURN NEW;
  END $fence$`,
  ...(
    [
      ['distributedJobsFence', 'INSERT', 'distributedJobs'],
      ['jobCronTicksFence', 'INSERT', 'jobCronTicks'],
      ['jobSchedulesFenceInsert', 'INSERT', 'jobSchedules'],
      ['jobSchedulesFenceUpdate', 'UPDATE', 'jobSchedules'],
    ] as const
  ).map(
    ([name, event, table]) =>
      `CREATE TRIGGER ${name} BEFORE ${event} ON ${table} FOR EACH ROW EXECUTE FUNCTION jobFence()`,
  ),
];

/**
 * A leader's write under a term that is no longer current: the database refused it. The writer has been
 * deposed and must step down at once.
 */
export class FencedWriteError extends Error {
  override name = 'FencedWriteError';
  constructor(
    readonly term: number,
    readonly what: string,
  ) {
    super(`fenced: ${what} under term ${term} refused, a newer term has begun`);
  }
}

/** Turns the fencing triggers' refusal into a FencedWriteError; other errors pass through unchanged. */
export function asFenced(error: unknown, term: number, what: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  return message.includes(FENCED_MESSAGE) ? new FencedWriteError(term, what) : error;
}

/**
 * Whether this server's leader writes are fenced. Hazard H4 (the reference) is read here and nowhere else:
 * its writes carry no term and its heartbeat renews the lease without checking it.
 */
export function isFenced(hazards: Readonly<Hazards>): boolean {
  return !hazards.noFencing;
}

/** The term a leader's write carries: its own, or none (which the triggers let through) under hazard H4. */
export function writeTerm(term: number, hazards: Readonly<Hazards>): number | null {
  return isFenced(hazards) ? term : null;
}
