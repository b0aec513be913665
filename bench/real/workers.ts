/** The parent's side of the worker processes (`workerProcess.ts`): spawn, wait for reports, command. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  REPORT_MARKER,
  WORKER_ENV,
  type WorkerCommand,
  type WorkerConfig,
  type WorkerReport,
} from './protocol';

const ENTRY = fileURLToPath(new URL('./workerProcess.ts', import.meta.url));

export class WorkerHandle {
  private readonly reports: WorkerReport[] = [];
  private waiters: (() => void)[] = [];
  private stderr = '';
  readonly exited: Promise<void>;

  private constructor(
    readonly workerId: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    child.stderr.on('data', (data: Buffer) => (this.stderr = (this.stderr + data.toString()).slice(-4_000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith(REPORT_MARKER)) return;
      this.reports.push(JSON.parse(line.slice(REPORT_MARKER.length)) as WorkerReport);
      this.wake();
    });
    this.exited = new Promise((resolve) =>
      child.on('exit', () => {
        resolve();
        this.wake();
      }),
    );
    let gone = false;
    void this.exited.then(() => (gone = true));
    this.hasExited = () => gone;
  }

  private readonly hasExited: () => boolean;

  static spawn(config: WorkerConfig): WorkerHandle {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      env: { ...process.env, [WORKER_ENV]: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new WorkerHandle(config.workerId, child);
  }

  send(command: WorkerCommand): void {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** The first report of `kind`; a `failed` report, an exit or the timeout fail it, with the worker's stderr. */
  async waitFor<K extends WorkerReport['report']>(
    kind: K,
    timeoutMs: number,
  ): Promise<Extract<WorkerReport, { report: K }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.reports.find((report) => report.report === kind);
      if (found) return found as Extract<WorkerReport, { report: K }>;
      const failed = this.reports.find((report) => report.report === 'failed');
      const why = failed?.report === 'failed' ? failed.error : this.hasExited() ? 'it exited' : undefined;
      if (why !== undefined || Date.now() >= deadline) {
        throw new Error(
          `worker ${this.workerId}: no '${kind}' report (${why ?? `timed out after ${timeoutMs} ms`}): ${this.stderr.trim() || 'no stderr'}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
