import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * One database per test file, copied from a template made once per run (migrated, demo data
 * loaded): a copied data directory on the embedded database, CREATE DATABASE ... TEMPLATE on
 * PostgreSQL (when DATABASE_URL is set). Everything is named after the run (SWITCHBOARD_TEST_RUN,
 * set by the global setup before the test processes start), so two runs on one machine or one
 * PostgreSQL never touch each other's databases.
 */
export const runId = () => process.env.SWITCHBOARD_TEST_RUN ?? 'local';
export const testRoot = () => path.join(os.tmpdir(), `switchboard-tests-${runId()}`);
export const embeddedTemplateDir = () => path.join(testRoot(), 'template');
export const pgTemplateName = () => `switchboard_tpl_${runId()}`;
/** The prefix of every database a run's test files make (LIKE pattern: `_` escaped). */
export const pgRunPrefix = () => `switchboard_t_${runId()}_`;

export const usingPostgres = () => Boolean(process.env.DATABASE_URL);

export function adminUrl(): string {
  const url = new URL(process.env.DATABASE_URL!);
  return url.toString();
}

export function urlFor(database: string): string {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdminClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  /** What goes into the config: DATA_DIR or DATABASE_URL. */
  dataDir: string;
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDatabase> {
  const name = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const dataDir = path.join(testRoot(), name);
  if (!usingPostgres()) {
    fs.cpSync(embeddedTemplateDir(), dataDir, { recursive: true });
    fs.rmSync(path.join(dataDir, 'switchboard.lock'), { force: true });
    return { dataDir, databaseUrl: undefined, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const database = `${pgRunPrefix()}${name}`;
  await withAdminClient((c) => c.query(`create database "${database}" template "${pgTemplateName()}"`));
  return {
    dataDir,
    databaseUrl: urlFor(database),
    drop: () => withAdminClient((c) => c.query(`drop database if exists "${database}" with (force)`)).then(() => undefined),
  };
}
