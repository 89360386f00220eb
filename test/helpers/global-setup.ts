import fs from 'node:fs';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { embeddedTemplateDir, pgTemplateName, testRoot, urlFor, usingPostgres, withAdminClient } from './databases.js';

/** Builds the template database every test file copies: migrated, with the demo data. */
export default async function setup(): Promise<() => Promise<void>> {
  fs.mkdirSync(testRoot, { recursive: true });
  const logger = createLogger('warn', false);
  if (usingPostgres()) {
    await withAdminClient(async (c) => {
      await c.query(`drop database if exists "${pgTemplateName}" with (force)`);
      await c.query(`create database "${pgTemplateName}"`);
    });
    const config = loadConfig({ ...process.env, DATABASE_URL: urlFor(pgTemplateName) });
    const app = await createApp({ config, logger, seedDemo: true });
    await app.close();
  } else {
    fs.rmSync(embeddedTemplateDir, { recursive: true, force: true });
    const config = loadConfig({ ...process.env, DATABASE_URL: '', DATA_DIR: embeddedTemplateDir });
    const app = await createApp({ config, logger, seedDemo: true });
    await app.close();
  }
  return async () => {
    if (usingPostgres()) {
      // Databases of test files that crashed before dropping theirs.
      await withAdminClient(async (c) => {
        const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname like 'switchboard_t\\_%'`);
        for (const r of rows) await c.query(`drop database if exists "${r.datname}" with (force)`);
      });
    }
  };
}
