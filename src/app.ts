import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { catalogRoutes } from './catalog/catalog.routes.js';
import { CatalogService } from './catalog/catalog.service.js';
import type { Config } from './config.js';
import { customersRoutes } from './customers/customers.routes.js';
import { CustomersService } from './customers/customers.service.js';
import { type Database, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { seedDemo } from './demo/seed.js';
import { createServer } from './http/server.js';
import type { ZodApp } from './http/types.js';
import { inventoryRoutes } from './inventory/inventory.routes.js';
import { InventoryService } from './inventory/inventory.service.js';
import { servicesRoutes } from './services/services.routes.js';
import { ServicesService } from './services/services.service.js';
import { type Clock, systemClock } from './shared/clock.js';
import { systemCtx } from './users/actor.js';
import { usersRoutes } from './users/users.routes.js';
import { UsersService } from './users/users.service.js';
import { projectRoot, version } from './version.js';
import { sql } from 'kysely';

export interface AppOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Load the demo data if the database has none (the embedded mode's first start). */
  seedDemo?: boolean;
  /** Where the playbooks are; `playbooks/` of the project by default. */
  playbooksDir?: string;
}

export interface Services {
  users: UsersService;
  catalog: CatalogService;
  customers: CustomersService;
  inventory: InventoryService;
  services: ServicesService;
}

export interface SwitchboardApp {
  config: Config;
  database: Database;
  services: Services;
  http: ZodApp;
  demoLoaded: boolean;
  close(): Promise<void>;
}

/** The composition root: database, migrations, domain services, HTTP routes. */
export async function createApp(opts: AppOptions): Promise<SwitchboardApp> {
  const { config, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const database = await openDatabase(config);
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');

    const playbooksDir = opts.playbooksDir ?? path.join(projectRoot, 'playbooks');
    const playbookNames = () =>
      fs
        .readdirSync(playbooksDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => f.replace(/\.ya?ml$/, ''))
        .sort();

    const users = new UsersService(database.db, { sessionTtlHours: config.sessionTtlHours });
    const catalog = new CatalogService(database.db, {
      playbookExists: (name) => playbookNames().includes(name),
      playbookNames,
    });
    const customers = new CustomersService(database.db);
    const inventory = new InventoryService(database.db, clock, { reservationTtlSeconds: config.reservationTtlSeconds });
    const services = new ServicesService(database.db, catalog);
    const all: Services = { users, catalog, customers, inventory, services };

    const demoLoaded = opts.seedDemo ? await seedDemo(all, systemCtx, logger) : false;

    const http = await createServer({
      logger,
      users,
      version,
      database: database.kind,
      ping: async () => {
        await sql`select 1`.execute(database.db);
      },
    });
    catalogRoutes(http, catalog);
    customersRoutes(http, customers);
    inventoryRoutes(http, inventory);
    servicesRoutes(http, services, customers);
    usersRoutes(http, users, database.db, { cookieSecure: config.cookieSecure });
    await http.ready();

    return {
      config,
      database,
      services: all,
      http,
      demoLoaded,
      async close() {
        await http.close();
        await database.close();
      },
    };
  } catch (e) {
    await database.close();
    throw e;
  }
}
