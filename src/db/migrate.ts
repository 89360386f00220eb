import { type Kysely, type Migration, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_foundation.js';
import * as m0002 from './migrations/0002_provisioning.js';
import * as m0003 from './migrations/0003_billing.js';
import * as m0004 from './migrations/0004_mail_claims.js';
import * as m0005 from './migrations/0005_batches.js';
import * as m0006 from './migrations/0006_batch_keys.js';
import * as m0007 from './migrations/0007_batch_row_codes.js';
import * as m0008 from './migrations/0008_security.js';
import * as m0009 from './migrations/0009_engine_groups.js';
import * as m0010 from './migrations/0010_system_limits.js';
import * as m0011 from './migrations/0011_webhooks.js';
import * as m0012 from './migrations/0012_operations.js';
import * as m0013 from './migrations/0013_observability.js';
import * as m0014 from './migrations/0014_translations.js';
import * as m0015 from './migrations/0015_search.js';
import * as m0016 from './migrations/0016_stock_and_termination.js';
import * as m0017 from './migrations/0017_tmf.js';
import * as m0018 from './migrations/0018_languages.js';

/** Every migration, in order. Committed, never edited once landed: add a new one instead. */
const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_provisioning': m0002,
  '0003_billing': m0003,
  '0004_mail_claims': m0004,
  '0005_batches': m0005,
  '0006_batch_keys': m0006,
  '0007_batch_row_codes': m0007,
  '0008_security': m0008,
  '0009_engine_groups': m0009,
  '0010_system_limits': m0010,
  '0011_webhooks': m0011,
  '0012_operations': m0012,
  '0013_observability': m0013,
  '0014_translations': m0014,
  '0015_search': m0015,
  '0016_stock_and_termination': m0016,
  '0017_tmf': m0017,
  '0018_languages': m0018,
};

const migratorOf = (db: Kysely<any>) =>
  new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'switchboard_migrations',
    migrationLockTableName: 'switchboard_migrations_lock',
    // Migrations written side by side land in any order: each stands alone, and one a database
    // has not applied yet is applied even if a later-named one already was.
    allowUnorderedMigrations: true,
  });

/** Migrations this code has that the database has not applied (health: not ready while any). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  return (await migratorOf(db).getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = migratorOf(db);
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
