import { describeError } from '../errors.js';
import type { Emitter } from '../events.js';
import type { Hazards } from '../hazards.js';
import type { Clock, Database } from '../ports.js';
import { Sleeper } from '../sleeper.js';
import { isFenced } from './fencing.js';
import { EXACT_LEASE, WHOLE_SECOND_LEASE } from './leaseArithmetic.js';
import type { Locked } from './serverLock.js';
import { SELECT_DB_NOW } from './sql/clockSql.js';
import {
  insertFirstLease,
  RELEASE_LEASE,
  RELEASE_LEASE_WITH_NULLS,
  renewLease,
  renewLeaseUnfenced,
  SELECT_HOLDER,
  SELECT_LEASE,
  takeOverLease,
  type HeartbeatExpression,
} from './sql/leaseSql.js';
import { queryRows, runStatement } from './sql/statement.js';
import { CHANNELS } from './sql/tables.js';

export const LEADER_CHANNEL = CHANNELS.leader;

export interface LeaderElectionOptions {
  database: Database;
  locked: Locked;
  clock: Clock;
  events: Emitter;
  serverId: string;
  /** How often the leader renews its lease and followers look at it. Default 5 s. */
  heartbeatIntervalMs: number;
  /** A lease not renewed for longer than this may be taken over. Default 15 s. */
  leadershipTimeoutMs: number;
  hazards: Hazards;
  onElected(term: number): void;
  onDeposed(term: number, reason: string): void;
  /** Work the reference does once per election tick (hazards H9 and H10). */
  onTick?(): Promise<void>;
}

/**
 * Leader election through the `leadJobCoordinators` row: one holder, its last heartbeat and a term.
 *
 * The lease is written and compared on the database's clock in milliseconds, so servers' clocks do not
 * matter. Taking it over is a compare-and-set on the term, and every new leader gets a higher term that
 * fences its writes. The leader steps down the moment a heartbeat fails or finds the lease gone.
 * Followers look every heartbeat interval, and also exactly when the current lease runs out, so a crashed
 * leader is replaced just after the timeout rather than up to one interval later. A graceful stop frees
 * the lease and notifies the others, who take over at once.
 */
export class LeaderElection {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly sleeper: Sleeper;
  private unlisten: (() => void) | undefined;
  private leading = false;
  private currentTerm: number | null = null;
  /** Hazard H5: the deposition noticed at this tick takes effect at the next. */
  private pendingStepDown: string | undefined;
  /** A leader released the lease (its notification woke this loop): the next look goes straight to it. */
  private heardRelease = false;

  constructor(private readonly options: LeaderElectionOptions) {
    this.sleeper = new Sleeper(options.clock);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get term(): number | null {
    return this.leading ? this.currentTerm : null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unlisten = this.options.database.listen(LEADER_CHANNEL, () => {
      this.heardRelease = true;
      this.sleeper.wake();
    });
    this.loop = this.run();
  }

  /** Stops the loop; a leader frees its lease so that another server takes over at once. */
  async stop(): Promise<boolean> {
    if (!this.running) return false;
    this.running = false;
    this.unlisten?.();
    this.sleeper.wake();
    await this.loop;
    if (!this.leading) return false;
    const term = this.currentTerm!;
    this.leading = false;
    try {
      await this.release(term);
      this.options.events.emit({ type: 'released', term });
      return true;
    } catch (error) {
      this.options.events.emit({ type: 'error', where: 'release', error: describeError(error) });
      return false;
    }
  }

  /** Stops without touching the database, as a dying process would. */
  halt(): void {
    this.running = false;
    this.unlisten?.();
    this.sleeper.wake();
    this.leading = false;
  }

  /**
   * Called when a fenced write was refused: step down now (under H5, at the next tick). Returns whether
   * the scheduler that made the write should stop now.
   */
  deposedByFencing(reason: string): boolean {
    if (this.leading) {
      if (this.stepsDownLate) this.pendingStepDown ??= reason;
      else this.stepDown(reason);
    }
    return !this.stepsDownLate;
  }

  /**
   * Hazard H5's one site: the reference notices a lost lease at one election tick and acts at the next,
   * and a failed heartbeat does not make it step down at all.
   */
  private get stepsDownLate(): boolean {
    return this.options.hazards.lateStepDown;
  }

  private async run(): Promise<void> {
    const { heartbeatIntervalMs, events } = this.options;
    while (this.running) {
      let sleepMs = heartbeatIntervalMs;
      try {
        if (this.pendingStepDown !== undefined) {
          this.stepDown(this.pendingStepDown);
          this.pendingStepDown = undefined;
        }
        if (this.leading) {
          await this.heartbeat();
          // Deposed just now: look at the lease again at once, as a follower. Found by the soak: the
          // release that woke this server found it still leading, so the wake went to a heartbeat, and
          // after stepping down it slept a whole interval while the lease lay free.
          if (!this.leading) sleepMs = 0;
        } else {
          sleepMs = await this.tryToLead();
        }
      } catch (error) {
        events.emit({ type: 'error', where: 'election', error: describeError(error) });
        if (this.leading && !this.stepsDownLate) this.stepDown(`heartbeat failed: ${describeError(error)}`);
      }
      if (!this.running) break;
      try {
        await this.options.onTick?.();
      } catch (error) {
        events.emit({ type: 'error', where: 'tick', error: describeError(error) });
      }
      if (!this.running) break;
      await this.sleeper.sleep(sleepMs);
    }
  }

  /** The value written as the heartbeat: the database's clock, or the server's own under hazard H2. */
  private heartbeatValue(): { sql: HeartbeatExpression; params: number[] } {
    return this.options.hazards.localClockHeartbeat
      ? { sql: '?', params: [this.options.clock.now()] }
      : { sql: 'db_now_ms()', params: [] };
  }

  private async heartbeat(): Promise<void> {
    const { database, serverId, hazards, events } = this.options;
    const term = this.currentTerm!;
    const value = this.heartbeatValue();
    let renewed: boolean;
    if (isFenced(hazards)) {
      const { changes } = await runStatement(database, renewLease(value.sql), [
        ...value.params,
        term,
        serverId,
      ]);
      renewed = changes === 1;
    } else {
      // The reference: an unlocked read, then an unconditional update.
      const rows = await queryRows(database, SELECT_HOLDER);
      renewed = rows[0]?.jobCoordinatorId === serverId;
      if (renewed) await runStatement(database, renewLeaseUnfenced(value.sql), value.params);
    }
    if (renewed) {
      events.emit({ type: 'heartbeat', term });
    } else if (this.stepsDownLate) {
      this.pendingStepDown ??= 'the lease names another server';
    } else {
      this.stepDown('the lease names another server');
    }
  }

  /** Takes the lease when it is free or expired. Returns how long to sleep before looking again. */
  private async tryToLead(): Promise<number> {
    const { locked, serverId, heartbeatIntervalMs, hazards } = this.options;
    const heardRelease = this.heardRelease;
    this.heardRelease = false;
    if (!this.looksAsTheReference && !heardRelease) {
      const held = await this.heldByAnother();
      if (held !== undefined) return held;
    }
    const value = this.heartbeatValue();
    const outcome = await locked(async (tx) => {
      const row = (await queryRows(tx, SELECT_LEASE))[0];
      if (!row) {
        await runStatement(tx, insertFirstLease(value.sql), [serverId, ...value.params]);
        const now = Number((await queryRows(tx, SELECT_DB_NOW))[0]!.now);
        return { elected: true as const, term: 1, now, previousHolder: null, previousHeartbeatAt: null };
      }
      const now = Number(row.now);
      const holder = row.jobCoordinatorId as string | null;
      const heartbeat = row.lastHeartbeatAt as number | null;
      const term = Number(row.term);
      if (heartbeat === null && hazards.nullHeartbeatAfterRelease) {
        // The reference subtracts a timestamp parsed from null and throws, on every tick, forever.
        throw new TypeError('cannot compare the lease: lastHeartbeatAt is null');
      }
      const lease = hazards.wholeSecondLease ? WHOLE_SECOND_LEASE : EXACT_LEASE;
      const untilExpiryMs = this.heldFor(lease, holder, heartbeat, now);
      if (untilExpiryMs !== undefined) return { elected: false as const, untilExpiryMs };
      const { changes } = await runStatement(tx, takeOverLease(value.sql), [serverId, ...value.params, term]);
      if (changes !== 1) return { elected: false as const, untilExpiryMs: heartbeatIntervalMs };
      return {
        elected: true as const,
        term: term + 1,
        now,
        previousHolder: holder,
        previousHeartbeatAt: heartbeat,
      };
    });
    if (!outcome.elected) return Math.max(1, Math.min(heartbeatIntervalMs, outcome.untilExpiryMs));
    this.leading = true;
    this.currentTerm = outcome.term;
    this.options.events.emit({
      type: 'elected',
      term: outcome.term,
      dbNow: outcome.now,
      previousHolder: outcome.previousHolder,
      previousHeartbeatAt: outcome.previousHeartbeatAt,
    });
    this.options.onElected(outcome.term);
    return heartbeatIntervalMs;
  }

  /**
   * The reference reads the lease in a transaction at every look. Any hazard of the election (H1-H5) or
   * of the lock its transaction queues on (H12) keeps that, so that the hazard plays out as it does there.
   */
  private get looksAsTheReference(): boolean {
    const h = this.options.hazards;
    return (
      h.nullHeartbeatAfterRelease ||
      h.localClockHeartbeat ||
      h.wholeSecondLease ||
      h.noFencing ||
      h.lateStepDown ||
      h.lockWaitersInheritErrors
    );
  }

  /**
   * Almost every follower's look finds a live leader: one read outside a transaction tells that, and how
   * long the lease has left (3 statements a look before: BEGIN, the read, COMMIT). Anything else (no
   * row, no holder, this server, a lapsed lease, hazard H1's nulls) is read again in the transaction that
   * may take it over, so the decision to take over is made there as before. A look woken by a release's
   * notification goes straight to the transaction: the lease is most likely free, and the handover is one
   * round trip shorter. Returns the sleep, or undefined for the transaction.
   */
  private async heldByAnother(): Promise<number | undefined> {
    const row = (await queryRows(this.options.database, SELECT_LEASE))[0];
    if (!row) return undefined;
    // Exact arithmetic: under H3's whole seconds every look is the reference's transaction.
    const untilExpiryMs = this.heldFor(
      EXACT_LEASE,
      row.jobCoordinatorId as string | null,
      row.lastHeartbeatAt as number | null,
      Number(row.now),
    );
    return untilExpiryMs === undefined
      ? undefined
      : Math.max(1, Math.min(this.options.heartbeatIntervalMs, untilExpiryMs));
  }

  /**
   * How long the lease has left when another server holds it and it has not lapsed; undefined when it
   * is free to take (no holder, this server, no heartbeat, or past the leadership timeout).
   */
  private heldFor(
    lease: typeof EXACT_LEASE,
    holder: string | null,
    heartbeat: number | null,
    now: number,
  ): number | undefined {
    const { serverId, leadershipTimeoutMs } = this.options;
    if (holder === null || holder === serverId || heartbeat === null) return undefined;
    if (lease.elapsed(now, heartbeat) > leadershipTimeoutMs) return undefined;
    return lease.untilExpiry(now, heartbeat, leadershipTimeoutMs);
  }

  private async release(term: number): Promise<void> {
    const { database, serverId, hazards } = this.options;
    if (hazards.nullHeartbeatAfterRelease) {
      await runStatement(database, RELEASE_LEASE_WITH_NULLS, [serverId]);
      return;
    }
    await database.lock(async (tx) => {
      await runStatement(tx, RELEASE_LEASE, [term, serverId]);
      await tx.notify(LEADER_CHANNEL);
    });
  }

  private stepDown(reason: string): void {
    if (!this.leading) return;
    const term = this.currentTerm!;
    this.leading = false;
    this.options.events.emit({ type: 'steppedDown', term, reason });
    this.options.onDeposed(term, reason);
  }
}
