import type { LightMyRequestResponse } from 'fastify';
import { createApp, type AppOptions, type SwitchboardApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { demoUsers } from '../../src/demo/demo-data.js';
import { createLogger } from '../../src/logger.js';
import { freshDatabase, type TestDatabase } from './databases.js';

export type Who = 'admin' | 'agent' | 'viewer';

export interface TestApp {
  app: SwitchboardApp;
  db: TestDatabase;
  /** A client signed in as a demo staff member. */
  as(who: Who): Promise<Client>;
  /** A client with no credentials. */
  anonymous: Client;
  close(): Promise<void>;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface Client {
  request(method: Method, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  patch(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  delete(url: string): Promise<LightMyRequestResponse>;
  /** Posts a file as it is (a CSV upload). */
  upload(url: string, text: string, contentType?: string): Promise<LightMyRequestResponse>;
}

function client(app: SwitchboardApp, baseHeaders: Record<string, string>): Client {
  const request: Client['request'] = (method, url, body, headers) =>
    app.http.inject({
      method,
      url,
      headers: { ...baseHeaders, ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });
  return {
    request,
    get: (url) => request('GET', url),
    post: (url, body, headers) => request('POST', url, body ?? {}, headers),
    patch: (url, body) => request('PATCH', url, body ?? {}),
    delete: (url) => request('DELETE', url),
    upload: (url, text, contentType = 'text/csv') => app.http.inject({ method: 'POST', url, headers: { ...baseHeaders, 'content-type': contentType }, payload: text }),
  };
}

/**
 * A Switchboard on a database of its own (copied from the demo template), for one test file; or,
 * given `database`, a second process's view of another app's database (PostgreSQL).
 */
export async function startTestApp(options: Partial<AppOptions> & { env?: Record<string, string>; database?: TestDatabase } = {}): Promise<TestApp> {
  const shared = options.database;
  const db = shared ?? (await freshDatabase());
  const config = loadConfig({
    ...process.env,
    DATA_DIR: db.dataDir,
    DATABASE_URL: db.databaseUrl ?? '',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const { env: _env, database: _database, ...rest } = options;
  const app = await createApp({ config, logger: createLogger(config.logLevel, false), ...rest });
  const sessions = new Map<Who, Client>();
  return {
    app,
    db,
    anonymous: client(app, {}),
    async as(who) {
      const cached = sessions.get(who);
      if (cached) return cached;
      const u = demoUsers.find((d) => d.role === who)!;
      const res = await app.http.inject({ method: 'POST', url: '/api/session', payload: { email: u.email, password: u.password } });
      if (res.statusCode !== 200) throw new Error(`sign-in as ${who} failed: ${res.body}`);
      const cookie = res.cookies.find((c) => c.name === 'sb_session')!;
      const c = client(app, { cookie: `sb_session=${cookie.value}` });
      sessions.set(who, c);
      return c;
    },
    async close() {
      await app.close();
      if (!shared) await db.drop();
    },
  };
}

/** The parsed JSON body, typed for the test. */
export const body = <T = any>(res: LightMyRequestResponse): T => res.json() as T;
