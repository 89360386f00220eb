/**
 * npm run bench [-- name ...]: runs the named benchmarks (all by default), each in its own process
 * so that one's memory does not colour another's figures.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : all;
console.log(`# Switchboard benchmarks on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'the embedded database'} (${new Date().toISOString()})`);
for (const name of wanted) {
  const file = all.find((a) => a === name) ?? all.find((a) => a.includes(name));
  if (!file) {
    console.error(`No benchmark "${name}"; there are: ${all.join(', ')}`);
    process.exit(2);
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `${dir}${file}.bench.ts`], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
