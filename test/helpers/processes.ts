import { type ChildProcess, spawn } from 'node:child_process';

/** Switchboard as real processes (serve, worker) on a test database, for crash and multi-process tests. */
export interface Proc {
  proc: ChildProcess;
  base: string | null;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startProcess(command: 'serve' | 'worker', env: Record<string, string>): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', command], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DEMO_DATA: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const ready = command === 'serve' ? /Server listening at (http:\/\/127\.0\.0\.1:\d+)/ : /provisioning worker running/;
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          proc,
          base: m[1] ?? null,
          output: () => out,
          kill: (signal = 'SIGTERM') =>
            new Promise((r) => {
              if (proc.exitCode !== null || proc.signalCode !== null) return r();
              proc.once('exit', () => r());
              proc.kill(signal);
            }),
        });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}):\n${out}`));
    });
  });
}

/** A tiny JSON client with the session cookie of a demo staff member. */
export async function apiClient(base: string, who: { email: string; password: string }) {
  const res = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
  return async (method: string, path: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(base + path, {
      method,
      headers: { cookie, ...(payload !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(payload !== undefined && { body: JSON.stringify(payload) }),
    });
    const text = await r.text();
    return { status: r.status, json: (text ? JSON.parse(text) : null) as any };
  };
}
