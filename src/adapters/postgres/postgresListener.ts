import pg from 'pg';
import { messageOf } from '../errors.js';
import { quoteIdentifier } from './quoteIdentifier.js';
import type { ReconnectBackoff } from './reconnectBackoff.js';

/**
 * The one connection of a server that LISTENs. Subscriptions are counted per channel: the first LISTENs,
 * the last UNLISTENs. If the connection drops (the server restarted, `pg_terminate_backend`), it is
 * opened again after a short pause (100 ms, doubling while connecting fails, up to the backoff's longest)
 * with every channel LISTENed again, and every callback is called once: a notification sent while nobody
 * listened is lost, so each listener looks for itself.
 */
export class PostgresListener {
  private client: pg.Client | undefined;
  private readonly callbacks = new Map<string, Set<() => void>>();
  /** Every LISTEN, UNLISTEN and reconnection in order, so that they never overlap on the connection. */
  private work: Promise<void> = Promise.resolve();
  private closed = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channelName: (channel: string) => string,
    private readonly onError: (error: Error) => void,
    private readonly backoff: ReconnectBackoff,
  ) {}

  listen(channel: string, callback: () => void): () => void {
    const name = this.channelName(channel);
    let set = this.callbacks.get(name);
    if (!set) {
      set = new Set();
      this.callbacks.set(name, set);
      this.enqueue(async (client) => void (await client.query(`LISTEN ${quoteIdentifier(name)}`)));
    }
    set.add(callback);
    let listening = true;
    return () => {
      if (!listening) return;
      listening = false;
      const current = this.callbacks.get(name);
      current?.delete(callback);
      if (current?.size === 0) {
        this.callbacks.delete(name);
        this.enqueue(async (client) => void (await client.query(`UNLISTEN ${quoteIdentifier(name)}`)));
      }
    };
  }

  ready(): Promise<void> {
    return this.work;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    await this.work;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private enqueue(step: (client: pg.Client) => Promise<void>, onFailure?: () => void): void {
    this.work = this.work.then(async () => {
      if (this.closed) return;
      try {
        await step(await this.connected());
      } catch (error) {
        this.onError(new Error(`listening connection: ${messageOf(error)}`, { cause: error }));
        if (onFailure) onFailure();
        // Not connected (the server down): connecting again LISTENs to every channel, this one too.
        else if (this.client === undefined) this.reconnectSoon();
      }
    });
  }

  private async connected(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client(this.config);
    client.on('notification', ({ channel }) => {
      for (const callback of [...(this.callbacks.get(channel) ?? [])]) callback();
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    await client.connect();
    this.client = client;
    return client;
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.closed) return;
    this.onError(new Error(`listening connection lost: ${error.message}`, { cause: error }));
    this.reconnectSoon();
  }

  /** Connects again and LISTENs to every channel again, retrying with the backoff until it works. */
  private reconnectSoon(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    this.reconnectTimer = setTimeout(
      () => {
        this.reconnectTimer = undefined;
        this.enqueue(
          async (fresh) => {
            const channels = [...this.callbacks.keys()];
            for (const name of channels) await fresh.query(`LISTEN ${quoteIdentifier(name)}`);
            this.backoff.succeeded();
            for (const name of channels)
              for (const callback of [...(this.callbacks.get(name) ?? [])]) callback();
          },
          () => {
            this.backoff.failed();
            const client = this.client;
            this.client = undefined;
            void client?.end().catch(() => undefined);
            this.reconnectSoon();
          },
        );
      },
      Math.max(100, this.backoff.delayMs),
    );
  }
}
