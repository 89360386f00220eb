import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { DbNotifier } from '../db/notifier.js';
import type { WrittenEvent } from './ledger.js';

const CHANNEL = 'switchboard_provisions';
const ANY = Symbol('any provision');

/**
 * Tells whoever watches a provisioning run (the event stream, R7.2) that it changed. Within a
 * process it is an event emitter; on PostgreSQL, NOTIFY carries the news to the other processes
 * (a worker runs the playbook, the web process streams it).
 */
export class ProgressHub {
  private readonly emitter = new EventEmitter();
  private readonly origin = randomUUID();
  private readonly pending = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private unlisten: (() => void) | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly notifier: DbNotifier,
    private readonly logger: Logger,
  ) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    if (!this.notifier.shared) return;
    this.unlisten = await this.notifier.on(CHANNEL, (payload) => {
      const [origin, ids] = payload.split('|');
      if (origin === this.origin || !ids) return;
      for (const id of ids.split(',')) this.emit(id);
    });
  }

  private emit(provisionId: string, events?: WrittenEvent[]): void {
    this.emitter.emit(ANY, provisionId);
    this.emitter.emit(provisionId, events);
  }

  /**
   * Call after the change is committed, with the events it wrote if they are known (this
   * process's own moves): a stream here can send them without reading them back.
   */
  changed(provisionId: string, events?: WrittenEvent[]): void {
    this.emit(provisionId, events);
    if (!this.notifier.shared) return;
    // Other processes hear of changes in batches: one NOTIFY per 20 ms at most, whatever the load.
    this.pending.add(provisionId);
    this.flushTimer ??= setTimeout(() => void this.flush(), 20);
  }

  private async flush(): Promise<void> {
    this.flushTimer = null;
    const ids = [...this.pending];
    this.pending.clear();
    // A NOTIFY payload holds under 8000 bytes: about 200 IDs each.
    for (let i = 0; i < ids.length; i += 200) {
      await this.pool.query('select pg_notify($1, $2)', [CHANNEL, `${this.origin}|${ids.slice(i, i + 200).join(',')}`]).catch((err: Error) => {
        this.logger.warn({ err: err.message }, 'could not notify other processes of a provisioning change');
      });
    }
  }

  /** Every change, of any run, from this process or another. */
  onAnyChange(fn: (provisionId: string) => void): () => void {
    this.emitter.on(ANY, fn);
    return () => this.emitter.off(ANY, fn);
  }

  /** Changes of one run; `events` are given when the change was made in this process. */
  subscribe(provisionId: string, fn: (events?: WrittenEvent[]) => void): () => void {
    this.emitter.on(provisionId, fn);
    return () => this.emitter.off(provisionId, fn);
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.unlisten?.();
  }
}
