import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import Provider from 'oidc-provider';

/**
 * A real OpenID Connect provider for the tests (the `oidc-provider` package, certified), standing
 * in for an operator's identity provider: its development sign-in form accepts any password for
 * the accounts below, whose `groups` claim maps to Switchboard's roles.
 */
export const oidcAccounts: Record<string, { email: string; name: string; groups: string[]; email_verified: boolean }> = {
  ana: { email: 'ana.admin@operator.example', name: 'Ana Admin', groups: ['staff', 'switchboard-admins'], email_verified: true },
  sam: { email: 'sam.agent@operator.example', name: 'Sam Agent', groups: ['switchboard-agents'], email_verified: true },
  vic: { email: 'vic.viewer@operator.example', name: 'Vic Viewer', groups: ['switchboard-viewers'], email_verified: true },
  nora: { email: 'nora.nobody@operator.example', name: 'Nora Nobody', groups: ['marketing'], email_verified: true },
  // The demo agent's address, verified: signing in links the existing account.
  agent: { email: 'agent@switchboard.local', name: 'Demo Agent', groups: ['switchboard-agents'], email_verified: true },
};

export const oidcClient = { clientId: 'switchboard', clientSecret: 'switchboard-test-secret-0123456789' };

export interface TestProvider {
  issuer: string;
  close(): Promise<void>;
}

export async function startOidcProvider(opts: { port?: number; redirectUris: string[] }): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: oidcClient.clientId,
        client_secret: oidcClient.clientSecret,
        redirect_uris: opts.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    findAccount: async (_ctx, sub) => {
      const a = oidcAccounts[sub];
      if (!a) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...a }) };
    },
    // A first-party application: no consent screen, every scope it asks for is granted.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ['switchboard-test-cookie-key-0123456789'] },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Signs in through the provider as a browser would, without one: follows the redirects, posts the
 * development sign-in form, and returns where the provider sends the browser back (the callback).
 */
export async function signInAtProvider(startUrl: string, login: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let url = startUrl;
  let form: URLSearchParams | null = null;
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, { method: form ? 'POST' : 'GET', redirect: 'manual', headers: { cookie: cookie(), ...(form && { 'content-type': 'application/x-www-form-urlencoded' }) }, ...(form && { body: form }) });
    keep(res);
    form = null;
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url).href;
      if (!next.startsWith(new URL(startUrl).origin)) return next;
      url = next;
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`the provider answered ${res.status} with no form: ${html.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    form = new URLSearchParams({ prompt: 'login', login, password: 'any' });
  }
  throw new Error('too many redirects at the provider');
}

// `node --import tsx test/helpers/oidc-provider.ts <port> <redirect URI>`: the browser tests' provider.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [port, redirect] = process.argv.slice(2);
  const p = await startOidcProvider({ port: Number(port), redirectUris: [redirect!] });
  console.log(`OpenID provider at ${p.issuer}`);
}
