import BetterSqlite3 from 'better-sqlite3';

/**
 * LISTEN/NOTIFY for a SQLite file: a notification bumps its channel's counter in
 * `sqliteFileNotifications` (in the notifier's transaction, so it counts only if that commits), and each
 * listening connection reads the counters every `pollMs` on a read-only connection of its own (WAL: it
 * never waits for a writer) and calls a channel's listeners when its counter moved.
 */
export class FileNotifications {
  static readonly CREATE_TABLE = `CREATE TABLE IF NOT EXISTS sqliteFileNotifications (
      channel TEXT PRIMARY KEY, seq INTEGER NOT NULL, notifiedAt INTEGER NOT NULL)`;
  /** Params: [channel]. */
  static readonly NOTIFY = `INSERT INTO sqliteFileNotifications (channel, seq, notifiedAt) VALUES (?, 1, db_now_ms())
      ON CONFLICT (channel) DO UPDATE SET seq = seq + 1, notifiedAt = excluded.notifiedAt`;

  private readonly callbacks = new Map<string, Set<() => void>>();
  private reader: BetterSqlite3.Database | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Each channel's counter as last read; a channel first seen is not a notification. */
  private seen: Map<string, number> | undefined;

  constructor(
    private readonly path: string,
    private readonly pollMs: number,
    private readonly now: () => number,
  ) {}

  listen(channel: string, callback: () => void): () => void {
    let set = this.callbacks.get(channel);
    if (!set) {
      set = new Set();
      this.callbacks.set(channel, set);
    }
    set.add(callback);
    this.start();
    return () => {
      this.callbacks.get(channel)?.delete(callback);
      if (this.callbacks.get(channel)?.size === 0) this.callbacks.delete(channel);
      if (this.callbacks.size === 0) this.stop();
    };
  }

  close(): void {
    this.callbacks.clear();
    this.stop();
  }

  /** Closes the reading connection (a cut connection); the next look opens a new one. */
  cut(): void {
    this.reader?.close();
    this.reader = undefined;
  }

  private start(): void {
    if (this.timer !== undefined) return;
    this.seen = this.read();
    this.timer = setInterval(() => this.poll(), this.pollMs);
    // Listening alone does not keep a process alive: its coordinator's own timers do.
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.reader?.close();
    this.reader = undefined;
    this.seen = undefined;
  }

  private poll(): void {
    const current = this.read();
    const before = this.seen ?? new Map<string, number>();
    this.seen = current;
    for (const [channel, seq] of current) {
      if (seq === before.get(channel)) continue;
      for (const callback of [...(this.callbacks.get(channel) ?? [])]) callback();
    }
  }

  private connected(): BetterSqlite3.Database {
    if (this.reader) return this.reader;
    const reader = new BetterSqlite3(this.path, { readonly: true, fileMustExist: true });
    reader.function('db_now_ms', { deterministic: false }, () => this.now());
    this.reader = reader;
    return reader;
  }

  private read(): Map<string, number> {
    const rows = this.connected().prepare('SELECT channel, seq FROM sqliteFileNotifications').all() as {
      channel: string;
      seq: number;
    }[];
    return new Map(rows.map(({ channel, seq }) => [channel, seq]));
  }
}
