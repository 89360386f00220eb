import { i18next } from '../i18n';

/** The one way the console talks to the API: JSON, the session cookie, errors as ApiError. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  return send<T>(path, {
    method,
    headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

/** Sends a file as the request body itself (a CSV of assignments), with the same errors as `api`. */
export function upload<T>(path: string, file: Blob, headers: Record<string, string> = {}): Promise<T> {
  return send<T>(path, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'text/csv', ...headers }, body: file });
}

async function send<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', ...init });
  } catch {
    throw new ApiError(0, 'NETWORK', i18next.t('app.network'), i18next.t('app.networkHint'));
  }
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const e = (data as { error?: { code: string; message: string; hint?: string; details?: Record<string, unknown> } } | undefined)?.error;
    if (res.status === 401 && !path.endsWith('/api/session')) window.dispatchEvent(new Event('switchboard:signed-out'));
    throw new ApiError(res.status, e?.code ?? 'HTTP_ERROR', e?.message ?? `HTTP ${res.status}`, e?.hint, e?.details);
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}, headers?: Record<string, string>) => api<T>('POST', path, body, headers);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

export const qs = (params: Record<string, string | number | boolean | undefined | null>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};
