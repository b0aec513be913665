import { describeError } from '../errors.js';
import type { Emitter } from '../events.js';
import type { Hazards } from '../hazards.js';
import type { ClaimedJob, JobSource, TakeResult } from '../jobSource.js';
import type { Clock, Database, Entropy, Transaction } from '../ports.js';
import { Sleeper } from '../sleeper.js';
import { CompletionBatch } from './completionBatch.js';
import { parseParams, toClaim, type DatabaseClaim } from './claimRows.js';
import { insertFailedCopy, insertReleasedCopy, takeByDeleting } from './deleteOnClaim.js';
import { OwnWorkFirst } from './ownWorkFirst.js';
import type { Locked } from './serverLock.js';
import { SELECT_DB_NOW } from './sql/clockSql.js';
import {
  CLAIM_ORDER,
  claimDue,
  DELETE_FAILED,
  FAIL_CLAIM,
  MARK_UNREADABLE_DEAD,
  RECLAIM_EXPIRED,
  RELEASE_CLAIM,
  renewClaims,
  SELECT_CLAIM_PROBE,
  SELECT_EXPIRED_CLAIMS,
  SELECT_NEXT_DUE,
  type ClaimOrder,
} from './sql/distributedJobsSql.js';
import { queryRows, runStatement } from './sql/statement.js';
import { CHANNELS } from './sql/tables.js';

/** Notified whenever the shared table gains due work. */
export const JOBS_CHANNEL = CHANNELS.jobs;

export interface DatabaseJobSourceOptions {
  database: Database;
  locked: Locked;
  clock: Clock;
  entropy: Entropy;
  events: Emitter;
  serverId: string;
  /** How long a claim stays valid without renewal. Renewed every third of it. Default 30 s. */
  claimLeaseMs: number;
  /** Read where each hazard of the claim acts: H3 (claim order), H8 (delete on claim), H9 (one per tick). */
  hazards: Readonly<Hazards>;
  /** Hazard H11, read at each failure. */
  dropFailures: () => boolean;
}

/**
 * Jobs claimed from the shared `distributedJobs` table.
 *
 * A claim is one atomic update under the database lock that marks a batch of due rows as this server's,
 * each with a fresh token and a lease that this server renews while the job runs. Completion and failure
 * count only with the current token. A claim whose lease lapsed (its server died, paused or was cut off)
 * goes back to the queue at the next claim by anyone, so the job runs again elsewhere: at-least-once
 * execution, while no job is ever held by two live claims.
 */
export class DatabaseJobSource implements JobSource {
  private readonly held = new Map<string, DatabaseClaim>();
  private renewing = false;
  private renewLoop: Promise<void> | undefined;
  private readonly renewSleeper: Sleeper;
  /** Hazard H9: claims happen only when the election tick grants one. */
  private claimPermits = 0;
  /**
   * Whether the next claim goes straight in: a server's first, and one after a claim that came back full
   * (there is likely more), unless it told the others of what it left. After a short or empty claim the
   * next take looks first (`SELECT_CLAIM_PROBE`).
   */
  private claimWithoutLook = true;

  /** Completions in one turn share one write. */
  private readonly completions: CompletionBatch;

  /** Jobs this server added, taken by its own worker first; the others hear of what it leaves. */
  readonly ownWork: OwnWorkFirst;

  constructor(private readonly options: DatabaseJobSourceOptions) {
    this.renewSleeper = new Sleeper(options.clock);
    this.completions = new CompletionBatch(options.database);
    this.ownWork = new OwnWorkFirst(() => options.database.notify(JOBS_CHANNEL));
  }

  /** Hazard H9: the election tick allows one claim. */
  grantClaimPermit(): void {
    this.claimPermits = 1;
  }

  async take(max: number): Promise<TakeResult> {
    const { hazards } = this.options;
    if (hazards.oneClaimPerTick) {
      // No look at the table: this take answers for no untold work (under H9 there is none, as every job
      // is told to everyone; switched on at runtime, what was untold costs one spare notification later).
      if (this.claimPermits === 0) return { jobs: [] };
      this.claimPermits = 0;
      max = 1;
    }
    const answeredFor = this.ownWork.takeBegins();
    let taken: TakeResult;
    let full: boolean;
    try {
      ({ taken, full } = await this.takeUpTo(max));
    } catch (error) {
      // The take's own error is the one to report; a failed notification leaves the work to the polls.
      await this.ownWork.tell().catch(() => {});
      throw error;
    }
    try {
      // Told of what this take left, the others claim it now: this server's next take looks first.
      if (await this.ownWork.takeEnded(answeredFor, full)) this.claimWithoutLook = false;
    } catch (error) {
      // The jobs are claimed and must run: a failed notification only leaves the rest to the polls. Found
      // by a regression's search: a notify cut off after the claim committed threw the take away, and the
      // claimed jobs were renewed forever and never run.
      this.options.events.emit({ type: 'error', where: 'notify', error: describeError(error) });
    }
    return taken;
  }

  /** A take, and whether it claimed as many rows as it asked for (an unreadable row counts: it was due). */
  private async takeUpTo(max: number): Promise<{ taken: TakeResult; full: boolean }> {
    const { hazards } = this.options;
    // The claim needs only the `claim` lock: its rows are chosen `FOR UPDATE SKIP LOCKED` and the lapsed
    // claims it takes back `FOR UPDATE` (PostgreSQL), so two servers claiming at once lock disjoint rows and
    // never claim one job twice, and need not queue behind each other's transaction; a database without
    // row locks (sql.js, a SQLite file's one write lock) treats it as the exclusive lock, so simulated
    // traces are unchanged. Hazard H8's delete-on-claim keeps the exclusive lock.
    if (hazards.deleteOnClaim) {
      const { jobs, nextDueInMs } = await this.options.locked((tx) =>
        takeByDeleting(tx, max, () => this.claimOrder()),
      );
      return {
        taken: { jobs, nextDueInMs: hazards.oneClaimPerTick ? undefined : nextDueInMs },
        full: jobs.length === max,
      };
    }
    // Every notification wakes every server, and most find nothing left: a claim transaction of four
    // statements each time (6 claims per completed job in a steady 5-server run), under the lock on sql.js
    // and a SQLite file. A look first costs one statement and no transaction. The reference's paths
    // (H8's delete on claim, above, and H9's one claim per tick) have no look.
    if (!this.claimWithoutLook && !hazards.oneClaimPerTick) {
      const idle = await this.nothingDue();
      if (idle) return { taken: idle, full: false };
    }
    const { jobs, nextDueInMs, rowsClaimed } = await this.options.locked((tx) => this.claim(tx, max), {
      kind: 'claim',
    });
    const full = rowsClaimed === max;
    this.claimWithoutLook = full;
    for (const job of jobs) if (job.token) this.held.set(job.token, job);
    return { taken: { jobs, nextDueInMs: hazards.oneClaimPerTick ? undefined : nextDueInMs }, full };
  }

  private async claim(
    tx: Transaction,
    max: number,
  ): Promise<{ jobs: DatabaseClaim[]; nextDueInMs?: number | undefined; rowsClaimed: number }> {
    const { serverId, claimLeaseMs, entropy, events } = this.options;
    const now = Number((await queryRows(tx, SELECT_DB_NOW))[0]!.now);
    await this.reclaimExpired(tx, now);
    const rows = await queryRows(
      tx,
      claimDue(this.claimOrder()),
      // The token names the server as well: ids are unique per server, and two servers' tokens must differ.
      [serverId, `${serverId}:${entropy.newId('claim')}`, now + claimLeaseMs, now, max],
    );
    rows.sort((a, b) => Number(a.runAt) - Number(b.runAt) || Number(a.id) - Number(b.id));
    const jobs: DatabaseClaim[] = [];
    for (const row of rows) {
      const params = parseParams(row);
      if (typeof params === 'string') {
        // A row nobody can run: keep it as dead with the reason instead of failing every claim.
        await runStatement(tx, MARK_UNREADABLE_DEAD, [params, Number(row.id)]);
        events.emit({
          type: 'failed',
          jobId: String(row.id),
          jobName: String(row.name),
          attempt: Number(row.attempts),
          error: params,
          outcome: 'dead',
        });
        continue;
      }
      jobs.push(toClaim(row, params, String(row.claimToken)));
    }
    let nextDueInMs: number | undefined;
    if (rows.length < max) {
      const next = await queryRows(tx, SELECT_NEXT_DUE);
      const at = next[0]?.at;
      if (at !== null && at !== undefined) nextDueInMs = Math.max(0, Number(at) - now);
    }
    return { jobs, nextDueInMs, rowsClaimed: rows.length };
  }

  /** Nothing to claim and when that changes, from one statement; undefined when a claim would find work. */
  private async nothingDue(): Promise<TakeResult | undefined> {
    const [row] = await queryRows(this.options.database, SELECT_CLAIM_PROBE);
    const now = Number(row!.now);
    const times = [row!.due, row!.lapses].filter((at) => at !== null && at !== undefined).map(Number);
    if (times.some((at) => at <= now)) return undefined;
    return { jobs: [], nextDueInMs: times.length > 0 ? Math.min(...times) - now : undefined };
  }

  /**
   * Hazard H3's one site in the claim: the reference orders due rows by creation in whole seconds. Read
   * inside the transaction, just before the claim statement.
   */
  private claimOrder(): ClaimOrder {
    return this.options.hazards.wholeSecondLease ? CLAIM_ORDER.wholeSecondCreated : CLAIM_ORDER.dueFirst;
  }

  /** Claims whose server stopped renewing go back to the queue, or to the dead letters when out of attempts. */
  private async reclaimExpired(tx: Transaction, now: number): Promise<void> {
    const expired = await queryRows(tx, SELECT_EXPIRED_CLAIMS, [now]);
    if (expired.length === 0) return;
    await runStatement(tx, RECLAIM_EXPIRED, [now, now]);
    for (const row of expired) {
      this.options.events.emit({
        type: 'reclaimed',
        jobId: String(row.id),
        jobName: String(row.name),
        previousHolder: row.claimedBy as string | null,
        outcome: Number(row.attempts) >= Number(row.maxAttempts) ? 'dead' : 'queued',
      });
    }
  }

  async complete(job: ClaimedJob): Promise<boolean> {
    const claim = job as DatabaseClaim;
    if (claim.token === null) return true;
    this.held.delete(claim.token);
    return this.completions.complete(Number(claim.id), claim.token);
  }

  async fail(job: ClaimedJob, error: unknown, maxAttempts: number, retryInMs: number): Promise<void> {
    const claim = job as DatabaseClaim;
    const { database, events } = this.options;
    const message = describeError(error);
    const base = { jobId: claim.id, jobName: claim.name, attempt: claim.attempt, error: message };
    if (claim.token) this.held.delete(claim.token);
    if (this.options.dropFailures()) {
      // The reference logs the error and forgets the job.
      if (claim.token) {
        await runStatement(database, DELETE_FAILED, [Number(claim.id), claim.token]);
      }
      events.emit({ type: 'failed', ...base, outcome: 'dropped' });
      return;
    }
    const dead = claim.attempt >= maxAttempts;
    if (claim.token === null) {
      // Under H8 the row is gone: a retry or a dead letter is a new row.
      await insertFailedCopy(database, claim, {
        retryInMs,
        dead,
        maxAttempts,
        message,
        serverId: this.options.serverId,
      });
      events.emit({ type: 'failed', ...base, outcome: dead ? 'dead' : 'retry', retryInMs });
      return;
    }
    const written = await queryRows(database, FAIL_CLAIM, [
      dead ? 'dead' : 'queued',
      dead ? 0 : retryInMs,
      message,
      Number(claim.id),
      claim.token,
    ]);
    const changes = written.length;
    events.emit({
      type: 'failed',
      ...base,
      outcome: changes === 0 ? 'rejected' : dead ? 'dead' : 'retry',
      ...(changes === 1 && !dead ? { retryInMs } : {}),
      ...(written[0] ? { dbAt: Number(written[0].at) } : {}),
    });
    if (changes === 1 && !dead) await database.notify(JOBS_CHANNEL);
  }

  async release(job: ClaimedJob, started: boolean): Promise<{ dbAt?: number }> {
    const claim = job as DatabaseClaim;
    // The claim counted an attempt; one that never ran gives it back (found by the property suite: the
    // next claim looked like attempt 2 of a job nobody had run).
    const attempts = started ? claim.attempt : claim.attempt - 1;
    if (claim.token === null) {
      await insertReleasedCopy(this.options.database, claim, attempts, this.options.serverId);
    } else {
      this.held.delete(claim.token);
      // RETURNING the database's clock: the event about this write arrives later than the write itself.
      const rows = await queryRows(this.options.database, RELEASE_CLAIM, [
        attempts,
        Number(claim.id),
        claim.token,
      ]);
      await this.options.database.notify(JOBS_CHANNEL);
      return rows[0] ? { dbAt: Number(rows[0].at) } : {};
    }
    await this.options.database.notify(JOBS_CHANNEL);
    return {};
  }

  onWork(listener: () => void): () => void {
    return this.options.database.listen(JOBS_CHANNEL, listener) ?? (() => {});
  }

  /** Keeps the leases of running jobs alive; a claim found gone is marked lost so the job can stop. */
  startRenewing(): void {
    if (this.renewing || this.options.hazards.deleteOnClaim) return;
    this.renewing = true;
    this.renewLoop = (async () => {
      const every = Math.max(1, Math.floor(this.options.claimLeaseMs / 3));
      while (this.renewing) {
        await this.renewSleeper.sleep(every);
        if (!this.renewing) break;
        try {
          await this.renew();
        } catch (error) {
          this.options.events.emit({ type: 'error', where: 'renew', error: describeError(error) });
        }
      }
    })();
  }

  async stopRenewing(): Promise<void> {
    this.renewing = false;
    this.renewSleeper.wake();
    await this.renewLoop;
  }

  /** Forgets held claims and untold work without touching the database, as a dying process would. */
  halt(): void {
    this.renewing = false;
    this.renewSleeper.wake();
    this.held.clear();
    this.ownWork.forget();
  }

  private async renew(): Promise<void> {
    const tokens = [...this.held.keys()];
    if (tokens.length === 0) return;
    const ids = tokens.map((token) => Number(this.held.get(token)!.id));
    const rows = await queryRows(this.options.database, renewClaims(tokens.length), [
      this.options.claimLeaseMs,
      ...ids,
      ...tokens,
    ]);
    const renewed = new Set(rows.map((row) => String(row.claimToken)));
    for (const token of tokens) {
      const claim = this.held.get(token);
      if (!claim || renewed.has(token)) continue;
      claim.lost = true;
      this.held.delete(token);
      this.options.events.emit({
        type: 'claimLost',
        jobId: claim.id,
        jobName: claim.name,
        attempt: claim.attempt,
      });
    }
  }
}
