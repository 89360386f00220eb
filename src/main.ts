#!/usr/bin/env node
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { demoUsers } from './demo/demo-data.js';
import { createLogger } from './logger.js';
import { startMetricsServer } from './observability/metrics-server.js';
import { ScrapeAccess } from './observability/scrape-access.js';

const usage = `Switchboard: plan assignment and service provisioning.

Usage: switchboard <command>

  serve     run the API, the console and the provisioning engine (the default)
  worker    run only the provisioning engine (PostgreSQL: add workers to share the runs;
            give each a WORKER_ID of its own)
  migrate   apply the database migrations and exit
  seed      load the demo data (catalog, customers, stock, staff) and exit
  help      show this text

Configuration comes from the environment: PORT, HOST, DATA_DIR, DATABASE_URL, LOG_LEVEL
(see README.md).`;

/**
 * SIGINT and SIGTERM drain, then close: the process takes no more work and waits up to
 * SHUTDOWN_GRACE_SECONDS for the runs under way to end; what still runs then is given up for
 * another worker to take over at once. A second signal stops at once.
 */
function closeOnSignals(app: { drain(graceMs: number): Promise<void>; close(): Promise<void> }, logger: ReturnType<typeof createLogger>, graceMs: number): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal, graceSeconds: graceMs / 1000 }, 'shutting down: draining the runs under way');
    await app.drain(graceMs);
    await app.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'serve';
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(usage);
    return;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel);

  switch (command) {
    case 'migrate': {
      const app = await createApp({ config, logger });
      await app.close();
      logger.info('migrations applied');
      return;
    }
    case 'seed': {
      const app = await createApp({ config, logger, seedDemo: true });
      logger.info(app.demoLoaded ? 'demo data loaded' : 'demo data was already there; nothing changed');
      printDemoLogins(logger);
      await app.close();
      return;
    }
    case 'worker': {
      if (config.database === 'embedded') {
        console.error('A separate worker needs PostgreSQL (DATABASE_URL): the embedded database belongs to one process, and `serve` already runs the engine.');
        process.exitCode = 2;
        return;
      }
      const app = await createApp({ config, logger, systemGauges: false });
      if (config.metrics.port) {
        const server = await startMetricsServer({ port: config.metrics.port, host: config.host, metrics: app.metrics, scrape: new ScrapeAccess(config.metrics.token, config.metrics.allow), readiness: app.readiness, logger });
        logger.info({ port: config.metrics.port }, 'metrics and health on /metrics, /health/live, /health/ready');
        const close = app.close;
        app.close = async () => {
          server.close();
          await close();
        };
      }
      logger.info({ workerId: config.workerId, concurrency: config.workerConcurrency }, 'provisioning worker running');
      closeOnSignals(app, logger, config.shutdownGraceMs);
      return;
    }
    case 'serve': {
      const firstStartSeed = config.database === 'embedded' && config.demoData === 'auto';
      const app = await createApp({ config, logger, seedDemo: firstStartSeed });
      const address = await app.http.listen({ port: config.port, host: config.host });
      const shown = address.replace('127.0.0.1', 'localhost').replace('[::1]', 'localhost');
      logger.info(`Switchboard ${config.database === 'embedded' ? `on the embedded database in ${config.dataDir}` : 'on PostgreSQL'}`);
      logger.info(`API: ${shown}/api   API docs: ${shown}/docs`);
      if (firstStartSeed || app.demoLoaded) printDemoLogins(logger);
      closeOnSignals(app, logger, config.shutdownGraceMs);
      return;
    }
    default:
      console.error(`Unknown command "${command}".\n\n${usage}`);
      process.exitCode = 2;
  }
}

function printDemoLogins(logger: ReturnType<typeof createLogger>) {
  for (const u of demoUsers) logger.info(`Demo login (${u.role}): ${u.email} / ${u.password}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof ConfigError) console.error(e.message);
  else console.error(e);
  process.exit(1);
});
