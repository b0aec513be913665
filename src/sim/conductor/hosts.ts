import type { HazardList, ServerSpec } from '../../scenario/types.js';
import type { ServerTransport } from '../server/transport.js';
import type { ServerClock } from '../time/serverClock.js';
import type { ServerState } from '../trace/serverState.js';
import type { ServerLink } from './network.js';

/**
 * The conductor's side of one server id, shared by its four parts: what the trace tells of the server
 * (`state`, the observation's and the faults' business), its current process (the processes'), and its
 * link to the database (the network's).
 */
export interface Host {
  spec: ServerSpec;
  /** Its process, faults, leadership and jobs, kept with the same rules that fold them out of the trace. */
  state: ServerState;
  transport: ServerTransport;
  /** Its connection and what travels on it: held messages, timers, locks, channels (see network.ts). */
  link: ServerLink;
  nextCommand: number;
  /** Mirrors the server's clock, for the snapshot. */
  clock: ServerClock;
  hazards: HazardList;
  /** Set by heal() on a server still stopping: it starts again once its stop has finished. */
  restartWhenStopped: boolean;
}

/** Every server id the run has known, in the order they were added, with its current host. */
export class Hosts {
  private readonly byId = new Map<string, Host>();

  get(id: string): Host | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Puts a new process's host in place of the previous one (keeping the server's place in the order). */
  set(host: Host): void {
    this.byId.set(host.spec.id, host);
  }

  values(): IterableIterator<Host> {
    return this.byId.values();
  }

  /** The host of `id`, or an error naming the servers there are. */
  host(id: string): Host {
    const host = this.byId.get(id);
    if (!host) throw new Error(`no server "${id}"; servers: ${[...this.byId.keys()].join(', ') || '(none)'}`);
    return host;
  }

  /** The host of `id` if its process is running (not stopping, not ended). */
  live(id: string): Host {
    const host = this.host(id);
    if (host.state.process !== 'running') throw new Error(`server "${id}" is ${host.state.process}`);
    return host;
  }

  running(): Host[] {
    return [...this.byId.values()].filter((host) => host.state.process === 'running');
  }
}
