/**
 * Failover and handover on a real 3-server cluster of our coordinator (src/adapters/cluster), on PostgreSQL:
 *
 * - failover: SIGKILL the leader; the figure is the new leader's `elected` event's database time minus the
 *   dead leader's last heartbeat (both on PostgreSQL's clock, as the election itself compares them). Its
 *   bound is the leadership timeout plus one heartbeat interval.
 * - handover: SIGTERM the leader; the figure runs from its `released` event to the next `elected` event
 *   (host wall clock, both processes on this machine). Its bound is 1 s.
 *
 * The stopped server is restarted after each repetition, so that every one starts from 3 servers.
 */
import { RealCluster, type HistoryEntry } from '../../src/adapters/cluster/realCluster';
import type { ServerTimings } from '../../src/adapters/cluster/protocol';
import type { CoordinatorEvent } from '../../src/core';
import { dropSchema, freshSchema } from './schemas';

export interface FailoverOptions {
  url: string;
  timings: ServerTimings;
  repeats: number;
}

export interface FailoverResult {
  /** ms from the killed leader's last heartbeat to the new leader's election, database clock. */
  failoverMs: number[];
  /** ms from SIGKILL to the new election, host clock (for context: it depends on when the kill fell). */
  killToElectedMs: number[];
  /** ms from the stopping leader's release to the new election. */
  handoverMs: number[];
}

type Elected = Extract<CoordinatorEvent, { type: 'elected' }>;

export async function measureFailover(options: FailoverOptions): Promise<FailoverResult> {
  const schema = `bench_real_failover_${process.pid}`;
  await freshSchema(options.url, schema);
  const cluster = new RealCluster({
    servers: 3,
    database: { kind: 'postgres', url: options.url, schema },
    timings: options.timings,
    startTimeoutMs: 60_000,
  });
  const result: FailoverResult = { failoverMs: [], killToElectedMs: [], handoverMs: [] };
  // Long enough for any election the timings allow, with room for a busy machine.
  const electionCapMs =
    3 * (options.timings.leadershipTimeoutMs + options.timings.heartbeatIntervalMs) + 10_000;
  try {
    await cluster.start();
    let leader = await nextElection(cluster, 0, electionCapMs);
    for (let round = 0; round < options.repeats; round++) {
      // Kill it mid-interval, after at least one heartbeat of its own.
      await sleep(options.timings.heartbeatIntervalMs * 1.5);
      const killedAt = Date.now();
      await cluster.crash(leader.event.serverId);
      const successor = await nextElection(cluster, leader.event.term, electionCapMs);
      result.failoverMs.push(successor.event.dbNow - (successor.event.previousHeartbeatAt ?? NaN));
      result.killToElectedMs.push(successor.wallMs - killedAt);
      await cluster.restart(leader.event.serverId);
      leader = successor;

      await sleep(options.timings.heartbeatIntervalMs * 1.5);
      const stopping = leader.event.serverId;
      const historyBefore = cluster.history.length;
      await cluster.stop(stopping);
      const next = await nextElection(cluster, leader.event.term, electionCapMs);
      const released = cluster.history
        .slice(historyBefore)
        .find((entry) => isEvent(entry, 'released') && entry.serverId === stopping);
      if (released?.kind === 'report') result.handoverMs.push(next.wallMs - released.report.wallMs);
      await cluster.restart(stopping);
      leader = next;
    }
    return result;
  } finally {
    await cluster.close();
    await dropSchema(options.url, schema);
  }
}

/** Waits for an election with a term above `afterTerm`; returns its event and the host time it happened. */
async function nextElection(
  cluster: RealCluster,
  afterTerm: number,
  capMs: number,
): Promise<{ event: Elected; wallMs: number }> {
  const deadline = Date.now() + capMs;
  while (Date.now() < deadline) {
    for (const entry of cluster.history) {
      if (entry.kind !== 'report' || entry.report.report !== 'event') continue;
      const event = entry.report.event;
      if (event.type === 'elected' && event.term > afterTerm) return { event, wallMs: entry.report.wallMs };
    }
    await sleep(10);
  }
  throw new Error(`no leader elected after term ${afterTerm} within ${capMs} ms`);
}

function isEvent(entry: HistoryEntry, type: CoordinatorEvent['type']): boolean {
  return entry.kind === 'report' && entry.report.report === 'event' && entry.report.event.type === type;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
