import path from 'node:path';
import { limitsFromEnvironment, type SystemLimit } from './integrations/limits.js';
import { z } from 'zod';
import type { OidcSettings } from './users/oidc.service.js';
import { ScrapeAccess } from './observability/scrape-access.js';
import { tracingFromEnvironment, type TracingSettings } from './observability/tracing.js';

/**
 * Everything Switchboard reads from its environment, parsed once and typed.
 * Unset variables take the defaults of the embedded mode, so `npm start` needs none.
 */
const booleanFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long a wizard's hold on an inventory item lasts before it is available again (R4.3). */
  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
  /** How long a mobile number freed by a terminated service is held back before it can be handed out again (0: at once). */
  NUMBER_QUARANTINE_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /** Send the session cookie only over HTTPS. Turn on behind TLS. */
  COOKIE_SECURE: z.preprocess(emptyAsUndefined, booleanFlag.optional()).default(false),
  /** Seals two-factor secrets at rest (32 or more random characters). Unset: a key kept in the database (demos only). */
  SECRET_KEY: z.preprocess(emptyAsUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  /** The console's address as staff reach it (https://switchboard.example.net): the single sign-on redirect, accepted origins. */
  PUBLIC_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  /** Which proxies to believe for the client's address (X-Forwarded-For): true, a hop count, or addresses/CIDRs, comma-separated. */
  TRUST_PROXY: z.preprocess(emptyAsUndefined, z.string().optional()),
  /** `off`: staff sign in only through single sign-on (OIDC_*). */
  PASSWORD_SIGN_IN: z.preprocess(emptyAsUndefined, booleanFlag.optional()).default(true),
  /** Failed sign-ins allowed per account and per client address in SIGN_IN_WINDOW before 429. */
  SIGN_IN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(10_000).default(20),
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(100),
  SIGN_IN_WINDOW: z.string().default('15m'),
  /** Single sign-on with OpenID Connect: the provider's issuer URL, this client's ID and secret. */
  OIDC_ISSUER: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  OIDC_CLIENT_ID: z.preprocess(emptyAsUndefined, z.string().optional()),
  OIDC_CLIENT_SECRET: z.preprocess(emptyAsUndefined, z.string().optional()),
  /** The provider's name on the sign-in button ("Sign in with Acme SSO"). */
  OIDC_NAME: z.string().default('single sign-on'),
  OIDC_SCOPES: z.string().default('openid email profile'),
  /** The claim holding the staff member's groups or roles (dotted for a nested claim: realm_access.roles). */
  OIDC_ROLE_CLAIM: z.string().default('groups'),
  /** Claim values to roles: "switchboard-admins=admin,switchboard-agents=agent,switchboard-viewers=viewer". */
  OIDC_ROLE_MAP: z.string().default('switchboard-admins=admin,switchboard-agents=agent,switchboard-viewers=viewer'),
  /** The role of a staff member whose claims map to none; unset: refused. */
  OIDC_DEFAULT_ROLE: z.preprocess(emptyAsUndefined, z.enum(['admin', 'agent', 'viewer']).optional()),
  /** `auto`: load the demo data on the first start of the embedded mode; `off`: never. */
  DEMO_DATA: z.enum(['auto', 'off']).default('auto'),
  /** More playbook directories, colon-separated, beside the shipped playbooks/. */
  PLAYBOOKS_DIR: z.string().optional(),
  /** Provisioning runs one process works on at once. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(5000).optional(),
  /** Runs that move through their playbook together, at most (issue 10). */
  GROUP_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** SIGTERM: how long a stopping process waits for the runs under way before it gives them up. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(3600).default(20),
  /** A group's lease: a worker that stops renewing it (it died) loses its groups to another after this long. */
  WORKER_LEASE_SECONDS: z.coerce.number().min(2).max(600).default(20),
  /** Runs at once of a bulk-assignment batch that does not set its own limit (R11.3). */
  BULK_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(20),
  /** `off`: this process starts runs but leaves them to the workers (a web-only process on PostgreSQL). */
  RUN_WORKFLOWS: z.preprocess(emptyAsUndefined, booleanFlag.optional()).default(true),
  /** A stable name per process when several share a PostgreSQL: a restarted one takes back its runs. */
  WORKER_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).default('local'),
  /** Multiplies every task's retry delay (0.01 makes tests fast). */
  RETRY_DELAY_SCALE: z.coerce.number().min(0).max(100).default(1),
  /** The OCS: a CGRateS JSON-RPC URL (http://host:2080/jsonrpc); the built-in simulator when unset. */
  OCS_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  OCS_TENANT: z.string().default('cgrates.org'),
  /** Mail: an SMTP URL (smtp://user:pass@host:587); the database outbox when unset. */
  SMTP_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  MAIL_FROM: z.string().default('Switchboard <no-reply@switchboard.local>'),
  /** Payments: the built-in test gateway, or Stripe (STRIPE_SECRET_KEY; STRIPE_API_BASE for a stand-in). */
  PAYMENT_GATEWAY: z.enum(['test', 'stripe']).optional(),
  STRIPE_SECRET_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  STRIPE_API_BASE: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  /** Waits before each new attempt of a declined charge; then the service is suspended. */
  DUNNING_SCHEDULE: z.string().default('1d,3d,5d'),
  RETRY_AFTER_SUSPENSION: z.string().default('7d'),
  /** Run the billing sweep every minute (renewals, payment retries). */
  BILLING_SCHEDULE: z.preprocess(emptyAsUndefined, booleanFlag.optional()).default(true),
  /** Webhooks (issue 12): how long a receiver has to answer; the waits before each new attempt, then failed for good. */
  WEBHOOK_TIMEOUT: z.string().default('10s'),
  WEBHOOK_RETRY_SCHEDULE: z.string().default('5s,1m,5m,30m,2h,5h,8h,8h'),
  /** Webhook requests one process has under way at once; how often it looks for due ones besides being woken. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(16),
  WEBHOOK_POLL: z.string().default('2s'),
  /** Events and their delivery log are kept this long. */
  WEBHOOK_HISTORY_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** How often every template's available stock is held against its low-stock threshold (stock.low). */
  LOW_STOCK_CHECK: z.string().default('30s'),
  /** A clock the admin can move (PUT /api/test-clock), shared by every process: for tests and demos only. */
  TEST_CLOCK: z.preprocess(emptyAsUndefined, booleanFlag.optional()).default(false),
  /** Prometheus: a scrape token (sent as a Bearer token) and addresses allowed to scrape without one (issue 12). */
  /** `off`: no metrics at all (no /metrics, nothing counted). */
  METRICS: z.preprocess(emptyAsUndefined, booleanFlag.optional()).default(true),
  METRICS_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  METRICS_ALLOW: z.preprocess(emptyAsUndefined, z.string().optional()),
  /** A `worker` process serves /metrics and /health/* on this port (it has no other HTTP). */
  METRICS_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(65535).optional()),
  /** Finished billing workflows (DBOS's own records) are pruned after this many days; provisioning history is kept. */
  RUN_HISTORY_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Network elements behind a REST gateway; the built-in simulators when unset. */
  HLR_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  RADIUS_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  /** External systems playbooks call with http.request, as JSON: {"iptv-middleware": "https://..."}. */
  HTTP_SYSTEMS: z
    .string()
    .default('{}')
    .transform((s, ctx) => {
      try {
        return z.record(z.string(), z.string().url()).parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of system name to URL' });
        return z.NEVER;
      }
    }),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  database: 'embedded' | 'postgres';
  logLevel: z.infer<typeof configSchema>['LOG_LEVEL'];
  reservationTtlSeconds: number;
  numberQuarantineDays: number;
  sessionTtlHours: number;
  cookieSecure: boolean;
  secretKey: string | undefined;
  publicUrl: string | undefined;
  trustProxy: boolean | string | number;
  signIn: { passwords: boolean; maxFailuresPerAccount: number; maxFailuresPerAddress: number; windowMs: number };
  oidc: OidcSettings | undefined;
  demoData: 'auto' | 'off';
  playbookDirs: string[];
  workerConcurrency: number;
  groupSize: number;
  shutdownGraceMs: number;
  leaseMs: number;
  bulkConcurrency: number;
  workerId: string;
  runWorkflows: boolean;
  retryDelayScale: number;
  ocs: { url: string | undefined; tenant: string };
  smtpUrl: string | undefined;
  mailFrom: string;
  network: { hlrUrl: string | undefined; radiusUrl: string | undefined };
  httpSystems: Record<string, string>;
  /** Per outside system, across every process (<SYSTEM>_MAX_CONCURRENCY, <SYSTEM>_MAX_RATE). */
  systemLimits: Record<string, SystemLimit>;
  payments: { gateway: 'test' | 'stripe'; stripeSecretKey: string | undefined; stripeApiBase: string | undefined };
  billing: { dunningMs: number[]; retryAfterSuspensionMs: number; schedule: boolean };
  webhooks: { timeoutMs: number; retryScheduleMs: number[]; concurrency: number; pollMs: number; historyDays: number };
  lowStockCheckMs: number;
  testClock: boolean;
  metrics: { enabled: boolean; token: string | undefined; allow: string[]; port: number | undefined };
  /** OpenTelemetry traces, from the standard OTEL_* variables; null when off. */
  tracing: TracingSettings | null;
  runHistoryDays: number;
};

/** "1d", "36h", "30m", "10s" as milliseconds. */
export function parseDuration(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(s);
  if (!m) throw new ConfigError(`"${s}" is not a duration (use 500ms, 30s, 10m, 12h, 3d)`);
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'd']);
}

export class ConfigError extends Error {}

/** A duration between two bounds (ms), refused naming its variable otherwise. */
function durationIn(name: string, text: string, min: number, max: number): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${name}: ${(err as Error).message}`);
  }
  if (ms < min || ms > max) throw new ConfigError(`Invalid configuration:\n  ${name}: ${text.trim()} is not between ${min} ms and ${max / 1000} s`);
  return ms;
}

/** "group=role,group=role" as a map; roles must be Switchboard's. */
function parseRoleMap(s: string): Record<string, 'admin' | 'agent' | 'viewer'> {
  const map: Record<string, 'admin' | 'agent' | 'viewer'> = {};
  for (const pair of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const i = pair.lastIndexOf('=');
    const role = pair.slice(i + 1).trim();
    if (i <= 0 || !['admin', 'agent', 'viewer'].includes(role)) throw new ConfigError(`Invalid configuration:\n  OIDC_ROLE_MAP: "${pair}" is not "claim value=admin|agent|viewer"`);
    map[pair.slice(0, i).trim()] = role as 'admin';
  }
  return map;
}

/** TRUST_PROXY as Fastify takes it: true/false, a hop count, or a list of addresses and CIDRs. */
function parseTrustProxy(v: string | undefined): boolean | string | number {
  if (v === undefined || ['false', 'off', 'no', '0'].includes(v)) return false;
  if (['true', 'on', 'yes'].includes(v)) return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (!e.RUN_WORKFLOWS && !e.DATABASE_URL) {
    throw new ConfigError('Invalid configuration:\n  RUN_WORKFLOWS=off needs DATABASE_URL and a worker process: the embedded database has no other process to run the workflows');
  }
  const oidcSet = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID].filter(Boolean).length;
  if (oidcSet === 1) throw new ConfigError('Invalid configuration:\n  single sign-on needs both OIDC_ISSUER and OIDC_CLIENT_ID (and OIDC_CLIENT_SECRET for a confidential client)');
  if (!e.PASSWORD_SIGN_IN && !oidcSet) throw new ConfigError('Invalid configuration:\n  PASSWORD_SIGN_IN=off needs single sign-on (OIDC_ISSUER, OIDC_CLIENT_ID): no one could sign in');
  if ((e.PAYMENT_GATEWAY ?? (e.STRIPE_SECRET_KEY ? 'stripe' : 'test')) === 'stripe' && !e.STRIPE_SECRET_KEY) {
    throw new ConfigError('Invalid configuration:\n  PAYMENT_GATEWAY=stripe needs STRIPE_SECRET_KEY');
  }
  let metricsAllow: string[];
  let tracing: TracingSettings | null;
  try {
    metricsAllow = ScrapeAccess.parseAllow(e.METRICS_ALLOW);
    tracing = tracingFromEnvironment(env);
    if (tracing) new URL(tracing.tracesUrl);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${(err as Error).message.replace(/^Invalid URL$/, 'OTEL_EXPORTER_OTLP_ENDPOINT: not a URL')}`);
  }
  let systemLimits: Record<string, SystemLimit>;
  try {
    systemLimits = limitsFromEnvironment(env);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${(err as Error).message}`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    database: e.DATABASE_URL ? 'postgres' : 'embedded',
    logLevel: e.LOG_LEVEL,
    reservationTtlSeconds: e.RESERVATION_TTL_SECONDS,
    numberQuarantineDays: e.NUMBER_QUARANTINE_DAYS,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    cookieSecure: e.COOKIE_SECURE,
    secretKey: e.SECRET_KEY,
    publicUrl: e.PUBLIC_URL ? new URL(e.PUBLIC_URL).origin : undefined,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    signIn: { passwords: e.PASSWORD_SIGN_IN, maxFailuresPerAccount: e.SIGN_IN_MAX_FAILURES_PER_ACCOUNT, maxFailuresPerAddress: e.SIGN_IN_MAX_FAILURES_PER_ADDRESS, windowMs: parseDuration(e.SIGN_IN_WINDOW) },
    oidc:
      e.OIDC_ISSUER && e.OIDC_CLIENT_ID
        ? {
            issuer: e.OIDC_ISSUER,
            clientId: e.OIDC_CLIENT_ID,
            clientSecret: e.OIDC_CLIENT_SECRET,
            name: e.OIDC_NAME,
            scopes: e.OIDC_SCOPES,
            roleClaim: e.OIDC_ROLE_CLAIM,
            roleMap: parseRoleMap(e.OIDC_ROLE_MAP),
            defaultRole: e.OIDC_DEFAULT_ROLE,
          }
        : undefined,
    demoData: e.DEMO_DATA,
    playbookDirs: (e.PLAYBOOKS_DIR ?? '').split(':').filter(Boolean).map((d) => path.resolve(d)),
    workerConcurrency: e.WORKER_CONCURRENCY ?? (e.DATABASE_URL ? 500 : 200),
    groupSize: e.GROUP_SIZE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    leaseMs: e.WORKER_LEASE_SECONDS * 1000,
    bulkConcurrency: e.BULK_CONCURRENCY,
    workerId: e.WORKER_ID,
    runWorkflows: e.RUN_WORKFLOWS,
    retryDelayScale: e.RETRY_DELAY_SCALE,
    ocs: { url: e.OCS_URL, tenant: e.OCS_TENANT },
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    network: { hlrUrl: e.HLR_URL, radiusUrl: e.RADIUS_URL },
    httpSystems: e.HTTP_SYSTEMS,
    systemLimits,
    payments: { gateway: e.PAYMENT_GATEWAY ?? (e.STRIPE_SECRET_KEY ? 'stripe' : 'test'), stripeSecretKey: e.STRIPE_SECRET_KEY, stripeApiBase: e.STRIPE_API_BASE },
    billing: { dunningMs: e.DUNNING_SCHEDULE.split(',').filter((x) => x.trim()).map(parseDuration), retryAfterSuspensionMs: parseDuration(e.RETRY_AFTER_SUSPENSION), schedule: e.BILLING_SCHEDULE },
    webhooks: {
      timeoutMs: durationIn('WEBHOOK_TIMEOUT', e.WEBHOOK_TIMEOUT, 100, 120_000),
      retryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE.split(',').filter((x) => x.trim()).map((x) => durationIn('WEBHOOK_RETRY_SCHEDULE', x, 10, 7 * 86_400_000)),
      concurrency: e.WEBHOOK_CONCURRENCY,
      pollMs: durationIn('WEBHOOK_POLL', e.WEBHOOK_POLL, 50, 600_000),
      historyDays: e.WEBHOOK_HISTORY_DAYS,
    },
    lowStockCheckMs: durationIn('LOW_STOCK_CHECK', e.LOW_STOCK_CHECK, 100, 86_400_000),
    testClock: e.TEST_CLOCK,
    metrics: { enabled: e.METRICS, token: e.METRICS_TOKEN, allow: metricsAllow, port: e.METRICS_PORT },
    tracing,
    runHistoryDays: e.RUN_HISTORY_DAYS,
  };
}
