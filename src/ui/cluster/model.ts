import type { ClusterSnapshot, ServerSnapshot, TimelineMark, TraceEntry } from '../../playground/view/types';
import type { ActionType } from '../../scenario/types';

/**
 * The cluster as a picture, in numbers and words: who leads, how long there has been no leader and when a
 * follower may take over, what each server is doing in one word, how old the lease looks to each of them,
 * and which messages (heartbeats, claims, completions, cron pushes) are on their way to the database now.
 * Pure: derived from the snapshot, the log, the run time and the timings, so it is tested in node.
 */

export interface Timings {
  heartbeatIntervalMs: number;
  leadershipTimeoutMs: number;
}

export const DEFAULT_TIMINGS: Timings = { heartbeatIntervalMs: 5_000, leadershipTimeoutMs: 15_000 };

/** One decimal, then " s": 9.6 s, 15 s. */
export function seconds(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  return `${Number.isInteger(s) ? s.toFixed(0) : s.toFixed(1)} s`;
}

// ---------------------------------------------------------------------------------------------------------
// Leadership over time.

export interface LeaderlessGap {
  /** Run ms when the cluster lost its leader (or the run began). */
  fromMs: number;
  /** Run ms when a leader was elected, or null while the gap lasts. */
  toMs: number | null;
  /** The leader that went away, if there was one. */
  previous: { server: string; term: number } | null;
}

/**
 * The stretches with no leader, from the timeline marks: from the start to the first election, and from a
 * leader's step-down, release or process end to the next election. A paused or cut-off leader still holds
 * the lease (that is the dangerous case), so only its end opens a gap.
 */
export function leaderlessGaps(marks: readonly TimelineMark[]): LeaderlessGap[] {
  const gaps: LeaderlessGap[] = [];
  let leader: { server: string; term: number } | null = null;
  let open: LeaderlessGap | null = { fromMs: 0, toMs: null, previous: null };
  for (const mark of marks) {
    if (mark.kind === 'elected' && mark.server !== null) {
      if (open) {
        open.toMs = mark.atMs;
        gaps.push(open);
        open = null;
      }
      leader = { server: mark.server, term: mark.term ?? 0 };
    } else if (
      (mark.kind === 'leadershipEnded' || mark.kind === 'processEnded') &&
      leader !== null &&
      mark.server === leader.server
    ) {
      open = { fromMs: mark.atMs, toMs: null, previous: leader };
      leader = null;
    }
  }
  if (open) gaps.push(open);
  return gaps;
}

// ---------------------------------------------------------------------------------------------------------
// The status line.

export interface ClusterStatus {
  kind: 'leader' | 'leaderAtRisk' | 'leaderless' | 'starting' | 'empty';
  leader: string | null;
  term: number | null;
  /** How long there has been no leader, ms. */
  leaderlessMs: number | null;
  /** Until the lease may be taken over (last heartbeat on the database clock + timeout − now), ms; ≤ 0: due. */
  takeoverInMs: number | null;
  text: string;
}

function leaseRow(snapshot: ClusterSnapshot): {
  holder: string | null;
  heartbeatAt: number | null;
  term: number | null;
} {
  const row = snapshot.tables.leadJobCoordinators[0];
  if (!row) return { holder: null, heartbeatAt: null, term: null };
  const at = row.lastHeartbeatAt;
  return {
    holder: typeof row.jobCoordinatorId === 'string' ? row.jobCoordinatorId : null,
    heartbeatAt: at === null || at === undefined ? null : Number(at),
    term: row.term === null || row.term === undefined ? null : Number(row.term),
  };
}

export function clusterStatus(
  snapshot: ClusterSnapshot | null,
  marks: readonly TimelineMark[],
  elapsedMs: number,
  timings: Timings = DEFAULT_TIMINGS,
): ClusterStatus {
  const none = { leader: null, term: null, leaderlessMs: null, takeoverInMs: null };
  if (!snapshot || snapshot.servers.length === 0) return { kind: 'empty', ...none, text: 'no servers' };
  const lease = leaseRow(snapshot);
  const takeoverInMs =
    lease.heartbeatAt === null ? null : lease.heartbeatAt + timings.leadershipTimeoutMs - snapshot.db;
  const leader = snapshot.servers.find((server) => server.leader && server.term !== null);
  if (leader) {
    const term = leader.term!;
    if (leader.paused || leader.cutOff) {
      const why = leader.paused ? 'paused' : 'cut off';
      const left =
        takeoverInMs === null
          ? ''
          : takeoverInMs > 0
            ? `; its lease runs out in ${seconds(takeoverInMs)}`
            : '; its lease has run out, a follower may take over';
      return {
        kind: 'leaderAtRisk',
        leader: leader.id,
        term,
        leaderlessMs: null,
        takeoverInMs,
        text: `leader ${leader.id}, term ${term}, but ${why}: it sends no heartbeats${left}`,
      };
    }
    return {
      kind: 'leader',
      leader: leader.id,
      term,
      leaderlessMs: null,
      takeoverInMs: null,
      text: `leader ${leader.id}, term ${term}`,
    };
  }
  const gaps = leaderlessGaps(marks);
  const gap = gaps[gaps.length - 1];
  const since = gap && gap.toMs === null ? gap.fromMs : elapsedMs;
  const leaderlessMs = Math.max(0, elapsedMs - since);
  if (!gap?.previous && lease.heartbeatAt === null)
    return { kind: 'starting', ...none, leaderlessMs, text: 'no leader yet: the servers are starting' };
  const countdown =
    takeoverInMs === null
      ? ''
      : takeoverInMs > 0
        ? `; earliest takeover in ${seconds(takeoverInMs)}`
        : `; takeover due: a follower takes it at its next check (every ${seconds(timings.heartbeatIntervalMs)})`;
  return {
    kind: 'leaderless',
    leader: null,
    term: null,
    leaderlessMs,
    takeoverInMs,
    text: `no leader for ${seconds(leaderlessMs)}${countdown}`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Each server.

export type StateWord =
  'leader' | 'follower' | 'paused' | 'cut off' | 'crashed' | 'stopped' | 'stopping' | 'without jobs';

export function stateWord(server: ServerSnapshot): StateWord {
  if (server.process === 'crashed') return 'crashed';
  if (server.process === 'stopped') return 'stopped';
  if (server.process === 'stopping') return 'stopping';
  if (server.paused) return 'paused';
  if (server.cutOff) return 'cut off';
  if (server.leader) return 'leader';
  return server.withoutJobs ? 'without jobs' : 'follower';
}

export interface LeaseTimer {
  /** 0..1 towards the timeout, or null when no timer runs (no lease, or the server sees nothing). */
  fraction: number | null;
  /** Whether the timer counts up now (a crashed, stopped or paused server's does not). */
  running: boolean;
  expired: boolean;
  /** One line: "9.6 s of 15 s since the last heartbeat it saw". */
  label: string;
  /** Short, for the diagram: "9.6/15 s". */
  short: string;
}

export function leaseTimer(
  server: ServerSnapshot,
  ageMs: number | null,
  timeoutMs: number,
  holder: string | null = null,
): LeaseTimer {
  const of = seconds(timeoutMs);
  if (server.process === 'crashed' || server.process === 'stopped')
    return {
      fraction: null,
      running: false,
      expired: false,
      label: `${server.process}: it sees no lease`,
      short: '—',
    };
  if (server.paused)
    return {
      fraction: null,
      running: false,
      expired: false,
      label: 'paused: its view of the lease is frozen',
      short: 'frozen',
    };
  if (ageMs === null)
    return { fraction: null, running: false, expired: false, label: 'no lease yet', short: 'no lease' };
  if (ageMs < 0) {
    const by = holder ? `${holder}'s clock` : 'a clock';
    return {
      fraction: 0,
      running: true,
      expired: false,
      label: `lease age ${seconds(ageMs)}: the last heartbeat was written ${seconds(-ageMs)} in the future by ${by}; it looks fresh until ${server.id}'s clock passes it`,
      short: `${seconds(ageMs)}`,
    };
  }
  const expired = ageMs >= timeoutMs;
  const own = holder !== null && holder === server.id && server.leader;
  const since = own ? 'since its own last heartbeat' : 'since the last heartbeat it saw';
  return {
    fraction: Math.min(1, ageMs / timeoutMs),
    running: true,
    expired,
    label: `${seconds(ageMs)} of ${of} ${since}${expired ? ' · expired: it may take over' : ''}`,
    short: `${seconds(ageMs)}/${of}`,
  };
}

export function leaseHolder(snapshot: ClusterSnapshot | null): string | null {
  return snapshot ? leaseRow(snapshot).holder : null;
}

// ---------------------------------------------------------------------------------------------------------
// Messages in flight.

export type MessageKind = 'heartbeat' | 'claim' | 'complete' | 'cron push' | 'election';

export interface Message {
  seq: number;
  server: string;
  kind: MessageKind;
  /** Run ms it left the server. */
  startMs: number;
  /** Virtual ms it takes to reach the database (scaled with the speed, so it is seen at 1x and at 20x). */
  durationMs: number;
  /** 0 at the server, 1 at the database. */
  progress: number;
  /** Several of the same kind from the same server at once (a burst of claims): how many this dot stands for. */
  count: number;
}

/** Wall ms a message takes on screen, whatever the speed. */
export const MESSAGE_WALL_MS = 900;
export const MAX_MESSAGES = 24;

export function messageDurationMs(speed: number): number {
  return Math.max(200, MESSAGE_WALL_MS * Math.max(speed, 0.1));
}

function messageKind(entry: TraceEntry): MessageKind | null {
  if (entry.source !== 'coordinator') return null;
  switch (entry.type) {
    case 'heartbeat':
      return 'heartbeat';
    case 'claimed':
    case 'reclaimed':
      return 'claim';
    case 'completed':
      return 'complete';
    case 'cronFired':
      return 'cron push';
    case 'elected':
      return 'election';
    default:
      return null;
  }
}

/**
 * The messages on their way now: entries of the kinds above whose flight (from their time, for the scaled
 * duration) covers `elapsedMs`. Those of one kind from one server within one flight are one dot with a
 * count; at most `max` dots, the newest, and heartbeats and elections are kept before claims.
 */
export function messagesInFlight(
  log: readonly TraceEntry[],
  epoch: number,
  elapsedMs: number,
  speed: number,
  max = MAX_MESSAGES,
): Message[] {
  const durationMs = messageDurationMs(speed);
  const from = elapsedMs - durationMs;
  const groups = new Map<string, Message>();
  for (let index = log.length - 1; index >= 0; index--) {
    const entry = log[index]!;
    const at = entry.vt - epoch;
    if (at < from) break;
    if (at > elapsedMs || entry.server === null) continue;
    const kind = messageKind(entry);
    if (!kind) continue;
    // One dot per kind, server and quarter of the flight: a burst of claims is one dot that says how many.
    const bucket = Math.floor(at / (durationMs / 4));
    const key = `${entry.server}|${kind}|${bucket}`;
    const found = groups.get(key);
    if (found) {
      found.count += 1;
      continue;
    }
    groups.set(key, {
      seq: entry.seq,
      server: entry.server,
      kind,
      startMs: at,
      durationMs,
      progress: Math.min(1, Math.max(0, (elapsedMs - at) / durationMs)),
      count: 1,
    });
  }
  const all = [...groups.values()];
  const rank = (m: Message) => (m.kind === 'heartbeat' || m.kind === 'election' ? 0 : 1);
  all.sort((a, b) => rank(a) - rank(b) || b.startMs - a.startMs);
  return all.slice(0, max).sort((a, b) => a.seq - b.seq);
}

// ---------------------------------------------------------------------------------------------------------
// Faults on the timeline.

export type FaultGlyph = 'crash' | 'pause' | 'resume' | 'cut off' | 'heal' | 'restart' | 'stop' | 'clock';

/**
 * Which glyph a fault mark gets, from the action's type the mark carries (not its label's words: "set a's
 * clock" or a target written "@leader" must not decide it). Null for an action that is not a fault.
 */
export function faultGlyph(action: ActionType | undefined): FaultGlyph | null {
  switch (action) {
    case 'crash':
      return 'crash';
    case 'pause':
      return 'pause';
    case 'resume':
      return 'resume';
    case 'cutOff':
      return 'cut off';
    case 'heal':
      return 'heal';
    case 'restart':
      return 'restart';
    case 'stop':
      return 'stop';
    case 'setClock':
    case 'setDatabaseSkew':
      return 'clock';
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// A summary for screen readers.

export function clusterSummary(
  snapshot: ClusterSnapshot | null,
  leaseAges: Record<string, number | null>,
  timings: Timings = DEFAULT_TIMINGS,
): string {
  if (!snapshot) return 'No cluster loaded.';
  const holder = leaseHolder(snapshot);
  const parts = snapshot.servers.map((server) => {
    const word = stateWord(server);
    const term = server.leader && server.term !== null ? ` (term ${server.term})` : '';
    const timer = leaseTimer(server, leaseAges[server.id] ?? null, timings.leadershipTimeoutMs, holder);
    return `${server.id}: ${word}${term}, ${timer.label}`;
  });
  return `Cluster of ${snapshot.servers.length} servers and one shared database. ${parts.join('. ')}.`;
}
