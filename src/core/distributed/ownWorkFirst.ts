/**
 * Who hears of a job this server has just added to the shared table.
 *
 * Telling every server (a notification on the jobs channel) wakes every one of them into a look at the
 * table, and all but one find nothing: in a steady 5-server run that was 5.8 looks and 2 claim
 * transactions per completed job. A server with a free slot takes its own new work first instead, and
 * tells the others only of what its take leaves:
 *
 * - a take that comes back short claimed everything due when it read the table, so every job added
 *   before it began is taken: nobody needs telling of those (rows PostgreSQL's SKIP LOCKED passed over,
 *   locked by a claim that then rolled back, are left to the polls);
 * - a take that comes back full may have left work behind, and one that fails took nothing: the others
 *   are told at once;
 * - work added while a take is on its way waits for the next take, which the wake makes sure of.
 *
 * A server that crashes before its take leaves the job untold: another server finds it at its next poll
 * (`pollIntervalMs`), as after a lost notification. The reference's claim paths (hazards H8, H9, H10)
 * always tell everyone.
 */
export class OwnWorkFirst {
  /** Jobs this server added that its worker has not yet taken or told the others of. */
  private untold = 0;

  constructor(private readonly tellEveryone: () => Promise<void>) {}

  /** Jobs were added and this server's worker was woken to take them. */
  keepForOwnTake(jobs: number): void {
    this.untold += jobs;
  }

  /** At the start of a take: what the take will answer for. */
  takeBegins(): number {
    return this.untold;
  }

  /**
   * After a take: `full` when it claimed all it asked for, `answeredFor` from `takeBegins`. Returns whether
   * the others were told (they will claim what is left).
   */
  async takeEnded(answeredFor: number, full: boolean): Promise<boolean> {
    if (full) return this.tell();
    this.untold = Math.max(0, this.untold - answeredFor);
    return false;
  }

  /** Tells the others of everything untold: a take came back full or failed, or the worker stops. */
  async tell(): Promise<boolean> {
    if (this.untold === 0) return false;
    this.untold = 0;
    await this.tellEveryone();
    return true;
  }

  /** Forgets, as a dying process would. */
  forget(): void {
    this.untold = 0;
  }
}
