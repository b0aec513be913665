/**
 * A real cluster: N server processes (`serverProcess.ts`) on one database, a fault injector over them,
 * and one history of everything every process reported and every fault, in the order the parent heard it.
 *
 * Faults: `crash` (SIGKILL), `pause`/`resume` (SIGSTOP/SIGCONT: the process is frozen, its leases lapse),
 * `stop` (SIGTERM: a graceful stop), `restart` (a new process under the same server id), `cutOff`
 * (PostgreSQL terminates the server's connections, `pg_terminate_backend`; a SQLite file's connection is
 * closed under the server) and `setClock`.
 *
 * A SIGSTOP on a SQLite file can land inside a write transaction, and then the file is locked for every
 * process until SIGCONT (a file has no server to end a stopped writer's session, as PostgreSQL's
 * `idle_in_transaction_session_timeout` does): `pause(id, { betweenTransactions: true })` first takes the
 * process's turn on the file (`hold`), so that the stop lands between transactions.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { CoordinatorEvent } from '../../core/index.js';
import {
  CONFIG_ENV,
  DATABASE,
  HOLD_TURN_WITHIN_MS,
  type ServerCommand,
  type ServerDatabaseConfig,
  type ServerProcessConfig,
  type ServerReport,
  type ServerTimings,
  type SleepJob,
} from './protocol.js';

export type FaultKind =
  | 'crash'
  | 'pause'
  | 'resume'
  | 'stop'
  | 'restart'
  | 'cutOff'
  | 'setClock'
  /** The database server itself stopped, and started again (its entries' server is `DATABASE`). */
  | 'databaseDown'
  | 'databaseUp';

export type HistoryEntry =
  | { kind: 'report'; serverId: string; pid: number; heardAtMs: number; report: ServerReport }
  | { kind: 'fault'; serverId: string; heardAtMs: number; fault: FaultKind; detail?: string | undefined }
  /** A command the parent sent (an enqueue, a clock change), when it sent it. */
  | { kind: 'command'; serverId: string; heardAtMs: number; command: ServerCommand }
  | {
      kind: 'exit';
      serverId: string;
      pid: number;
      heardAtMs: number;
      code: number | null;
      signal: string | null;
    };

export interface RealClusterOptions {
  servers: number;
  database: ServerDatabaseConfig;
  timings: ServerTimings;
  jobDurationMs?: number | undefined;
  /** The servers' ids instead of s1..sN (a scenario's servers); their number is still `servers`. */
  serverIds?: readonly string[] | undefined;
  /** The jobs every server defines instead of the one `demo` job. */
  jobs?: SleepJob[] | undefined;
  stopGraceMs?: number | undefined;
  /** A server's clock set off from the host's from its start (and again at each restart). */
  clockOffsetsMs?: Readonly<Record<string, number>> | undefined;
  concurrency?: number | undefined;
  /** How long a process may take to start and report ready. Default 20 s (tsx compiles on a busy machine). */
  startTimeoutMs?: number | undefined;
}

/**
 * A pause between transactions not carried out: the process did not take its turn on the file in time
 * (its own transaction waiting for the write lock another process keeps, say). It was not stopped, and
 * runs on; it was told to give the turn back should it come later.
 */
export class TurnNotTakenError extends Error {
  constructor(
    readonly serverId: string,
    readonly withinMs: number,
    /** What the server said, if it said why (it may not have answered at all). */
    readonly reason?: string | undefined,
  ) {
    super(
      `server ${serverId} could not take its turn on the file within ${withinMs} ms${reason === undefined ? '' : ` (${reason})`}: it was not stopped`,
    );
    this.name = 'TurnNotTakenError';
  }
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<void>;
}

export class RealCluster {
  readonly history: HistoryEntry[] = [];
  readonly serverIds: readonly string[];
  private readonly running = new Map<string, Running>();
  /** Servers paused holding their turn on the file, given back at `resume`; the process's end ends it. */
  private readonly held = new Set<string>();
  private nextN = 0;

  constructor(private readonly options: RealClusterOptions) {
    this.serverIds = options.serverIds ?? Array.from({ length: options.servers }, (_, i) => `s${i + 1}`);
  }

  /**
   * Starts every server and waits until each reports ready; `inOrder`, each once the one before is ready
   * (so the first one leads, as in a simulation, where servers start in the order they are listed).
   */
  async start(options: { inOrder?: boolean } = {}): Promise<void> {
    if (!options.inOrder) {
      await Promise.all(this.serverIds.map((serverId) => this.spawn(serverId)));
      return;
    }
    for (const serverId of this.serverIds) await this.spawn(serverId);
  }

  /** Every coordinator event of the history, with the server that reported it. */
  events(): CoordinatorEvent[] {
    return this.history.flatMap((entry) =>
      entry.kind === 'report' && entry.report.report === 'event' ? [entry.report.event] : [],
    );
  }

  /** Enqueues `count` jobs (default `demo`) through `serverId`; each gets the next number `n`. Returns the first n. */
  enqueue(serverId: string, count: number, job?: string): number {
    const firstN = this.nextN;
    this.nextN += count;
    this.send(serverId, { command: 'enqueue', count, firstN, ...(job !== undefined && { job }) });
    return firstN;
  }

  /** Whether the server has a process now (paused counts: it is stopped, not gone). */
  isRunning(serverId: string): boolean {
    return this.running.has(serverId);
  }

  crash(serverId: string): Promise<void> {
    this.record(serverId, 'crash');
    return this.signalAndWait(serverId, 'SIGKILL');
  }

  /**
   * SIGSTOP. `betweenTransactions` (a SQLite file only): once the process holds its turn on the file, so
   * that it is not stopped holding the file's write lock; `resume` gives the turn back. If it has not
   * taken its turn within `HOLD_TURN_WITHIN_MS` (5 s), it is not stopped: a `TurnNotTakenError`.
   */
  async pause(serverId: string, options: { betweenTransactions?: boolean } = {}): Promise<void> {
    if (options.betweenTransactions) {
      const withinMs = HOLD_TURN_WITHIN_MS;
      const notDone = await this.answer(serverId, { command: 'hold' }, withinMs);
      if (notDone !== undefined) {
        // Should the turn come later, it goes back at once: the process runs on, and nothing waits for it.
        this.send(serverId, { command: 'release' });
        throw new TurnNotTakenError(serverId, withinMs, notDone.error);
      }
      this.held.add(serverId);
    }
    this.record(serverId, 'pause', options.betweenTransactions ? 'between transactions' : undefined);
    this.process(serverId).child.kill('SIGSTOP');
  }

  resume(serverId: string): void {
    this.record(serverId, 'resume');
    this.process(serverId).child.kill('SIGCONT');
    if (this.held.delete(serverId)) this.send(serverId, { command: 'release' });
  }

  stop(serverId: string): Promise<void> {
    this.record(serverId, 'stop');
    return this.signalAndWait(serverId, 'SIGTERM');
  }

  async restart(serverId: string): Promise<void> {
    if (this.running.has(serverId)) await this.crash(serverId);
    this.record(serverId, 'restart');
    await this.spawn(serverId);
  }

  setClock(serverId: string, offsetMs: number): void {
    this.record(serverId, 'setClock', `${offsetMs} ms`);
    this.send(serverId, { command: 'setClock', offsetMs });
  }

  /**
   * PostgreSQL drops every connection of the server; on a SQLite file the server closes its connection
   * (what is open on it fails and rolls back). It reconnects by itself. Returns how many it dropped.
   */
  async cutOff(serverId: string): Promise<number> {
    const { database } = this.options;
    if (database.kind === 'sqlite') {
      this.record(serverId, 'cutOff', 'its connection to the file closed');
      await this.carryOut(serverId, { command: 'cutOff' });
      return 1;
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const result = await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
        [serverId],
      );
      this.record(serverId, 'cutOff', `${result.rowCount ?? 0} connections`);
      return result.rowCount ?? 0;
    } finally {
      await client.end();
    }
  }

  /**
   * Notes in the history that the database went down (whoever stopped it: a test's own PostgreSQL, say),
   * and when it came back: no server could reach it meanwhile.
   */
  databaseDown(detail?: string): void {
    this.record(DATABASE, 'databaseDown', detail);
  }

  databaseUp(detail?: string): void {
    this.record(DATABASE, 'databaseUp', detail);
  }

  /** Kills whatever still runs (SIGCONT first, so that a paused process can die). */
  async close(): Promise<void> {
    await Promise.all(
      [...this.running.keys()].map(async (serverId) => {
        const running = this.running.get(serverId)!;
        running.child.kill('SIGCONT');
        running.child.kill('SIGKILL');
        await running.exited;
      }),
    );
  }

  private async spawn(serverId: string): Promise<void> {
    const config: ServerProcessConfig = {
      serverId,
      database: this.options.database,
      timings: this.options.timings,
      jobDurationMs: this.options.jobDurationMs ?? 10,
      jobs: this.options.jobs,
      stopGraceMs: this.options.stopGraceMs,
      concurrency: this.options.concurrency ?? 4,
      clockOffsetMs: this.options.clockOffsetsMs?.[serverId] ?? 0,
    };
    const entry = serverEntry();
    const child = spawn(process.execPath, [...entry.nodeArgs, entry.path], {
      env: { ...process.env, [CONFIG_ENV]: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const pid = child.pid ?? -1;
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4_000)));
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let report: ServerReport;
      try {
        report = JSON.parse(line) as ServerReport;
      } catch {
        return;
      }
      this.history.push({ kind: 'report', serverId, pid, heardAtMs: Date.now(), report });
      if (report.report === 'ready') markReady();
    });
    const exited = new Promise<void>((resolve) =>
      child.on('exit', (code, signal) => {
        this.history.push({ kind: 'exit', serverId, pid, heardAtMs: Date.now(), code, signal });
        if (this.running.get(serverId)?.child === child) {
          this.running.delete(serverId);
          // The turn it held went with it (a crash, a restart, a stop): the next process holds nothing.
          this.held.delete(serverId);
        }
        resolve();
      }),
    );
    this.running.set(serverId, { child, exited });
    const timeoutMs = this.options.startTimeoutMs ?? 20_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      ready.then(() => 'ready' as const),
      exited.then(() => 'exited' as const),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome !== 'ready') {
      child.kill('SIGKILL');
      throw new Error(
        `server ${serverId} did not start (${outcome === 'exited' ? 'it exited' : `not ready after ${timeoutMs} ms`}): ${stderr.trim() || 'no output on stderr'}`,
      );
    }
  }

  private send(serverId: string, command: ServerCommand): void {
    this.history.push({ kind: 'command', serverId, heardAtMs: Date.now(), command });
    this.process(serverId).child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** Sends a `cutOff`, `hold` or `release` and waits until the server reports it done. */
  private async carryOut(
    serverId: string,
    command: Extract<ServerCommand, { command: 'cutOff' | 'hold' | 'release' }>,
    timeoutMs = 10_000,
  ): Promise<void> {
    const notDone = await this.answer(serverId, command, timeoutMs);
    if (notDone?.error !== undefined)
      throw new Error(`server ${serverId} could not carry out ${command.command}: ${notDone.error}`);
    if (notDone)
      throw new Error(`server ${serverId} did not carry out ${command.command} within ${timeoutMs} ms`);
  }

  /**
   * Sends a `cutOff`, `hold` or `release` and waits until the server reports it done (undefined), failed
   * (its error), or `timeoutMs` passed with neither (no error). Throws if the process ends meanwhile.
   */
  private async answer(
    serverId: string,
    command: Extract<ServerCommand, { command: 'cutOff' | 'hold' | 'release' }>,
    timeoutMs: number,
  ): Promise<{ error?: string } | undefined> {
    const from = this.history.length;
    const running = this.process(serverId);
    this.send(serverId, command);
    const answered = () =>
      this.history
        .slice(from)
        .find(
          (e): e is Extract<HistoryEntry, { kind: 'report' }> =>
            e.kind === 'report' &&
            e.serverId === serverId &&
            (e.report.report === 'done' || e.report.report === 'failed') &&
            e.report.command === command.command,
        );
    const started = Date.now();
    for (;;) {
      const entry = answered();
      if (entry) return entry.report.report === 'failed' ? { error: entry.report.error } : undefined;
      if (this.running.get(serverId) !== running)
        throw new Error(`server ${serverId} ended before it carried out ${command.command}`);
      if (Date.now() - started > timeoutMs) return {};
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async signalAndWait(serverId: string, signal: NodeJS.Signals): Promise<void> {
    const running = this.process(serverId);
    running.child.kill(signal);
    await running.exited;
  }

  private process(serverId: string): Running {
    const running = this.running.get(serverId);
    if (!running) throw new Error(`server ${serverId} is not running`);
    return running;
  }

  private record(serverId: string, fault: FaultKind, detail?: string): void {
    this.history.push({ kind: 'fault', serverId, heardAtMs: Date.now(), fault, detail });
  }
}

/** The server's entry file: the compiled `.js` beside this one, or the `.ts` source run through tsx. */
function serverEntry(): { path: string; nodeArgs: string[] } {
  const here = import.meta.url;
  const source = here.endsWith('.ts');
  const path = fileURLToPath(new URL(source ? './serverProcess.ts' : './serverProcess.js', here));
  return { path, nodeArgs: source ? ['--import', 'tsx'] : [] };
}
