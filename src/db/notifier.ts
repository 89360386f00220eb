import { sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Executor } from './schema.js';

type Handler = (payload: string) => void;

/**
 * News between the processes that share one PostgreSQL (LISTEN/NOTIFY): a worker tells the web
 * process that a run moved, an admin's process tells the others that a sign-in was revoked. One
 * listening connection per process, whatever the channels. On the embedded database there is one
 * process: news is delivered within it.
 *
 * `connected` is false while the listening connection is down (it reconnects every second):
 * whoever caches on the strength of this news must stop trusting the cache meanwhile.
 */
export class DbNotifier {
  private readonly handlers = new Map<string, Set<Handler>>();
  private listener: pg.Client | null = null;
  private stopped = false;
  private readonly lostListeners = new Set<() => void>();

  constructor(private readonly options: { databaseUrl?: string | undefined; logger: Logger }) {}

  /** Delivery between processes (PostgreSQL); false on the embedded database. */
  get shared(): boolean {
    return Boolean(this.options.databaseUrl);
  }

  /** True when news from other processes can be heard now (always, on the embedded database). */
  get connected(): boolean {
    return !this.shared || this.listener !== null;
  }

  async start(): Promise<void> {
    if (this.shared) await this.listen();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    client.on('notification', (msg) => {
      if (msg.payload !== undefined) this.deliver(msg.channel, msg.payload);
    });
    client.on('error', (err) => {
      this.options.logger.warn({ err: err.message }, 'the notification listener lost its connection; reconnecting');
      if (this.listener === client) this.listener = null;
      for (const fn of this.lostListeners) fn();
      void client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.listen().catch(() => this.retryLater()), 1000);
    });
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    this.listener = client;
  }

  private retryLater(): void {
    if (!this.stopped) setTimeout(() => void this.listen().catch(() => this.retryLater()), 1000);
  }

  private deliver(channel: string, payload: string): void {
    for (const fn of this.handlers.get(channel) ?? []) fn(payload);
  }

  /** Hears every notification on `channel`, from this process and the others. */
  async on(channel: string, fn: Handler): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.listener?.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Called when the listening connection is lost: news may have been missed. */
  onLost(fn: () => void): () => void {
    this.lostListeners.add(fn);
    return () => this.lostListeners.delete(fn);
  }

  /**
   * Tells the other processes: sends `payload` on `channel` (this process hears it too, on
   * PostgreSQL). Given a transaction, the news leaves when it commits, and never if it rolls back.
   * On the embedded database there are no other processes: nothing is sent, and the caller deals
   * with its own process directly.
   */
  async notify(db: Executor, channel: string, payload: string): Promise<void> {
    if (this.shared) await sql`select pg_notify(${channel}, ${payload})`.execute(db);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
  }
}
