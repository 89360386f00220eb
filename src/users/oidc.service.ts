import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { AppError } from '../shared/errors.js';
import { systemCtx } from './actor.js';
import { recordAudit } from './audit.service.js';
import type { User } from './users.schemas.js';
import { normalizeEmail, type UsersService } from './users.service.js';
import type { Role } from './users.tables.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const LOGIN_TTL_MS = 10 * 60_000;
const rank: Record<Role, number> = { viewer: 1, agent: 2, admin: 3 };

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  /** The provider's name on the sign-in button: "Sign in with <name>". */
  name: string;
  scopes: string;
  /** The claim that carries the groups or roles (`groups` by default; dotted for nested claims). */
  roleClaim: string;
  /** Claim values to Switchboard roles: {"switchboard-admins": "admin"}; the highest role given wins. */
  roleMap: Record<string, Role>;
  /** The role of a signed-in staff member whose claims map to none; none: refused. */
  defaultRole: Role | undefined;
}

/** What went wrong with a single sign-on, said to the console by code (the sign-in page shows it). */
export class SsoError extends Error {
  constructor(
    readonly code: 'SSO_FAILED' | 'SSO_NO_ROLE' | 'SSO_ACCOUNT_DISABLED' | 'SSO_EXPIRED',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Single sign-on for staff with OpenID Connect (authorisation code with PKCE, by openid-client):
 * the provider proves who the staff member is, its groups (or another claim) give the role, and
 * the staff account is found by the provider's subject, linked by a verified e-mail address, or
 * created at the first sign-in. The role follows the provider's claims at every sign-in.
 */
export class OidcService {
  private config: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly users: UsersService,
    readonly settings: OidcSettings,
    private readonly logger: Logger,
  ) {}

  /** The provider's metadata, discovered at first use (so the provider may start after Switchboard) and kept. */
  private discover(): Promise<oidc.Configuration> {
    this.config ??= (async () => {
      const insecure = new URL(this.settings.issuer).protocol === 'http:';
      const config = await oidc.discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        undefined,
        this.settings.clientSecret ? oidc.ClientSecretPost(this.settings.clientSecret) : oidc.None(),
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
      if (insecure) this.logger.warn({ issuer: this.settings.issuer }, 'the OpenID provider is reached over plain HTTP: for tests only');
      return config;
    })().catch((e: unknown) => {
      this.config = null;
      throw e;
    });
    return this.config;
  }

  /** Where to send the browser to sign in, with the state, nonce and PKCE verifier kept for the callback. */
  async start(redirectUri: string, returnTo: string): Promise<{ url: string; state: string }> {
    let config: oidc.Configuration;
    try {
      config = await this.discover();
    } catch (e) {
      this.logger.warn({ err: (e as Error).message, issuer: this.settings.issuer }, 'the OpenID provider cannot be reached');
      throw new AppError('UPSTREAM_UNAVAILABLE', `${this.settings.name} cannot be reached to sign you in.`, 'Try again in a moment, or sign in with your e-mail address and password if they are allowed.');
    }
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    await this.db.deleteFrom('oidcLogins').where('expiresAt', '<', new Date().toISOString()).execute();
    await this.db
      .insertInto('oidcLogins')
      .values({ stateHash: sha256(state), codeVerifier, nonce, returnTo, expiresAt: new Date(Date.now() + LOGIN_TTL_MS).toISOString() })
      .execute();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, state };
  }

  /**
   * The provider sent the browser back: the code is exchanged (state, nonce and PKCE checked),
   * the role read from the claims, the staff account found, linked or created.
   */
  async finish(callbackUrl: URL, browserState: string | undefined): Promise<{ user: User; returnTo: string }> {
    const state = callbackUrl.searchParams.get('state') ?? '';
    // The login must come back to the browser that started it (no one else's code in this browser).
    if (!state || state !== browserState) throw new SsoError('SSO_EXPIRED', 'This sign-in was not started in this browser, or took too long.');
    const login = await this.db.deleteFrom('oidcLogins').where('stateHash', '=', sha256(state)).returningAll().executeTakeFirst();
    if (!login || Date.parse(login.expiresAt) < Date.now()) throw new SsoError('SSO_EXPIRED', 'This sign-in took too long.');
    const providerError = callbackUrl.searchParams.get('error');
    if (providerError) throw new SsoError('SSO_FAILED', `${this.settings.name} did not sign you in: ${callbackUrl.searchParams.get('error_description') ?? providerError}.`);

    let claims: Record<string, unknown>;
    try {
      const config = await this.discover();
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: login.codeVerifier, expectedState: state, expectedNonce: login.nonce, idTokenExpected: true });
      claims = { ...(tokens.claims() ?? {}) };
      if (claimAt(claims, this.settings.roleClaim) === undefined || !claims.email) {
        const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub));
        claims = { ...info, ...claims, ...(claimAt(info, this.settings.roleClaim) !== undefined && { [this.settings.roleClaim]: claimAt(info, this.settings.roleClaim) }) };
      }
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'an OpenID Connect sign-in failed');
      throw new SsoError('SSO_FAILED', `${this.settings.name} did not confirm who you are.`);
    }
    const role = this.roleOf(claims);
    if (!role) throw new SsoError('SSO_NO_ROLE', `Your account at ${this.settings.name} has no Switchboard role.`);
    return { user: await this.linkAccount(String(claims.iss ?? this.settings.issuer), claims, role), returnTo: login.returnTo };
  }

  /** The highest role the claims map to, or the default role. */
  roleOf(claims: Record<string, unknown>): Role | undefined {
    const value = claimAt(claims, this.settings.roleClaim);
    const values = (Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : []).map(String);
    let best: Role | undefined;
    for (const v of values) {
      const r = this.settings.roleMap[v];
      if (r && (!best || rank[r] > rank[best])) best = r;
    }
    return best ?? this.settings.defaultRole;
  }

  private async linkAccount(issuer: string, claims: Record<string, unknown>, role: Role): Promise<User> {
    const subject = String(claims.sub);
    const email = typeof claims.email === 'string' ? normalizeEmail(claims.email) : null;
    const verified = claims.email_verified === true || claims.email_verified === 'true';
    const name = (typeof claims.name === 'string' && claims.name.trim()) || email || subject;
    const ctx = { actor: { ...systemCtx.actor, label: `single sign-on (${this.settings.name})` } };
    const id = await transaction(this.db, async (trx) => {
      let row = await trx.selectFrom('users').select(['id', 'role', 'name', 'disabled']).where('oidcIssuer', '=', issuer).where('oidcSubject', '=', subject).forUpdate().executeTakeFirst();
      if (!row && email && verified) {
        row = await trx.selectFrom('users').select(['id', 'role', 'name', 'disabled']).where((eb) => eb(eb.fn('lower', ['email']), '=', email)).where('oidcSubject', 'is', null).forUpdate().executeTakeFirst();
        if (row) {
          await trx.updateTable('users').set({ oidcIssuer: issuer, oidcSubject: subject }).where('id', '=', row.id).execute();
          await recordAudit(trx, ctx, { action: 'user.sso_link', entityType: 'user', entityId: row.id, after: { issuer, subject } });
        }
      }
      if (!row) {
        if (!email) throw new SsoError('SSO_FAILED', `${this.settings.name} did not give an e-mail address for your account.`);
        const taken = await trx.selectFrom('users').select('id').where((eb) => eb(eb.fn('lower', ['email']), '=', email)).executeTakeFirst();
        if (taken) throw new SsoError('SSO_FAILED', `A staff account for ${email} exists, and ${this.settings.name} has not verified that address: ask an administrator.`);
        const created = await trx
          .insertInto('users')
          .values({ email, name, role, passwordHash: null, oidcIssuer: issuer, oidcSubject: subject })
          .returning(['id'])
          .executeTakeFirstOrThrow();
        await recordAudit(trx, ctx, { action: 'user.create', entityType: 'user', entityId: created.id, after: { email, name, role, singleSignOn: true } });
        return created.id;
      }
      if (row.disabled) throw new SsoError('SSO_ACCOUNT_DISABLED', 'Your Switchboard account is disabled.');
      if (row.role !== role || row.name !== name) {
        await trx.updateTable('users').set({ role, name, updatedAt: new Date().toISOString() }).where('id', '=', row.id).execute();
        await recordAudit(trx, ctx, { action: 'user.update', entityType: 'user', entityId: row.id, before: { role: row.role, name: row.name }, after: { role, name, from: 'identity provider claims' } });
        await this.users.endedSignIns(trx);
      }
      return row.id;
    });
    return this.users.get(id);
  }
}

/** A claim by name, or by a dotted path for nested claims (`realm_access.roles`). */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), claims);
}
