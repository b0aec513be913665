import type { SqlExecutor } from '../ports.js';
import { COMPLETE_CLAIM, completeClaims } from './sql/distributedJobsSql.js';
import { queryRows, runStatement } from './sql/statement.js';

interface PendingCompletion {
  id: number;
  token: string;
  accepted: (accepted: boolean) => void;
  failed: (error: unknown) => void;
}

/**
 * Completions asked for together, written by one statement: every completion asked for before the flush
 * that the first one queued (a microtask) runs.
 *
 * Jobs claimed together often finish together (a batch of quick jobs, or jobs due at one instant in the
 * simulation), and one write per job made the commit, not the job, the cost: on PostgreSQL every
 * statement outside a transaction is a commit and a flush of the write-ahead log, and 8 jobs finishing at
 * once were 8 flushes. Each completion still counts only with its own token while its row is claimed, so a
 * stale token in the batch is refused alone and the others are accepted. A completion asked for alone is
 * the single-row statement it always was.
 */
export class CompletionBatch {
  private pending: PendingCompletion[] = [];

  constructor(private readonly database: SqlExecutor) {}

  /** Resolves true when the write counted (the token was still the row's), false when it was refused. */
  complete(id: number, token: string): Promise<boolean> {
    // A second completion of one row in one batch (a lapsed claim's and a new claim's) goes alone, at once:
    // the batch tells its rows apart by id.
    if (this.pending.some((completion) => completion.id === id)) return this.completeOne(id, token);
    return new Promise<boolean>((accepted, failed) => {
      // Flushed after the microtasks already queued: the completions of jobs that finished together join;
      // one that arrives through a longer chain of awaits goes in the next batch.
      if (this.pending.length === 0) queueMicrotask(() => void this.flush());
      this.pending.push({ id, token, accepted, failed });
    });
  }

  private async completeOne(id: number, token: string): Promise<boolean> {
    const { changes } = await runStatement(this.database, COMPLETE_CLAIM, [id, token]);
    return changes === 1;
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      if (batch.length === 1) {
        const [only] = batch as [PendingCompletion];
        only.accepted(await this.completeOne(only.id, only.token));
        return;
      }
      const rows = await queryRows(this.database, completeClaims(batch.length), [
        ...batch.map((completion) => completion.id),
        ...batch.map((completion) => completion.token),
      ]);
      const written = new Set(rows.map((row) => Number(row.id)));
      for (const completion of batch) completion.accepted(written.has(completion.id));
    } catch (error) {
      // The statement did not run (a lost connection, a busy database): every completion in it failed,
      // as each would have on its own; their claims lapse and the jobs run again.
      for (const completion of batch) completion.failed(error);
    }
  }
}
