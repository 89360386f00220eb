import path from 'node:path';
import { z } from 'zod';

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
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /** Send the session cookie only over HTTPS. Turn on behind TLS. */
  COOKIE_SECURE: z.preprocess(emptyAsUndefined, booleanFlag.optional()).default(false),
  /** `auto`: load the demo data on the first start of the embedded mode; `off`: never. */
  DEMO_DATA: z.enum(['auto', 'off']).default('auto'),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  database: 'embedded' | 'postgres';
  logLevel: z.infer<typeof configSchema>['LOG_LEVEL'];
  reservationTtlSeconds: number;
  sessionTtlHours: number;
  cookieSecure: boolean;
  demoData: 'auto' | 'off';
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    database: e.DATABASE_URL ? 'postgres' : 'embedded',
    logLevel: e.LOG_LEVEL,
    reservationTtlSeconds: e.RESERVATION_TTL_SECONDS,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    cookieSecure: e.COOKIE_SECURE,
    demoData: e.DEMO_DATA,
  };
}
