import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../shared/errors.js';

export interface LimitRule {
  /** What is counted, e.g. `account:agent@x.io` or `address:203.0.113.9`. */
  key: string;
  max: number;
  /** What a person is told is limited: "this account", "your network address". */
  what: string;
}

/**
 * Failed sign-ins counted per account (the normalised e-mail) and per client address, in fixed
 * windows kept in the database, so the limits hold across every process on PostgreSQL. Only
 * failures count: staff who sign in all day are never limited, a password guesser is. A success
 * clears its account's count.
 */
export class SignInLimits {
  private calls = 0;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly windowMs: number,
  ) {}

  /** Throws 429 when any of `rules` has had its `max` failures in the current window. */
  async check(rules: LimitRule[]): Promise<void> {
    const rows = await this.db
      .selectFrom('rateLimits')
      .select(['key', 'hits', sql<number>`ceil(extract(epoch from (window_started_at + ${this.windowMs} * interval '1 millisecond' - clock_timestamp())))`.as('secondsLeft')])
      .where('key', 'in', rules.map((r) => r.key))
      .where(sql<boolean>`window_started_at > clock_timestamp() - ${this.windowMs} * interval '1 millisecond'`)
      .execute();
    for (const rule of rules) {
      const row = rows.find((r) => r.key === rule.key);
      if (row && row.hits >= rule.max) {
        const minutes = Math.max(1, Math.ceil(Number(row.secondsLeft) / 60));
        throw new AppError('TOO_MANY_REQUESTS', `Too many failed sign-ins from ${rule.what}; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, 'Check the e-mail address and password; an administrator can reset a password.', {
          retryAfterSeconds: Math.max(1, Number(row.secondsLeft)),
        });
      }
    }
  }

  /** Counts a failure against each rule's key. */
  async failed(rules: LimitRule[]): Promise<void> {
    for (const { key } of rules) {
      await sql`
        insert into rate_limits (key, window_started_at, hits) values (${key}, clock_timestamp(), 1)
        on conflict (key) do update set
          hits = case when rate_limits.window_started_at <= clock_timestamp() - ${this.windowMs} * interval '1 millisecond' then 1 else rate_limits.hits + 1 end,
          window_started_at = case when rate_limits.window_started_at <= clock_timestamp() - ${this.windowMs} * interval '1 millisecond' then clock_timestamp() else rate_limits.window_started_at end`.execute(this.db);
    }
    if (++this.calls % 200 === 0) {
      await this.db.deleteFrom('rateLimits').where(sql<boolean>`window_started_at < clock_timestamp() - ${this.windowMs} * interval '1 millisecond'`).execute();
    }
  }

  /** Forgets an account's failures once its owner signed in. */
  async succeeded(key: string): Promise<void> {
    await this.db.deleteFrom('rateLimits').where('key', '=', key).execute();
  }
}
