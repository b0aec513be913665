/**
 * A real cluster's history as a run the invariant checkers judge (`checkAll`, the same checkers as the
 * property suites): the servers' coordinator events become the trace's coordinator entries, the faults its
 * actions, spawns and exits its process entries.
 *
 * Time: virtual time is the host's time since the first entry. The database time of an entry is the
 * host's time when the server reported it: PostgreSQL on this machine and a SQLite file's `db_now_ms()`
 * both read the host's clock, so it is the database's clock up to the report's delay. A cut connection
 * is instantaneous here (PostgreSQL drops it and the server reconnects at once): a `cutOff` action
 * followed by its `heal`.
 */
import type { RealCluster, HistoryEntry } from '../../../src/adapters/cluster/realCluster';
import type { ServerTimings } from '../../../src/adapters/cluster/protocol';
import type { Row } from '../../../src/core';
import { parseScenario } from '../../../src/scenario/parse';
import type { Action } from '../../../src/scenario/types';
import type { RunResult } from '../../../src/sim/runResult';
import type { TraceEntry } from '../../../src/sim/trace/trace';

export interface RealRunFacts {
  timings: ServerTimings;
  stopGraceMs: number;
  jobDurationMs: number;
  final: RunResult['final'];
  /**
   * The longest a statement's answer takes, as the checkers allow for it (I3's slack counts two). A real
   * answer has no bound; this is the one the run is judged under, stated. Default 100 ms: a busy 2-core
   * machine's process scheduling, not PostgreSQL's own time.
   */
  answerLatencyMs?: number;
}

export function historyToRun(cluster: RealCluster, facts: RealRunFacts): RunResult {
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
      if (entry.command.command === 'enqueue') {
        act(entry, { atMs: vt, type: 'enqueue', server: serverId, job: 'demo', count: entry.command.count });
      } else if (entry.command.command === 'setClock') {
        act(entry, { atMs: vt, type: 'setClock', server: serverId, offsetMs: entry.command.offsetMs });
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
      }
    }
  }
  // The history is in the order the parent heard it; the trace is in the order things happened.
  entries.sort((a, b) => a.vt - b.vt || a.seq - b.seq);
  entries.forEach((entry, i) => (entry.seq = i));
  const endedAt = entries.at(-1)!.vt;
  const scenario = parseScenario({
    version: 1,
    name: 'a real run',
    seed: 0,
    durationMs: Math.max(1, Math.ceil(endedAt)),
    coordinator: { ...facts.timings },
    database: { latencyMs: { min: 0, max: facts.answerLatencyMs ?? 100 } },
    jobs: [{ name: 'demo', durationMs: facts.jobDurationMs, maxAttempts: 3 }],
    servers: cluster.serverIds.map((id) => ({ id })),
    actions: actions.map((action) => ({ ...action, atMs: Math.round(action.atMs) })),
  });
  return {
    scenario,
    seed: 0,
    trace: entries,
    timings: { ...facts.timings, stopGraceMs: facts.stopGraceMs },
    endedAt,
    healedAt: lastFaultVt,
    final: facts.final,
  };
}

export type FinalRows = Record<keyof RunResult['final'], Row[]>;
