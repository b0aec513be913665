import type { CoordinatorEventBody } from '../../core/events.js';
import type { HazardList, ServerSpec } from '../../scenario/types.js';
import type { TraceEntry } from './trace.js';

/**
 * The one derivation of a server's state from what its run records. The conductor keeps its mirror of each
 * server with applyCoordinatorEvent (so the `term` it stamps on trace entries comes from here), and
 * ServerStateFold works the same state out of a finished or growing trace, for the checkers, the CLI and
 * the playground. Anything that asks "was this server leading, paused, able to run jobs?" asks here.
 */

export type ProcessState = 'running' | 'stopping' | 'stopped' | 'crashed';

/** What a server is, as its trace tells: process, faults, leadership, jobs. */
export interface ServerState {
  id: string;
  generation: number;
  process: ProcessState;
  paused: boolean;
  cutOff: boolean;
  withoutJobs: boolean;
  /** The term it leads under, null when not leading. */
  term: number | null;
  /** Vt of its last elected/heartbeat. */
  lastHeartbeatVt: number | null;
  /** The jobs it runs, by job id. */
  runningJobs: Map<string, { jobName: string; attempt: number }>;
}

/** A freshly started process: running, generation 1 unless told, no faults, not leading, no jobs. */
export function newServerState(
  id: string,
  options: { withoutJobs?: boolean; generation?: number } = {},
): ServerState {
  return {
    id,
    generation: options.generation ?? 1,
    process: 'running',
    paused: false,
    cutOff: false,
    withoutJobs: options.withoutJobs ?? false,
    term: null,
    lastHeartbeatVt: null,
    runningJobs: new Map(),
  };
}

/**
 * Term, heartbeat, running jobs and withoutJobs from one coordinator event. A `crashed` event only ends the
 * leadership here: the process's end is endProcess's (the conductor ends it right after recording the event,
 * the fold at the same entry).
 */
export function applyCoordinatorEvent(state: ServerState, event: CoordinatorEventBody, vt: number): void {
  switch (event.type) {
    case 'started':
      state.withoutJobs = event.withoutJobs;
      return;
    case 'elected':
      state.term = event.term;
      state.lastHeartbeatVt = vt;
      return;
    case 'heartbeat':
      state.lastHeartbeatVt = vt;
      return;
    case 'steppedDown':
    case 'released':
    case 'crashed':
      state.term = null;
      return;
    case 'claimed':
      state.runningJobs.set(event.jobId, { jobName: event.jobName, attempt: event.attempt });
      return;
    case 'completed':
    case 'completionRejected':
    case 'failed':
    case 'released-claim':
      state.runningJobs.delete(event.jobId);
      return;
    default:
      return; // The other events change none of these.
  }
}

/** The process has ended (crashed or stopped): no pause, no leadership, no jobs; a cut-off stays until healed. */
export function endProcess(state: ServerState, how: 'crashed' | 'stopped'): void {
  state.process = how;
  state.paused = false;
  state.term = null;
  state.runningJobs.clear();
}

/** Whether the process has ended (a restart may begin a new one). */
export function hasEnded(state: Readonly<ServerState>): boolean {
  return state.process === 'crashed' || state.process === 'stopped';
}

/** Whether the server leads: it holds a term and its process runs (a stopping leader is about to release). */
export function isLeading(state: Readonly<ServerState>): boolean {
  return state.term !== null && state.process === 'running';
}

/** Whether the server could lead and run jobs: running (not stopping), not paused, not cut off, with jobs. */
export function canLead(state: Readonly<ServerState>): boolean {
  return state.process === 'running' && !state.paused && !state.cutOff && !state.withoutJobs;
}

/** What a server looks like from outside, for the CLI and the playground: its state, its clock, its hazards. */
export interface ServerSnapshot extends Pick<
  ServerState,
  'id' | 'generation' | 'process' | 'paused' | 'cutOff' | 'withoutJobs' | 'term' | 'lastHeartbeatVt'
> {
  leader: boolean;
  localTime: number;
  offsetMs: number;
  rate: number;
  hazards: HazardList;
  runningJobs: { jobId: string; jobName: string; attempt: number }[];
}

export function serverSnapshot(
  state: Readonly<ServerState>,
  clock: { localTime: number; offsetMs: number; rate: number },
  hazards: HazardList,
): ServerSnapshot {
  return {
    id: state.id,
    generation: state.generation,
    process: state.process,
    paused: state.paused,
    cutOff: state.cutOff,
    withoutJobs: state.withoutJobs,
    leader: isLeading(state),
    term: state.term,
    ...clock,
    lastHeartbeatVt: state.lastHeartbeatVt,
    hazards: [...hazards],
    runningJobs: [...state.runningJobs].map(([jobId, job]) => ({ jobId, ...job })),
  };
}

type ActionEntry = Extract<TraceEntry, { source: 'action'; type: 'action' }>;

/**
 * A fold over a whole trace, entry by entry: process starts and ends, applied actions (addServer, crash,
 * stop, pause, resume, cutOff, heal), and coordinator events through applyCoordinatorEvent. An `action`
 * entry immediately followed by an `actionFailed` of the same action was refused and changes nothing, so
 * the fold holds an action entry back until the next entry: `push` judges the held action, then applies
 * the new entry (or holds it, if it is an action), and `finish` judges the last one.
 *
 * The servers of the scenario are running from `startVt` (their state is there before any listener is
 * registered: read all() for it). A server the trace names before it is added starts as a process that has
 * not run (`stopped`, generation 0). An addServer action concerns `action.server.id` (the conductor records
 * it with no server). Listeners hear every entry the fold applied to a server's state, with that entry,
 * whether or not a field changed; the state they get is live, so copy what must outlast the call.
 */
export class ServerStateFold {
  private readonly states = new Map<string, ServerState>();
  private readonly listeners: ((state: Readonly<ServerState>, entry: TraceEntry) => void)[] = [];
  private heldAction: ActionEntry | undefined;

  constructor(
    servers: readonly ServerSpec[],
    readonly startVt: number,
  ) {
    for (const spec of servers)
      this.states.set(spec.id, newServerState(spec.id, { withoutJobs: spec.withoutJobs ?? false }));
  }

  onChange(listener: (state: Readonly<ServerState>, entry: TraceEntry) => void): void {
    this.listeners.push(listener);
  }

  push(entry: TraceEntry): void {
    const held = this.heldAction;
    this.heldAction = undefined;
    if (held && !refuses(entry, held)) this.applyAction(held);
    if (entry.source === 'action' && entry.type === 'action') this.heldAction = entry;
    else this.applyEntry(entry);
  }

  finish(): void {
    const held = this.heldAction;
    this.heldAction = undefined;
    if (held) this.applyAction(held);
  }

  get(id: string): Readonly<ServerState> | undefined {
    return this.states.get(id);
  }

  all(): Readonly<ServerState>[] {
    return [...this.states.values()];
  }

  private state(id: string): ServerState {
    let state = this.states.get(id);
    if (!state) {
      state = { ...newServerState(id, { generation: 0 }), process: 'stopped' };
      this.states.set(id, state);
    }
    return state;
  }

  private applyEntry(entry: TraceEntry): void {
    if (entry.server === null) return;
    if (entry.source === 'process') {
      const state = this.state(entry.server);
      if (entry.type === 'processStarted') {
        Object.assign(
          state,
          newServerState(state.id, { withoutJobs: state.withoutJobs, generation: entry.generation }),
        );
      } else {
        endProcess(state, entry.reason === 'stop' ? 'stopped' : 'crashed');
      }
      this.tell(state, entry);
    } else if (entry.source === 'coordinator') {
      const state = this.state(entry.server);
      applyCoordinatorEvent(state, entry, entry.vt);
      if (entry.type === 'crashed') endProcess(state, 'crashed');
      this.tell(state, entry);
    }
  }

  private applyAction(entry: ActionEntry): void {
    const action = entry.action;
    if (action.type === 'addServer') {
      const state = this.state(action.server.id);
      Object.assign(state, newServerState(state.id, { withoutJobs: action.server.withoutJobs ?? false }));
      return this.tell(state, entry);
    }
    if (entry.server === null) return;
    const state = this.state(entry.server);
    switch (action.type) {
      case 'crash':
        endProcess(state, 'crashed');
        break;
      case 'stop':
        state.process = 'stopping';
        break;
      case 'pause':
        state.paused = true;
        break;
      case 'resume':
        state.paused = false;
        break;
      case 'cutOff':
        state.cutOff = true;
        break;
      case 'heal':
        state.cutOff = false;
        break;
      default:
        return;
    }
    this.tell(state, entry);
  }

  private tell(state: ServerState, entry: TraceEntry): void {
    for (const listener of this.listeners) listener(state, entry);
  }
}

/** Whether `next` says that the action just before it was refused (the conductor records it right after). */
function refuses(next: TraceEntry, action: ActionEntry): boolean {
  return (
    next.source === 'action' &&
    next.type === 'actionFailed' &&
    JSON.stringify(next.action) === JSON.stringify(action.action)
  );
}

/** The states of every server at the end of a trace. */
export function serverStatesOf(
  servers: readonly ServerSpec[],
  trace: readonly TraceEntry[],
): Readonly<ServerState>[] {
  const fold = new ServerStateFold(servers, trace[0]?.vt ?? 0);
  for (const entry of trace) fold.push(entry);
  fold.finish();
  return fold.all();
}
