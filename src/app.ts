import path from 'node:path';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { billingRoutes } from './billing/billing.routes.js';
import { BillingService } from './billing/billing.service.js';
import { BillingRunner } from './billing/billing.workflows.js';
import { BatchPump } from './bulk/bulk.pump.js';
import { bulkRoutes } from './bulk/bulk.routes.js';
import { BulkService } from './bulk/bulk.service.js';
import { catalogRoutes } from './catalog/catalog.routes.js';
import { CatalogService } from './catalog/catalog.service.js';
import { type Config, ConfigError } from './config.js';
import { customersRoutes } from './customers/customers.routes.js';
import { CustomersService } from './customers/customers.service.js';
import { type Database, openDatabase } from './db/database.js';
import { migrateToLatest, pendingMigrations } from './db/migrate.js';
import { DbNotifier } from './db/notifier.js';
import { SharedTestClock } from './db/test-clock.js';
import { seedDemo } from './demo/seed.js';
import { createServer } from './http/server.js';
import type { ZodApp } from './http/types.js';
import { HttpSystems } from './integrations/http/http-systems.js';
import { Mailer } from './integrations/mail/mailer.js';
import { HttpNetwork, type NetworkAdapter, SimulatedNetwork } from './integrations/network/network.js';
import { CgratesOcs } from './integrations/ocs/cgrates-ocs.js';
import type { OcsAdapter } from './integrations/ocs/ocs.js';
import { SimulatedOcs } from './integrations/ocs/simulated-ocs.js';
import type { PaymentGateway } from './integrations/payments/gateway.js';
import { StripeGateway } from './integrations/payments/stripe-gateway.js';
import { TestGateway } from './integrations/payments/test-gateway.js';
import { knownSystems, Simulators } from './integrations/simulators.js';
import { systemsRoutes } from './integrations/systems.routes.js';
import { searchRoutes } from './search/search.routes.js';
import { SearchService } from './search/search.service.js';
import { SystemLimits } from './integrations/limits.js';
import { Tickets } from './integrations/tickets/tickets.js';
import { inventoryRoutes } from './inventory/inventory.routes.js';
import { InventoryService } from './inventory/inventory.service.js';
import { LowStockWatch } from './inventory/low-stock.js';
import { webhooksRoutes } from './webhooks/webhooks.routes.js';
import { WebhookSender } from './webhooks/webhooks.sender.js';
import { WebhooksService } from './webhooks/webhooks.service.js';
import { TmfCatalog } from './tmf/tmf.catalog.js';
import { TmfCustomers } from './tmf/tmf.customers.js';
import { TMF_KIND, TmfHub, tmfRenderer } from './tmf/tmf.hub.js';
import { TmfInventory } from './tmf/tmf.inventory.js';
import { TmfOrdering } from './tmf/tmf.ordering.js';
import { tmfRoutes } from './tmf/tmf.routes.js';
import { batchGate } from './bulk/bulk.service.js';
import { ProvisioningEngine } from './provisioning/engine/index.js';
import { RunLedger } from './provisioning/ledger.js';
import { WorkflowRuntime } from './workflows/dbos-runtime.js';
import { LifecycleService } from './provisioning/lifecycle.service.js';
import { loadPlaybooks, productProblems } from './provisioning/playbooks/playbooks.js';
import { ProgressHub } from './provisioning/progress-hub.js';
import { provisioningRoutes, triageRoutes } from './provisioning/provisioning.routes.js';
import { TriageService } from './provisioning/triage.service.js';
import { operationsRoutes } from './operations/operations.routes.js';
import { OperationsService } from './operations/operations.service.js';
import { ProvisioningService } from './provisioning/provisioning.service.js';
import { servicesRoutes } from './services/services.routes.js';
import { ServicesService } from './services/services.service.js';
import { type Clock, systemClock } from './shared/clock.js';
import { systemCtx } from './users/actor.js';
import { MfaService } from './users/mfa.service.js';
import { OidcService } from './users/oidc.service.js';
import { SecretBox } from './users/secret-box.js';
import { sessionRoutes } from './users/session.routes.js';
import { SignInLimits } from './users/sign-in-limits.js';
import { SignInService } from './users/sign-in.service.js';
import { usersRoutes } from './users/users.routes.js';
import { UsersService } from './users/users.service.js';
import { projectRoot, version } from './version.js';
import { Metrics } from './observability/metrics.js';
import { observabilityRoutes, type Readiness } from './observability/observability.routes.js';
import { ScrapeAccess } from './observability/scrape-access.js';
import { Tracing } from './observability/tracing.js';
import { queueGauges } from './provisioning/provisioning.gauges.js';
import { batchRowGauges } from './bulk/bulk.gauges.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Load the demo data if the database has none (the embedded mode's first start). */
  seedDemo?: boolean;
  /** The built console to serve at / (dist/web by default). */
  consoleDir?: string;
  /**
   * Export the gauges of the whole system read from the database (queue depth, stock...): the
   * processes that serve HTTP do; a `worker` exports only what it did itself (issue 12).
   */
  systemGauges?: boolean;
}

export interface Services {
  users: UsersService;
  catalog: CatalogService;
  customers: CustomersService;
  inventory: InventoryService;
  services: ServicesService;
  provisioning: ProvisioningService;
  lifecycle: LifecycleService;
  billing: BillingService;
  billingRunner: BillingRunner;
  bulk: BulkService;
  pump: BatchPump;
  webhooks: WebhooksService;
  /** Sends the webhooks; `deliveries.observe(...)` hears each attempt's outcome (issue 12). */
  deliveries: WebhookSender;
}

export interface Integrations {
  simulators: Simulators;
  ocs: OcsAdapter;
  network: NetworkAdapter;
  mail: Mailer;
  tickets: Tickets;
  http: HttpSystems;
  payments: PaymentGateway;
}

export interface SwitchboardApp {
  config: Config;
  database: Database;
  services: Services;
  integrations: Integrations;
  engine: ProvisioningEngine;
  /** DBOS, for billing's scheduled work. */
  workflows: WorkflowRuntime;
  /** Hears every change of every run (from any process on PostgreSQL). */
  hub: ProgressHub;
  http: ZodApp;
  /** Null with METRICS=off. */
  metrics: Metrics | null;
  tracing: Tracing;
  /** Health for orchestrators: the database, the migrations, the engine. */
  readiness(): Promise<Readiness>;
  demoLoaded: boolean;
  /** SIGTERM: stop taking work and let the runs under way end (up to `graceMs`). */
  drain(graceMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The composition root: database and migrations, playbooks (checked before anything starts),
 * domain services, external systems, the provisioning engine, HTTP routes.
 */
export async function createApp(opts: AppOptions): Promise<SwitchboardApp> {
  const { config, logger } = opts;
  let clock = opts.clock ?? systemClock;
  const playbooks = loadPlaybooks([path.join(projectRoot, 'playbooks'), ...config.playbookDirs]);
  const database = await openDatabase(config);
  const closers: (() => Promise<void> | void)[] = [() => database.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    const { db } = database;
    if (config.testClock && !opts.clock) {
      const shared = new SharedTestClock(db);
      await shared.start();
      closers.push(() => shared.stop());
      clock = shared;
      logger.warn('TEST_CLOCK is on: an administrator can move this clock (PUT /api/test-clock). Not for production.');
    }

    // Metrics and traces (issue 12): this app's own registry and tracer (tests run several apps in one process).
    let inventoryRef: InventoryService | null = null;
    let engineRef: ProvisioningEngine | null = null;
    const metrics = config.metrics.enabled
      ? new Metrics({
      workerId: config.workerId,
      inFlight: () => engineRef?.runsInFlight ?? 0,
      systemGauges:
        opts.systemGauges === false
          ? null
          : async () => {
              const [queued, rows, stock] = await Promise.all([queueGauges(db), batchRowGauges(db), inventoryRef?.gauges() ?? []]);
              return [...queued, ...rows, ...stock];
            },
    })
      : null;
    const tracing = Tracing.create(config.tracing, { workerId: config.workerId, version });
    closers.push(() => tracing.shutdown());

    const notifier = new DbNotifier({ databaseUrl: config.databaseUrl, logger });
    await notifier.start();
    closers.push(() => notifier.stop());
    const users = new UsersService(db, notifier, { sessionTtlHours: config.sessionTtlHours, reads: database.reads });
    await users.start();
    const box = await SecretBox.open(db, config.secretKey);
    if (!box.fromEnvironment) logger.warn('SECRET_KEY is not set: two-factor secrets are sealed with a key kept in the database itself. Set SECRET_KEY (32 or more random characters) in production.');
    const mfa = new MfaService(db, box, users);
    const oidc = config.oidc ? new OidcService(db, users, config.oidc, logger) : null;
    const signIn = new SignInService(users, mfa, new SignInLimits(db, config.signIn.windowMs), oidc, config.signIn);
    const catalog = new CatalogService(db, {
      playbookExists: (name) => playbooks.has(name),
      playbookNames: () => [...playbooks.keys()].sort(),
      problems: (p) => {
        const pb = playbooks.get(p.playbook);
        return pb ? productProblems(p, pb) : [];
      },
    });
    const customers = new CustomersService(db, database.searches);
    const inventory = new InventoryService(db, clock, { reservationTtlSeconds: config.reservationTtlSeconds, numberQuarantineDays: config.numberQuarantineDays });
    inventoryRef = inventory;
    const services = new ServicesService(db, catalog, clock);

    // The HTTP systems playbooks call by name can be simulated too (iptv-middleware, sip-registrar...).
    const httpSystemNames = [...playbooks.values()].flatMap((pb) => pb.tasks.filter((t) => t.action === 'http.request' && typeof t.args.system === 'string').map((t) => t.args.system as string));
    const systemNames = new Set([...Object.keys(knownSystems), ...httpSystemNames, ...Object.keys(config.httpSystems)]);
    const unknownLimits = Object.keys(config.systemLimits).filter((s) => !systemNames.has(s));
    if (unknownLimits.length) {
      throw new ConfigError(`Invalid configuration:\n  ${unknownLimits.map((s) => `${s.toUpperCase().replace(/-/g, '_')}_MAX_*`).join(', ')} names no system; the systems are ${[...systemNames].sort().join(', ')}`);
    }
    // At most N calls at once and M a second to each outside system, across every process (R11.3).
    const limits = new SystemLimits(db, config.systemLimits, { notifier, logger, metrics: metrics ?? undefined, tracing });
    await limits.start();
    closers.push(() => limits.stop());
    if (Object.keys(limits.configured).length) logger.info({ limits: limits.configured }, 'limits on outside systems');
    const simulators = new Simulators(db, systemNames, limits);
    await simulators.applyEnvironment(process.env);
    const integrations: Integrations = {
      simulators,
      ocs: config.ocs.url ? new CgratesOcs(config.ocs.url, config.ocs.tenant, undefined, limits) : new SimulatedOcs(db, simulators),
      network: config.network.hlrUrl || config.network.radiusUrl ? new HttpNetwork({ hlr: config.network.hlrUrl, radius: config.network.radiusUrl }, undefined, limits) : new SimulatedNetwork(db, simulators),
      mail: new Mailer(db, simulators, { smtpUrl: config.smtpUrl, from: config.mailFrom, limits }),
      tickets: new Tickets(db, simulators),
      http: new HttpSystems(db, simulators, config.httpSystems, undefined, limits),
      payments: config.payments.gateway === 'stripe' ? new StripeGateway(config.payments.stripeSecretKey!, config.payments.stripeApiBase, limits) : new TestGateway(db, simulators),
    };
    const billing = new BillingService(db, clock, integrations.payments, catalog, { dunning: config.billing.dunningMs, retryAfterSuspensionMs: config.billing.retryAfterSuspensionMs });
    closers.push(() => integrations.mail.close());
    if (metrics) billing.observe((outcomes) => metrics.collected(outcomes));

    const hub = new ProgressHub(database.pool, notifier, logger);
    await hub.start();
    closers.push(() => hub.stop());
    const workflows = new WorkflowRuntime({ pool: database.pool, kind: database.kind, logger, executorId: config.workerId, runWorkflows: config.runWorkflows });
    await workflows.launch();
    closers.push(() => workflows.shutdown());
    const ledger = new RunLedger({ db, hub, notifier, services });
    if (metrics) ledger.observe((moves) => metrics.moved(moves));
    const engine = new ProvisioningEngine({
      db,
      ledger,
      notifier,
      logger,
      gate: batchGate,
      deps: { billing, customers, inventory, services, clock, ...integrations },
      concurrency: config.workerConcurrency,
      groupSize: config.groupSize,
      leaseMs: config.leaseMs,
      retryDelayScale: config.retryDelayScale,
      workerId: config.workerId,
      runWorkflows: config.runWorkflows,
      tracing,
    });
    engineRef = engine;
    const provisioning = new ProvisioningService({ db, reads: database.reads, ledger, hub, catalog, customers, inventory, services, playbooks, clock });
    const lifecycle = new LifecycleService({ db, ledger, provisioning, catalog, customers, services, inventory, playbooks });
    const billingRunner = new BillingRunner(billing, services, lifecycle, logger, { concurrency: config.workerConcurrency, schedule: config.billing.schedule });
    const pump = new BatchPump({ db, catalog, inventory, provisioning, logger, owner: config.workerId });
    const bulk = new BulkService({ db, catalog, customers, inventory, services, provisioning, playbooks, clock, logger, defaultConcurrency: config.bulkConcurrency, wake: () => pump.wake() });
    // Outbound webhooks (issue 12): the database writes the events (migration 0011's triggers), this process sends them.
    const deliveries = new WebhookSender({ db, notifier, box, logger, owner: config.workerId, ...config.webhooks });
    if (metrics) deliveries.observe((d) => metrics.delivered(d.eventType, d.outcome, d.ms / 1000));
    const webhooks = new WebhooksService(db, { box, notifier, wake: () => deliveries.wake() });
    // The TM Forum hubs' listeners (issue 14) are endpoints of their own kind: the same sender, its own body.
    deliveries.registerKind(TMF_KIND, tmfRenderer(config.publicUrl), { ordered: true });
    // Where no NOTIFY reaches the sender (the embedded database), a run that moved is the hint to look.
    if (!notifier.shared) hub.onAnyChange(() => deliveries.wakeSoon());
    const lowStock = new LowStockWatch(inventory, logger, { intervalMs: config.lowStockCheckMs });
    const all: Services = { users, catalog, customers, inventory, services, provisioning, lifecycle, billing, billingRunner, bulk, pump, webhooks, deliveries };
    // The operations page and failed-run triage (issue 12).
    const triage = new TriageService({ db, provisioning, httpSystems: systemNames, batchNames: (ids) => bulk.names(ids), concurrency: database.kind === 'postgres' ? 8 : 1 });
    const operations = new OperationsService({ db, clock, httpSystems: systemNames });

    const demoLoaded = opts.seedDemo ? await seedDemo(all, systemCtx, logger) : false;
    for (const p of await catalog.list({ enabled: 'all' })) {
      const problems = catalog.problemsOf(p);
      if (problems.length) logger.warn({ product: p.slug, problems }, 'this product cannot be provisioned until fixed');
    }

    const http = await createServer({
      logger,
      users,
      version,
      database: database.kind,
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      consoleDir: opts.consoleDir ?? path.join(projectRoot, 'dist', 'web'),
      secure: config.cookieSecure,
      trustProxy: config.trustProxy,
      publicOrigin: config.publicUrl,
      metrics: metrics ?? undefined,
      tracing,
      scrape: new ScrapeAccess(config.metrics.token, config.metrics.allow),
    });
    closers.push(() => http.close());
    catalogRoutes(http, catalog);
    customersRoutes(http, customers);
    searchRoutes(http, new SearchService(db, database.searches));
    inventoryRoutes(http, inventory);
    servicesRoutes(http, { services, customers, inventory, integrations, lifecycle, billing, provisioning });
    billingRoutes(http, { billing, runner: billingRunner, customers, clock: clock instanceof SharedTestClock ? clock : null });
    provisioningRoutes(http, provisioning, hub, simulators);
    systemsRoutes(http, simulators, config);
    bulkRoutes(http, bulk);
    webhooksRoutes(http, webhooks);
    // The TM Forum Open APIs (issue 14): a facade over the same services.
    await tmfRoutes(http, {
      catalog: new TmfCatalog(db, catalog, inventory),
      customers: new TmfCustomers(customers),
      inventory: new TmfInventory(catalog, customers, services, inventory),
      ordering: new TmfOrdering(db, { catalog, customers, inventory, provisioning }),
      hub: new TmfHub(webhooks),
      stock: inventory,
      publicUrl: config.publicUrl,
    });
    triageRoutes(http, triage);
    operationsRoutes(http, operations);
    usersRoutes(http, users, db);
    // Ready: the database answers, every migration is applied, the engine runs and is not draining.
    let migrationsApplied = false;
    const readiness = async (): Promise<Readiness> => {
      const checks = { database: 'ok', migrations: 'ok', engine: 'ok' };
      try {
        await sql`select 1`.execute(db);
        if (!migrationsApplied) {
          const pending = await pendingMigrations(db);
          migrationsApplied = pending.length === 0;
          if (pending.length) checks.migrations = `not applied: ${pending.join(', ')}`;
        }
      } catch (err) {
        // The reason is for the log, not for whoever asks (the answer is public).
        logger.warn({ err: (err as Error).message }, 'readiness: the database does not answer');
        checks.database = 'no answer';
        checks.migrations = 'unknown';
      }
      if (!config.runWorkflows) checks.engine = 'off';
      else if (draining) checks.engine = 'draining';
      else if (!engine.ready) checks.engine = 'not started';
      return { ready: Object.values(checks).every((v) => v === 'ok' || v === 'off'), checks };
    };
    let draining = false;
    observabilityRoutes(http, { metrics, readiness });
    sessionRoutes(http, { users, signIn, mfa, cookieSecure: config.cookieSecure, publicUrl: config.publicUrl, secretKeySet: box.fromEnvironment });
    await http.ready();

    // Work starts once the server is ready: a restart that finds runs to take back (a crash) never
    // starves the start-up of the one connection the embedded database has.
    await engine.launch();
    closers.push(() => engine.shutdown());
    await billingRunner.start();
    closers.push(() => billingRunner.stop());
    workflows.startPruning(config.runHistoryDays);
    if (config.runWorkflows) {
      pump.start();
      closers.push(() => pump.stop());
      await deliveries.start();
      closers.push(() => deliveries.stop());
      lowStock.start();
      closers.push(() => lowStock.stop());
    }

    const drain = async (graceMs: number) => {
      draining = true;
      await pump.stop();
      await engine.drain(graceMs);
      // The runs that ended meanwhile wrote their events: what is under way is given a moment to end.
      await lowStock.stop();
      await deliveries.drain(Math.min(graceMs, config.webhooks.timeoutMs));
    };
    return { config, database, services: all, integrations, engine, workflows, hub, http, metrics, tracing, readiness, demoLoaded, drain, close };
  } catch (e) {
    await close();
    throw e;
  }
}
