import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.js';
import type { DB } from './schema.js';

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

  async set(to: Date): Promise<Date> {
    this.offsetMs = to.getTime() - Date.now();
    await this.db
      .insertInto('testClock')
      .values({ offsetMs: this.offsetMs })
      .onConflict((oc) => oc.column('id').doUpdateSet({ offsetMs: this.offsetMs, updatedAt: new Date().toISOString() }))
      .execute();
    return this.now();
  }
}
