import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * Opens the embedded PostgreSQL (PGlite) in `dataDir`, creating it on first use.
 * PGlite is a single session: only one process may open a data directory, so a lock file guards
 * it. A lock left by a process that no longer runs (killed) is taken over.
 */
export async function openPglite(dataDir: string): Promise<{ lite: PGlite; release: () => void }> {
  fs.mkdirSync(dataDir, { recursive: true });
  const release = acquireLock(path.join(dataDir, 'switchboard.lock'));
  try {
    const lite = await PGlite.create({ dataDir: path.join(dataDir, 'pg'), extensions: { pg_trgm } });
    return { lite, release };
  } catch (e) {
    release();
    throw e;
  }
}

function acquireLock(lockFile: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.unlinkSync(lockFile);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(fs.readFileSync(lockFile, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `The embedded database in ${path.dirname(lockFile)} is in use by process ${holder}. ` +
            'Stop that process, or set DATA_DIR to another directory, or use DATABASE_URL to share a PostgreSQL server.',
        );
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`Could not lock ${lockFile}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
