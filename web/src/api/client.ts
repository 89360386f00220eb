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

/** The sign-in steps answer 401 for a wrong password or code: nobody was signed in to sign out. */
const signingIn = /\/api\/session(\/second-factor)?$/;

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
    // A 401 means the session ended, except while signing in (a wrong password, a wrong code).
    if (res.status === 401 && !signingIn.test(path)) window.dispatchEvent(new Event('switchboard:signed-out'));
    // The role requires two-factor sign-in and it is not set up: the console shows the set-up.
    if (res.status === 403 && e?.code === 'MFA_ENROLMENT_REQUIRED') window.dispatchEvent(new Event('switchboard:enrolment-required'));
    throw new ApiError(res.status, e?.code ?? 'HTTP_ERROR', e?.message ?? `HTTP ${res.status}`, e?.hint, e?.details);
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}, headers?: Record<string, string>) => api<T>('POST', path, body, headers);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

export const qs = (params: Record<string, string | number | boolean | undefined | null>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};
