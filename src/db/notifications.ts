/**
 * In-process NOTIFY / LISTEN across the connections of one shared database.
 *
 * Listeners keep their registration across `sever` and `restore` (like a pool that re-issues LISTEN on
 * reconnect), but a severed connection hears nothing: notifications sent while it is cut off are lost to
 * it, as they would be on a real dropped connection.
 */

import type { Emit } from './events.js';

export interface ListeningConnection {
  readonly name: string;
  readonly isSevered: boolean;
}

interface Listener<Connection extends ListeningConnection> {
  readonly connection: Connection;
  readonly callback: () => void;
}

export class NotificationHub<Connection extends ListeningConnection> {
  /** Sets keep insertion order: delivery follows registration order, rotated (see deliver). */
  private readonly byChannel = new Map<string, Set<Listener<Connection>>>();
  private readonly rotation = new Map<string, number>();

  constructor(private readonly emit: Emit) {}

  /** Returns the unsubscribe function; calling it twice does nothing. */
  listen(connection: Connection, channel: string, callback: () => void): () => void {
    const listener: Listener<Connection> = { connection, callback };
    let listeners = this.byChannel.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.byChannel.set(channel, listeners);
    }
    listeners.add(listener);
    return () => {
      const current = this.byChannel.get(channel);
      current?.delete(listener);
      if (current?.size === 0) this.byChannel.delete(channel);
    };
  }

  /**
   * Calls every listener of each channel synchronously. A throwing listener is reported, never rethrown.
   *
   * Each delivery starts one listener further along: woken servers race for the same rows, and a fixed
   * order would let the first-registered one win every race. Postgres leaves the order unspecified; a
   * rotation keeps it deterministic and fair.
   */
  deliver(channels: Iterable<string>): void {
    for (const channel of channels) {
      const listeners = this.byChannel.get(channel);
      if (listeners === undefined) continue;
      const start = this.rotation.get(channel) ?? 0;
      this.rotation.set(channel, start + 1);
      const snapshot = [...listeners];
      const first = start % snapshot.length;
      // Listeners added during delivery wait for the next notification; removed ones are skipped.
      for (const listener of [...snapshot.slice(first), ...snapshot.slice(0, first)]) {
        if (listeners.has(listener) && !listener.connection.isSevered) this.call(listener, channel);
      }
    }
  }

  /** Drops every listener, also those a delivery in progress has yet to call. */
  clear(): void {
    for (const listeners of this.byChannel.values()) listeners.clear();
    this.byChannel.clear();
  }

  private call(listener: Listener<Connection>, channel: string): void {
    try {
      listener.callback();
    } catch (error) {
      this.emit?.({ type: 'listenerError', connection: listener.connection.name, channel, error });
    }
  }
}
