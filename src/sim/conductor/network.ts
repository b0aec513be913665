import type { CancelTimer, Row, Transaction } from '../../core/ports.js';
import type { SqlJsConnection } from '../../db/index.js';
import { DEFAULT_LATENCY_MS, type Scenario } from '../../scenario/types.js';
import { toWireError, type FromServer, type ToServer } from '../server/protocol.js';
import { deriveSeed, SeededEntropy } from '../seededEntropy.js';
import type { VirtualTime } from '../time/virtualTime.js';
import type { Host } from './hosts.js';

/**
 * Every knob of the simulated network in one record, seeded, after TigerBeetle's packet simulator: the
 * network draws each answer's latency from its own random source, so the same options give the same
 * deliveries. A new network fault (loss, reordering, a partition's asymmetry) belongs here.
 */
export interface NetworkOptions {
  /** Each answer's latency in virtual ms, a whole number drawn uniformly from [min, max]. */
  latencyMs: { min: number; max: number };
  /** Seeds the network's random source; every latency is drawn from it in the order the conductor asks. */
  seed: number;
}

/**
 * The network of a scenario's run. The seed keeps the label 'conductor' it had when the conductor drew
 * latencies itself: the draws, and so every trace, stay the same.
 */
export function networkOptions(scenario: Scenario, runSeed: number): NetworkOptions {
  return {
    latencyMs: scenario.database?.latencyMs ?? DEFAULT_LATENCY_MS,
    seed: deriveSeed(runSeed, 'conductor'),
  };
}

/** A message to a server, before the network stamps it with the time of delivery. */
export type Undelivered = ToServer extends infer M ? (M extends unknown ? Omit<M, 'vt'> : never) : never;

interface OpenLock {
  tx?: Transaction;
  finish?: (outcome: 'commit' | 'rollback') => void;
}

/** One server's side of the network: its connection and what travels on it. */
export interface ServerLink {
  connection: SqlJsConnection;
  /** Messages that came due while paused, delivered in order on resume. */
  held: Undelivered[];
  timers: Map<number, CancelTimer>;
  locks: Map<number, OpenLock>;
  /** Channels the server listens on; registered on its connection whenever that connection is usable. */
  channels: Set<string>;
  listening: Map<string, () => void>;
}

export function newLink(connection: SqlJsConnection): ServerLink {
  return {
    connection,
    held: [],
    timers: new Map(),
    locks: new Map(),
    channels: new Set(),
    listening: new Map(),
  };
}

/**
 * A message waiting for its instant. `timerId`: the server's own timer (it fires while the process lives
 * on, even stopping; a message of the conductor's goes only to a process that has not ended).
 */
interface Delivery {
  host: Host;
  generation: number;
  message: Undelivered;
  timerId?: number;
}

/** What the network hands on: a server's reports to the observation, its command answers to the processes. */
export interface NetworkListeners {
  event(host: Host, message: Extract<FromServer, { kind: 'event' }>): void;
  commandDone(host: Host, generation: number, message: Extract<FromServer, { kind: 'commandDone' }>): void;
}

/**
 * Rejects a transaction the server rolled back. One object for all: building an Error (its stack) on
 * every lock cost 5% of a simulated hour.
 */
const ROLLED_BACK_BY_SERVER = new Error('rolled back by the server');

const noop = (): void => undefined;

/**
 * Carries messages between the conductor and the servers, and the servers' statements, locks and
 * notifications to the shared database: every answer comes back after a seeded latency, a paused
 * server's messages wait until it resumes, and a cut-off server's connection is severed.
 */
export class Network {
  private readonly random: SeededEntropy;

  constructor(
    readonly options: NetworkOptions,
    private readonly time: VirtualTime,
    private readonly listeners: NetworkListeners,
  ) {
    this.random = new SeededEntropy(options.seed);
  }

  /** Schedules a message for the server's current process, `delayMs` from now (held while paused). */
  deliverLater(host: Host, generation: number, delayMs: number, message: Undelivered): void {
    this.scheduleDelivery({ host, generation, message }, this.time.now() + Math.max(0, delayMs));
  }

  /** Hands on, in order, what came due while the server was paused. */
  releaseHeld(host: Host): void {
    const held = host.link.held;
    host.link.held = [];
    for (const message of held) this.deliverLater(host, host.state.generation, 0, message);
  }

  /** Severs the server's connection: its open transaction is rolled back and its statements fail. */
  cutOff(host: Host): void {
    host.link.connection.sever(`${host.spec.id} cut off from the database`);
  }

  /** Restores a live process's connection and registers its channels again. */
  reconnect(host: Host): void {
    if (host.state.process === 'running' || host.state.process === 'stopping') {
      host.link.connection.restore();
      this.listen(host);
    }
  }

  /**
   * Ends everything in flight for a process that has ended: its timers, its channels, its connection (its
   * open transaction rolled back now, the database-side callbacks waiting for it let go), held messages.
   */
  disconnect(host: Host, reason: string): void {
    const link = host.link;
    for (const cancel of link.timers.values()) cancel();
    link.timers.clear();
    for (const unlisten of link.listening.values()) unlisten();
    link.listening.clear();
    link.connection.sever(`${host.spec.id} ${reason}`);
    for (const lock of link.locks.values()) lock.finish?.('rollback');
    link.locks.clear();
    link.held = [];
  }

  /** Acts on one request of a server's process (ignored when it comes from an earlier process). */
  onRequest(host: Host, generation: number, message: FromServer): void {
    if (host.state.generation !== generation) return;
    const link = host.link;
    switch (message.kind) {
      case 'setTimer': {
        const cancel = this.scheduleDelivery(
          { host, generation, message: { kind: 'timer', id: message.id }, timerId: message.id },
          message.atVt,
        );
        link.timers.set(message.id, cancel);
        return;
      }
      case 'cancelTimer':
        link.timers.get(message.id)?.();
        link.timers.delete(message.id);
        return;
      case 'sql':
        return this.runStatement(host, generation, message);
      case 'notify': {
        const executor = message.lock === null ? link.connection : link.locks.get(message.lock)?.tx;
        const answer = executor
          ? executor.notify(message.channel)
          : Promise.reject(new Error(`no open transaction ${message.lock}`));
        return this.answer(
          host,
          generation,
          message.id,
          answer.then(() => ({ rows: [], changes: 0 })),
        );
      }
      case 'lock':
        return this.openLock(host, generation, message.id);
      case 'unlock':
        link.locks.get(message.id)?.finish?.(message.outcome);
        return;
      case 'listen':
        link.channels.add(message.channel);
        return this.listen(host);
      case 'unlisten':
        link.channels.delete(message.channel);
        link.listening.get(message.channel)?.();
        link.listening.delete(message.channel);
        return;
      case 'event':
        return this.listeners.event(host, message);
      case 'commandDone':
        return this.listeners.commandDone(host, generation, message);
    }
  }

  /**
   * Every message to a server goes through one batchable timer (see TimerBatch): due at one instant,
   * messages to different servers are handed over together, and each server works on its own at once
   * (in parallel, when each is a Web Worker).
   */
  private scheduleDelivery(delivery: Delivery, atVt: number): CancelTimer {
    return this.time.setTimerAt(atVt, noop, {
      batch: { runner: this.deliverBatch, key: delivery.host, item: delivery },
    });
  }

  /**
   * Delivers messages due at one instant, at most one per server, and acts on the answers in the order
   * the messages were due, letting each answer's consequences settle before the next: exactly what
   * delivering them one after the other gives, since a server's answer can change nothing of another
   * server's message that was already due (its content was fixed when it was scheduled; only a server's
   * own answers cancel its timers or end its process). The traces are the same, byte for byte.
   */
  private readonly deliverBatch = async (items: unknown[]): Promise<void> => {
    const sends: { delivery: Delivery; message: ToServer }[] = [];
    for (const delivery of items as Delivery[]) {
      const { host, generation, message } = delivery;
      if (delivery.timerId !== undefined) {
        host.link.timers.delete(delivery.timerId);
        if (host.state.generation !== generation) continue;
      } else if (
        host.state.generation !== generation ||
        host.state.process === 'crashed' ||
        host.state.process === 'stopped'
      ) {
        continue;
      }
      // A paused server runs no code: what comes due for it waits (its own timers included).
      if (host.state.paused) {
        host.link.held.push(message);
        continue;
      }
      sends.push({ delivery, message: { ...message, vt: this.time.now() } as ToServer });
    }
    const answers = await Promise.all(
      sends.map(({ delivery, message }) => delivery.host.transport.exchange(message)),
    );
    for (let index = 0; index < sends.length; index++) {
      const { host, generation } = sends[index]!.delivery;
      const requests = answers[index];
      if (!requests) continue;
      for (const request of requests) this.onRequest(host, generation, request);
      // What the answer set in motion (statements, lock hand-overs) runs before the next answer is heard.
      if (index < sends.length - 1) await this.time.settle();
    }
  };

  private drawLatency(): number {
    const { min, max } = this.options.latencyMs;
    return min + Math.floor(this.random.random() * (max - min + 1));
  }

  /**
   * Registers the channels the server wants on its connection. A cut-off connection cannot listen (and
   * would hear nothing): its channels are registered when it is healed (found by the soak: a server that
   * began listening while cut off took the conductor down).
   */
  private listen(host: Host): void {
    const link = host.link;
    if (host.state.cutOff || link.connection.isSevered) return;
    const generation = host.state.generation;
    for (const channel of link.channels) {
      if (link.listening.has(channel)) continue;
      const unlisten = link.connection.listen(channel, () =>
        this.deliverLater(host, generation, this.drawLatency(), { kind: 'notified', channel }),
      );
      link.listening.set(channel, unlisten);
    }
  }

  private runStatement(host: Host, generation: number, message: Extract<FromServer, { kind: 'sql' }>): void {
    const executor = message.lock === null ? host.link.connection : host.link.locks.get(message.lock)?.tx;
    let answer: Promise<{ rows: Row[]; changes: number }>;
    if (!executor) {
      answer = Promise.reject(new Error(`statement for transaction ${message.lock}, which is not open`));
    } else if (message.op === 'query') {
      answer = executor.query(message.sql, message.params).then((rows) => ({ rows, changes: 0 }));
    } else {
      answer = executor.run(message.sql, message.params).then(({ changes }) => ({ rows: [], changes }));
    }
    this.answer(host, generation, message.id, answer);
  }

  private answer(
    host: Host,
    generation: number,
    id: number,
    answer: Promise<{ rows: Row[]; changes: number }>,
  ): void {
    answer.then(
      ({ rows, changes }) =>
        this.deliverLater(host, generation, this.drawLatency(), { kind: 'sqlResult', id, rows, changes }),
      (error: unknown) =>
        this.deliverLater(host, generation, this.drawLatency(), {
          kind: 'sqlError',
          id,
          error: toWireError(error),
        }),
    );
  }

  /**
   * Takes the database lock for the server; the transaction lives until the server says unlock. Lock ids
   * are the server's own, one counter per process (RemoteDatabase), so an id still open is a broken
   * server: overwriting its entry would strand the open transaction until the transaction timeout.
   */
  private openLock(host: Host, generation: number, id: number): void {
    const entry: OpenLock = {};
    const locks = host.link.locks;
    if (locks.has(id)) {
      throw new Error(
        `server ${host.spec.id} asked for lock ${id}, which is still open: each lock() has an id of its own`,
      );
    }
    locks.set(id, entry);
    host.link.connection
      .lock(
        (tx) =>
          new Promise<void>((resolve, reject) => {
            entry.tx = tx;
            entry.finish = (outcome) => (outcome === 'commit' ? resolve() : reject(ROLLED_BACK_BY_SERVER));
            this.deliverLater(host, generation, this.drawLatency(), { kind: 'lockGranted', id });
          }),
      )
      .then(
        () => this.deliverLater(host, generation, this.drawLatency(), { kind: 'lockDone', id }),
        (error: unknown) =>
          this.deliverLater(host, generation, this.drawLatency(), {
            kind: 'lockDone',
            id,
            ...(error === ROLLED_BACK_BY_SERVER ? {} : { error: toWireError(error) }),
          }),
      )
      .finally(() => {
        if (locks.get(id) === entry) locks.delete(id);
      });
  }
}
