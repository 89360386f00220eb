import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import type { DB } from './schema.js';
import { transaction } from './transaction.js';

/**
 * A clock that can be moved, shared by every process on the database (TEST_CLOCK=on): the
 * offset from real time is kept in `test_clock` and read every 200 ms, so that a test can move
 * a serve process and its workers at once (the idea of a payment provider's test clocks).
 * Never enabled unless asked for.
 */
export class SharedTestClock implements Clock {
  private offsetMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly db: Kysely<DB>) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), 200);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    const row = await this.db.selectFrom('testClock').select('offsetMs').executeTakeFirst();
    this.offsetMs = Number(row?.offsetMs ?? 0);
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves the clock for every process (an admin's change: audited). */
  async set(ctx: Ctx, to: Date): Promise<Date> {
    const from = this.now();
    const offsetMs = to.getTime() - Date.now();
    await transaction(this.db, async (trx) => {
      await trx
        .insertInto('testClock')
        .values({ offsetMs })
        .onConflict((oc) => oc.column('id').doUpdateSet({ offsetMs, updatedAt: new Date().toISOString() }))
        .execute();
      await recordAudit(trx, ctx, { action: 'test_clock.set', entityType: 'test_clock', entityId: 1, before: { now: from.toISOString() }, after: { now: to.toISOString() } });
    });
    this.offsetMs = offsetMs;
    return this.now();
  }
}
