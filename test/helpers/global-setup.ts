import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { embeddedTemplateDir, pgRunPrefix, pgTemplateName, testRoot, urlFor, usingPostgres, withAdminClient } from './databases.js';

/** Builds the template database every test file of this run copies: migrated, with the demo data. */
export default async function setup(): Promise<() => Promise<void>> {
  // Named before the test processes start: they inherit it.
  process.env.SWITCHBOARD_TEST_RUN = randomBytes(4).toString('hex');
  fs.mkdirSync(testRoot(), { recursive: true });
  const logger = createLogger('warn', false);
  if (usingPostgres()) {
    await withAdminClient((c) => c.query(`create database "${pgTemplateName()}"`));
    const config = loadConfig({ ...process.env, DATABASE_URL: urlFor(pgTemplateName()) });
    const app = await createApp({ config, logger, seedDemo: true });
    await app.close();
  } else {
    const config = loadConfig({ ...process.env, DATABASE_URL: '', DATA_DIR: embeddedTemplateDir() });
    const app = await createApp({ config, logger, seedDemo: true });
    await app.close();
  }
  return async () => {
    if (usingPostgres()) {
      // This run's template, and the databases of test files that crashed before dropping theirs.
      await withAdminClient(async (c) => {
        const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where starts_with(datname, $1) or datname = $2`, [pgRunPrefix(), pgTemplateName()]);
        for (const r of rows) await c.query(`drop database if exists "${r.datname}" with (force)`);
      });
    }
    fs.rmSync(testRoot(), { recursive: true, force: true });
  };
}
