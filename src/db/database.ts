import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import { openPglite } from './pglite.js';
import type { DB } from './schema.js';
import { guardPool } from './transaction.js';

export interface Database {
  db: Kysely<DB>;
  /** The one pool every access goes through (on PGlite a pool of one connection). */
  pool: pg.Pool;
  /**
   * For the reads of consoles following runs (R7.2): on PostgreSQL a few connections of their own,
   * so a poll never waits behind the engine's transactions for one of the pool's; on the embedded
   * database the same as `db` (it has one connection).
   */
  reads: Kysely<DB>;
  /**
   * For the searches (R3.1), run as named prepared statements: on PostgreSQL a few connections
   * of their own that plan each statement once and keep that plan for every value
   * (`plan_cache_mode=force_generic_plan`: their prefixes are index ranges, good for any value,
   * and planning them cost more than running them); on the embedded database the one pool.
   */
  searches: pg.Pool;
  kind: 'embedded' | 'postgres';
  close(): Promise<void>;
}

/**
 * Row values the way the API speaks them: int8 (counts, big ids) as numbers, timestamps as ISO
 * strings, dates as `YYYY-MM-DD`. Set per pool, so other users of `pg` keep the defaults.
 */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case 20: // int8
        return (v: string) => Number(v);
      case 1114: // timestamp
      case 1184: // timestamptz
        return (v: string) => new Date(v.includes('+') || v.endsWith('Z') ? v : `${v}Z`).toISOString();
      case 1082: // date
        return (v: string) => v;
      default:
        return pg.types.getTypeParser(oid, format as 'text');
    }
  },
};

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  if (config.databaseUrl) {
    const open = (max: number, options?: string) => {
      const pool = new pg.Pool({ connectionString: config.databaseUrl, max, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000, types: typeParsers, ...(options && { options }) });
      pool.on('error', () => {
        /* an idle client lost its connection: the pool replaces it */
      });
      return pool;
    };
    const reads = kysely(open(Number(process.env.DB_READ_POOL_MAX ?? 4)));
    const searches = open(Number(process.env.DB_SEARCH_POOL_MAX ?? 4), '-c plan_cache_mode=force_generic_plan');
    return wrap(
      open(Number(process.env.DB_POOL_MAX ?? 20)),
      'postgres',
      async () => {
        await reads.destroy();
        await searches.end();
      },
      reads,
      searches,
    );
  }
  const { lite, release } = await openPglite(config.dataDir);
  const pool = new pg.Pool({
    ...(createPgConfig(lite) as unknown as pg.PoolConfig),
    max: 1,
    // A second checkout while the one connection is held (a query outside an open transaction)
    // would wait forever; fail loudly instead.
    connectionTimeoutMillis: 60_000,
    types: typeParsers,
  });
  return wrap(pool, 'embedded', async () => {
    await lite.close();
    release();
  });
}

const kysely = (pool: pg.Pool) => {
  guardPool(pool);
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })] });
};

function wrap(pool: pg.Pool, kind: Database['kind'], after: () => Promise<void>, reads?: Kysely<DB>, searches?: pg.Pool): Database {
  const db = kysely(pool);
  let closed = false;
  return {
    db,
    pool,
    reads: reads ?? db,
    searches: searches ?? pool,
    kind,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy(); // ends the pool
      await after();
    },
  };
}
