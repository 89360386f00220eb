import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('runs on the embedded database with no environment at all', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, database: 'embedded', databaseUrl: undefined, demoData: 'auto' });
    expect(c.dataDir).toMatch(/data$/);
  });

  it('uses PostgreSQL when DATABASE_URL is set, and treats an empty one as unset', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db:5432/sb' }).database).toBe('postgres');
    expect(loadConfig({ DATABASE_URL: '' }).database).toBe('embedded');
  });

  it('names every bad variable in one error', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'not a url' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'not a url' });
    } catch (e) {
      expect((e as Error).message).toMatch(/PORT/);
      expect((e as Error).message).toMatch(/DATABASE_URL/);
    }
  });
});
