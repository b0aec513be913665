/**
 * A real cluster's history as a run the invariant checkers judge (`checkAll`, the same checkers as the
 * property suites): the servers' coordinator events become the trace's coordinator entries, the faults its
 * actions, spawns and exits its process entries.
 *
 * Time: virtual time is the host's time since the first entry. The database time of an entry is the
 * host's time when the server reported it: PostgreSQL on this machine and a SQLite file's `db_now_ms()`
 * both read the host's clock, so it is the database's clock up to the report's delay. A cut connection
 * is instantaneous here (PostgreSQL drops it and the server reconnects at once): a `cutOff` action
 * followed by its `heal`. The database down (stopped, restarting) cuts every server off until it is up.
 */
import type { HistoryEntry } from '../adapters/cluster/realCluster.js';
import type { ServerTimings, SleepJob } from '../adapters/cluster/protocol.js';
import type { Row } from '../core/index.js';
import { parseScenario } from '../scenario/parse.js';
import type { Action } from '../scenario/types.js';
import type { RunResult } from '../sim/runResult.js';
import type { TraceEntry } from '../sim/trace/trace.js';

/** What the history is read from: a `RealCluster`, or its history and servers as written to a file. */
export interface RealHistory {
  readonly history: readonly HistoryEntry[];
  readonly serverIds: readonly string[];
}

export interface RealRunFacts {
  timings: ServerTimings;
  stopGraceMs: number;
  /** The one `demo` job's duration, when the servers ran no other jobs. Default 10 ms. */
  jobDurationMs?: number | undefined;
  /** The jobs the servers defined instead of `demo` (a scenario's jobs, with time scaled). */
  jobs?: readonly SleepJob[] | undefined;
  concurrency?: number | undefined;
  /** The run's name in the summary. */
  name?: string | undefined;
  /**
   * When the faults' part of the run ended (a scenario's scaled `durationMs`): the actions after it are
   * the liveness phase's, in the trace but not the scenario, as in a simulation. Default: the run's end.
   */
  durationMs?: number | undefined;
  /** When the run healed its faults, in ms since the history's first entry. Default: its last fault. */
  healedAtMs?: number | undefined;
  final: RunResult['final'];
  /**
   * The longest a statement's answer takes, as the checkers allow for it (I3's slack counts two). A real
   * answer has no bound; this is the one the run is judged under, stated. Default 100 ms: a busy 2-core
   * machine's process scheduling, not PostgreSQL's own time.
   */
  answerLatencyMs?: number | undefined;
}

export function historyToRun(cluster: RealHistory, facts: RealRunFacts): RunResult {
  const history = cluster.history;
  const start = history[0]!.heardAtMs;
  const entries: TraceEntry[] = [];
  const actions: Action[] = [];
  const terms = new Map<string, number | null>();
  const generations = new Map<string, number>();
  const started = new Set<string>();
  let lastFaultVt = 0;

  const push = (vt: number, db: number, server: string | null, body: Record<string, unknown>) => {
    entries.push({
      seq: entries.length,
      vt,
      db,
      server,
      term: server ? (terms.get(server) ?? null) : null,
      ...body,
    } as TraceEntry);
  };
  const act = (entry: HistoryEntry, action: Action) => {
    actions.push(action);
    push(action.atMs, entry.heardAtMs, entry.serverId, { source: 'action', type: 'action', action });
  };

  for (const entry of history) {
    const vt = Math.max(0, entry.heardAtMs - start);
    const { serverId } = entry;
    if (entry.kind === 'report') {
      const { report } = entry;
      if (!started.has(serverId)) {
        started.add(serverId);
        const generation = (generations.get(serverId) ?? 0) + 1;
        generations.set(serverId, generation);
        push(vt, entry.heardAtMs, serverId, {
          source: 'process',
          type: 'processStarted',
          generation,
          reason: 'spawned',
        });
      }
      if (report.report !== 'event') continue;
      const { event } = report;
      const { serverId: _server, at, ...body } = event;
      const reportVt = Math.max(0, report.wallMs - start);
      if (event.type === 'elected') terms.set(serverId, event.term);
      push(reportVt, report.wallMs, serverId, { ...body, source: 'coordinator', local: at });
      if (['steppedDown', 'released', 'stopped', 'crashed'].includes(event.type)) terms.set(serverId, null);
    } else if (entry.kind === 'exit') {
      started.delete(serverId);
      terms.set(serverId, null);
      push(vt, entry.heardAtMs, serverId, {
        source: 'process',
        type: 'processEnded',
        generation: generations.get(serverId) ?? 1,
        reason: entry.signal ?? `exit ${entry.code}`,
      });
    } else if (entry.kind === 'command') {
      const { command } = entry;
      if (command.command === 'enqueue') {
        const job = command.job ?? 'demo';
        act(entry, { atMs: vt, type: 'enqueue', server: serverId, job, count: command.count });
      } else if (command.command === 'setClock') {
        act(entry, { atMs: vt, type: 'setClock', server: serverId, offsetMs: command.offsetMs });
        lastFaultVt = vt;
      }
    } else {
      lastFaultVt = vt;
      switch (entry.fault) {
        case 'crash':
        case 'pause':
        case 'resume':
        case 'restart':
          act(entry, { atMs: vt, type: entry.fault, server: serverId });
          break;
        case 'stop':
          act(entry, { atMs: vt, type: 'stop', server: serverId, graceMs: facts.stopGraceMs });
          break;
        case 'cutOff':
          act(entry, { atMs: vt, type: 'cutOff', server: serverId });
          act(entry, { atMs: vt, type: 'heal', server: serverId });
          break;
        case 'setClock':
          break;
        case 'databaseDown':
        case 'databaseUp':
          for (const server of cluster.serverIds) {
            const type = entry.fault === 'databaseDown' ? 'cutOff' : 'heal';
            act({ ...entry, serverId: server }, { atMs: vt, type, server });
          }
          break;
      }
    }
  }
  // The history is in the order the parent heard it; the trace is in the order things happened.
  entries.sort((a, b) => a.vt - b.vt || a.seq - b.seq);
  entries.forEach((entry, i) => (entry.seq = i));
  const endedAt = entries.at(-1)!.vt;
  const durationMs = Math.max(1, Math.ceil(facts.durationMs ?? endedAt));
  const jobs = facts.jobs ?? [{ name: 'demo', durationMs: facts.jobDurationMs ?? 10, maxAttempts: 3 }];
  const scenario = parseScenario({
    version: 1,
    name: facts.name ?? 'a real run',
    seed: 0,
    durationMs,
    coordinator: {
      ...facts.timings,
      stopGraceMs: facts.stopGraceMs,
      ...(facts.concurrency !== undefined && { concurrency: facts.concurrency }),
    },
    database: { latencyMs: { min: 0, max: facts.answerLatencyMs ?? 100 } },
    jobs: jobs.map((job) => ({ name: job.name, durationMs: job.durationMs, maxAttempts: job.maxAttempts })),
    servers: cluster.serverIds.map((id) => ({ id })),
    actions: actions
      .map((action) => ({ ...action, atMs: Math.round(action.atMs) }))
      .filter((action) => action.atMs <= durationMs),
  });
  return {
    scenario,
    seed: 0,
    trace: entries,
    timings: { ...facts.timings, stopGraceMs: facts.stopGraceMs },
    endedAt,
    healedAt: Math.max(facts.healedAtMs ?? 0, lastFaultVt),
    final: facts.final,
  };
}

export type FinalRows = Record<keyof RunResult['final'], Row[]>;
