import { createHash } from 'node:crypto';
import { type CompiledQuery, type RawBuilder, sql } from 'kysely';
import type pg from 'pg';

/**
 * `expr` starts with `prefix`, as a range of an index in the "C" collation: `expr >= 'abc' and
 * expr < 'abd'`. The same rows as `LIKE 'abc%'` (byte order is code point order in UTF-8), with
 * the prefix a plain parameter (no wildcard to escape), so that a prepared statement's generic
 * plan still reads the index's range; PostgreSQL plans `LIKE $1` again on every execution.
 */
export function startsWith(expr: RawBuilder<unknown>, prefix: string): RawBuilder<boolean> {
  const last = prefix.codePointAt(prefix.length - 1);
  if (last === undefined) return sql<boolean>`true`;
  const head = [...prefix].slice(0, -1).join('');
  const next = last >= 0xd7ff && last < 0xe000 ? null : String.fromCodePoint(last + 1);
  if (next === null) return sql<boolean>`${expr} >= ${prefix}`;
  return sql<boolean>`(${expr} >= ${prefix} and ${expr} < ${head + next})`;
}

/**
 * Runs a compiled statement as a named prepared statement (named by its text), so each
 * connection plans it once and reuses the plan: for the searches, whose planning cost more than
 * their execution. The rows as the driver gives them (column names as the statement says).
 */
export async function runPrepared<R>(pool: pg.Pool, query: CompiledQuery): Promise<R[]> {
  const name = `p_${createHash('sha1').update(query.sql).digest('hex').slice(0, 20)}`;
  const res = await pool.query({ name, text: query.sql, values: query.parameters as unknown[] });
  return res.rows as R[];
}
