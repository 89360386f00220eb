import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely, Transaction } from 'kysely';
import type pg from 'pg';
import type { DB } from './schema.js';

const inTransaction = new AsyncLocalStorage<boolean>();

/**
 * Runs `fn` in a transaction. Inside it, every query must go through `trx`: a query on the pool
 * would need a second connection, which on the embedded database (one connection) waits forever.
 * `guardPool` turns that mistake into an immediate error.
 */
export function transaction<T>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute((trx) => inTransaction.run(true, () => fn(trx)));
}

export class NestedConnectionError extends Error {
  constructor() {
    super('A query used the pool inside an open transaction; pass the transaction (trx) instead. On the embedded database this would wait forever.');
  }
}

export function guardPool(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (cb?: (err: Error | undefined, client?: pg.PoolClient, done?: () => void) => void) => unknown;
  (pool as unknown as { connect: typeof connect }).connect = (cb) => {
    if (inTransaction.getStore()) {
      const err = new NestedConnectionError();
      if (cb) {
        process.nextTick(() => cb(err));
        return undefined;
      }
      return Promise.reject(err);
    }
    return cb ? connect(cb) : connect();
  };
}
