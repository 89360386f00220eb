import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (two levels up from src/ or dist/src/). */
export const version: string = (() => {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'switchboard' && pkg.version) return pkg.version;
    } catch {
      /* try the next */
    }
  }
  return '0.0.0';
})();

/** The project root: where playbooks/ and the built console live. */
export const projectRoot: string = (() => {
  for (const rel of ['../', '../../']) {
    const url = new URL(rel, import.meta.url);
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { name?: string };
      if (pkg.name === 'switchboard') return url.pathname;
    } catch {
      /* try the next */
    }
  }
  return process.cwd();
})();
