import { isEvent, isProcess } from './fold/entries.js';
import { foldTrace } from './fold/runFold.js';
import type { RunResult } from '../sim/runResult.js';

/**
 * A run as a Jepsen-style history (the format of Jepsen and Elle): invocations and their completions.
 * `ok` succeeded, `fail` surely did not happen, `info` may or may not have happened (its process died, or
 * its claim was lost while it ran).
 */
export interface HistoryOp {
  index: number;
  /** Virtual time, ms. */
  time: number;
  /** The server that performed the operation, or 'client' for jobs enqueued by the scenario. */
  process: string;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: 'enqueue' | 'run' | 'lead';
  value: HistoryValue;
}

export type HistoryValue = { [key: string]: string | number | boolean | null };

/**
 * - enqueue: an `invoke` and an `ok` for each job that entered the run: `enqueued` (process 'client',
 *   the server it went through in the value) and `cronFired` (process: the leader that pushed it);
 * - run: `invoke` at `claimed`; `ok` at `completed`; `fail` at `failed` or `completionRejected`; `info`
 *   when the claim was lost while running (`claimLost`, or a `reclaimed` of the job from that server) or
 *   the server's process ended with the attempt still open;
 * - lead: an `invoke`/`ok` pair for acquiring (`elected`), and for giving it up an `invoke` with `ok` at
 *   `released` (a clean hand-back) or `info` at `steppedDown` or at the end of the leader's process (it may
 *   still have been believed leader by the database).
 * Jobs are named by their database id, or `id@server` for jobs that lived in one server's memory.
 */
export function toJepsenHistory(result: RunResult): HistoryOp[] {
  const run = foldTrace(result.scenario, result.trace);
  const ops: HistoryOp[] = [];
  const push = (
    time: number,
    process: string,
    type: HistoryOp['type'],
    f: HistoryOp['f'],
    value: HistoryValue,
  ) => ops.push({ index: ops.length, time, process, type, f, value });
  /** Open run operations per server: job key -> the invoke's value. */
  const running = new Map<string, Map<string, HistoryValue>>();
  const leading = new Map<string, number>();
  const openRuns = (server: string) => {
    let open = running.get(server);
    if (!open) running.set(server, (open = new Map()));
    return open;
  };
  const closeRun = (
    server: string,
    job: string,
    time: number,
    type: HistoryOp['type'],
    extra: HistoryValue,
  ) => {
    const open = running.get(server);
    const value = open?.get(job);
    if (!open || !value) return;
    open.delete(job);
    push(time, server, type, 'run', { ...value, ...extra });
  };
  const giveUpLead = (server: string, time: number, type: 'ok' | 'info', reason: string) => {
    const term = leading.get(server);
    if (term === undefined) return;
    leading.delete(server);
    const value = { action: 'release', term, reason };
    push(time, server, 'invoke', 'lead', value);
    push(time, server, type, 'lead', value);
  };

  for (const entry of run.trace) {
    const server = entry.server;
    if (server === null) continue;
    const job = run.jobKey(entry);
    if (isProcess(entry, 'processEnded')) {
      for (const key of [...openRuns(server).keys()])
        closeRun(server, key, entry.vt, 'info', { reason: entry.reason });
      giveUpLead(server, entry.vt, 'info', entry.reason);
      continue;
    }
    if (entry.source !== 'coordinator') continue;
    if (isEvent(entry, 'enqueued') && job !== undefined) {
      const value = { job, name: entry.jobName, server, target: entry.target };
      push(entry.vt, 'client', 'invoke', 'enqueue', value);
      push(entry.vt, 'client', 'ok', 'enqueue', value);
    } else if (isEvent(entry, 'cronFired') && job !== undefined && !run.jobs.localJobs.has(job)) {
      // (A single-server cron job also has its `enqueued`; it is counted there.)
      const value = { job, schedule: entry.scheduleKey, tick: entry.tickAt, term: entry.term };
      push(entry.vt, server, 'invoke', 'enqueue', value);
      push(entry.vt, server, 'ok', 'enqueue', value);
    } else if (isEvent(entry, 'claimed') && job !== undefined) {
      const open = openRuns(server);
      if (open.has(job)) closeRun(server, job, entry.vt, 'info', { reason: 'claimed again' });
      const value = { job, name: entry.jobName, attempt: entry.attempt, token: entry.token };
      open.set(job, value);
      push(entry.vt, server, 'invoke', 'run', value);
    } else if (isEvent(entry, 'completed') && job !== undefined) {
      closeRun(server, job, entry.vt, 'ok', {});
    } else if (isEvent(entry, 'completionRejected') && job !== undefined) {
      closeRun(server, job, entry.vt, 'fail', { reason: 'completion rejected' });
    } else if (isEvent(entry, 'failed') && job !== undefined) {
      closeRun(server, job, entry.vt, 'fail', { error: entry.error, outcome: entry.outcome });
    } else if (isEvent(entry, 'released-claim') && job !== undefined) {
      closeRun(server, job, entry.vt, 'fail', { reason: 'released at stop' });
    } else if (isEvent(entry, 'claimLost') && job !== undefined) {
      closeRun(server, job, entry.vt, 'info', { reason: 'claim lost' });
    } else if (isEvent(entry, 'reclaimed') && job !== undefined && entry.previousHolder !== null) {
      closeRun(entry.previousHolder, job, entry.vt, 'info', { reason: `reclaimed by ${server}` });
    } else if (isEvent(entry, 'elected')) {
      giveUpLead(server, entry.vt, 'info', 'elected again');
      leading.set(server, entry.term);
      const value = { action: 'acquire', term: entry.term };
      push(entry.vt, server, 'invoke', 'lead', value);
      push(entry.vt, server, 'ok', 'lead', value);
    } else if (isEvent(entry, 'released') && leading.get(server) === entry.term) {
      giveUpLead(server, entry.vt, 'ok', 'released');
    } else if (isEvent(entry, 'steppedDown') && leading.get(server) === entry.term) {
      giveUpLead(server, entry.vt, 'info', entry.reason);
    }
  }
  return ops;
}

/** The history as Jepsen EDN: one map per line, `:type` and `:f` as keywords, keys in kebab-case. */
export function historyToEdn(ops: readonly HistoryOp[]): string {
  return ops
    .map(
      (op) =>
        `{:index ${op.index}, :time ${op.time}, :type :${op.type}, :process ${ednValue(op.process)}, ` +
        `:f :${op.f}, :value ${ednMap(op.value)}}`,
    )
    .join('\n')
    .concat(ops.length > 0 ? '\n' : '');
}

function ednMap(value: HistoryValue): string {
  const pairs = Object.entries(value).map(([key, item]) => `:${kebab(key)} ${ednValue(item)}`);
  return `{${pairs.join(', ')}}`;
}

function ednValue(value: string | number | boolean | null): string {
  if (value === null) return 'nil';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'nil';
  if (typeof value === 'boolean') return String(value);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
