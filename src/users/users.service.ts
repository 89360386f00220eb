import { transaction } from '../db/transaction.js';
import { createHash, randomBytes } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { type Kysely, sql } from 'kysely';
import type { DbNotifier } from '../db/notifier.js';
import type { DB, Executor } from '../db/schema.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Actor, Ctx } from './actor.js';
import { recordAudit } from './audit.service.js';
import type { Role, SessionMethod } from './users.tables.js';
import type { User } from './users.schemas.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const newSecret = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

export const hashPassword = (password: string) => argon2Hash(password);

// Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
const decoyHash = hashPassword('decoy password that never matches');

const userColumns = [
  'id',
  'email',
  'name',
  'role',
  'disabled',
  'createdAt',
  sql<boolean>`totp_enabled_at is not null`.as('twoFactor'),
  sql<boolean>`oidc_subject is not null`.as('singleSignOn'),
] as const;

/** The one form of an e-mail address for look-ups and sign-in limits: "  Agent@X.io " is agent@x.io. */
export const normalizeEmail = (email: string) => email.normalize('NFKC').trim().toLowerCase();

/** Tells every process that cached sign-ins may have ended (a user disabled, a token revoked). */
const AUTH_CHANNEL = 'switchboard_auth';

/** An actor found by session or token, cached briefly: the progress view polls every 0.2 s (R7.2). */
interface CachedActor {
  actor: Actor | null;
  until: number;
}

export interface OpenedSession {
  token: string;
  user: User;
  expiresAt: string;
  enrolmentRequired: boolean;
}

export const invalidCredentials = () =>
  new AppError('INVALID_CREDENTIALS', 'The e-mail address or the password is wrong, or the account is disabled.', 'Check both and try again; an administrator can reset a password.');

export class UsersService {
  private readonly cache = new Map<string, CachedActor>();
  /** Lookups under way: the requests of one console (or many) that find the entry gone share one. */
  private readonly loading = new Map<string, Promise<Actor | null>>();
  /** Counts the clearings: a lookup that began before one is not kept. */
  private epoch = 0;
  private static readonly cacheMs = 5_000;
  /** Where sign-ins are looked up: the database's `reads` pool, so a busy engine never holds them up. */
  private readonly reads: Kysely<DB>;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly notifier: DbNotifier,
    private readonly options: { sessionTtlHours: number; reads?: Kysely<DB> },
  ) {
    this.reads = options.reads ?? db;
  }

  private forget(): void {
    this.cache.clear();
    this.loading.clear();
    this.epoch++;
  }

  /**
   * Listens for sign-ins ended by another process. Until the listener is there, and whenever it
   * is lost, nothing is cached: a revoked token is refused at once by every process.
   */
  async start(): Promise<void> {
    await this.notifier.on(AUTH_CHANNEL, () => this.forget());
    this.notifier.onLost(() => this.forget());
  }

  /**
   * The staff account an e-mail and password belong to, or INVALID_CREDENTIALS, whichever part
   * was wrong: an unknown e-mail costs as long as a wrong password.
   */
  async verifyPassword(email: string, password: string): Promise<{ user: User; totpEnabled: boolean }> {
    const row = await this.db
      .selectFrom('users')
      .select([...userColumns, 'passwordHash'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', normalizeEmail(email)))
      .executeTakeFirst();
    const ok = await argon2Verify(row?.passwordHash ?? (await decoyHash), password);
    if (!row || !row.passwordHash || !ok || row.disabled) throw invalidCredentials();
    return { user: pickUser(row), totpEnabled: row.twoFactor };
  }

  /** Opens a session for a staff member who proved who they are; `enrolmentOnly` sessions may only enrol a second factor. */
  async openSession(user: User, how: { method: SessionMethod; enrolmentOnly: boolean; requestId?: string | undefined }): Promise<OpenedSession> {
    const token = newSecret('sbs');
    const expiresAt = new Date(Date.now() + this.options.sessionTtlHours * 3_600_000).toISOString();
    await transaction(this.db, async (trx) => {
      await trx.insertInto('sessions').values({ tokenHash: sha256(token), userId: user.id, expiresAt, method: how.method, enrolmentOnly: how.enrolmentOnly }).execute();
      await trx.deleteFrom('sessions').where('userId', '=', user.id).where('expiresAt', '<', new Date().toISOString()).execute();
      await recordAudit(trx, { actor: toActor(user), requestId: how.requestId }, { action: 'session.create', entityType: 'user', entityId: user.id, after: { method: how.method, enrolmentOnly: how.enrolmentOnly } });
    });
    return { token, user, expiresAt, enrolmentRequired: how.enrolmentOnly };
  }

  /** Lifts a session's enrolment-only restriction once its second factor is set up. */
  async completeEnrolment(trx: Executor, sessionToken: string): Promise<void> {
    await trx.updateTable('sessions').set({ enrolmentOnly: false, method: 'password+totp' }).where('tokenHash', '=', sha256(sessionToken)).where('enrolmentOnly', '=', true).execute();
    await this.endedSignIns(trx);
  }

  async signOut(token: string): Promise<void> {
    await transaction(this.db, async (trx) => {
      await trx.deleteFrom('sessions').where('tokenHash', '=', sha256(token)).execute();
      await this.endedSignIns(trx);
    });
  }

  /** The staff member a session cookie belongs to, or null when it is unknown or expired. */
  async actorForSession(token: string): Promise<Actor | null> {
    const tokenHash = sha256(token);
    return this.cached(`s:${tokenHash}`, async () => {
      const row = await this.reads
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.userId')
        .select(['users.id', 'users.email', 'users.role', 'users.disabled', 'sessions.expiresAt', 'sessions.enrolmentOnly'])
        .where('sessions.tokenHash', '=', tokenHash)
        .executeTakeFirst();
      if (!row || row.disabled || Date.parse(row.expiresAt) <= Date.now()) return null;
      return { id: row.id, label: row.email, role: row.role, ...(row.enrolmentOnly && { enrolmentOnly: true }) };
    });
  }

  /** The actor a machine's bearer token stands for, or null when unknown, revoked or expired. */
  async actorForToken(token: string): Promise<Actor | null> {
    const tokenHash = sha256(token);
    return this.cached(`t:${tokenHash}`, async () => {
      const row = await this.reads
        .selectFrom('apiTokens')
        .innerJoin('users', 'users.id', 'apiTokens.userId')
        .select(['apiTokens.id as tokenId', 'apiTokens.name', 'apiTokens.expiresAt', 'apiTokens.revokedAt', 'users.id', 'users.email', 'users.role', 'users.disabled'])
        .where('apiTokens.tokenHash', '=', tokenHash)
        .executeTakeFirst();
      if (!row || row.disabled || row.revokedAt || (row.expiresAt && Date.parse(row.expiresAt) <= Date.now())) return null;
      await this.db.updateTable('apiTokens').set({ lastUsedAt: new Date().toISOString() }).where('id', '=', row.tokenId).execute();
      return { id: row.id, label: `${row.email} (token ${row.name})`, role: row.role };
    });
  }

  private async cached(key: string, load: () => Promise<Actor | null>): Promise<Actor | null> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.actor;
    const going = this.loading.get(key);
    if (going) return going;
    const epoch = this.epoch;
    const loaded = load().then((actor) => {
      // Without the listener, another process's revocation could go unheard: trust nothing. A
      // lookup that began before sign-ins changed is not kept either.
      if (this.notifier.connected && epoch === this.epoch) {
        if (this.cache.size > 10_000) this.cache.clear();
        this.cache.set(key, { actor, until: now + UsersService.cacheMs });
      }
      return actor;
    });
    this.loading.set(key, loaded);
    try {
      return await loaded;
    } finally {
      if (this.loading.get(key) === loaded) this.loading.delete(key);
    }
  }

  /**
   * Call in the transaction that ends or changes sign-ins (a user disabled, a password or role
   * changed, a token revoked, a sign-out, a second factor set up): this process forgets what it
   * cached now, every other one when the transaction commits (NOTIFY). A read racing the commit
   * re-caches nothing stale for long: on PostgreSQL the notification clears again after the
   * commit; the embedded database has one connection, so no read runs inside the transaction.
   */
  async endedSignIns(trx: Executor): Promise<void> {
    this.forget();
    await this.notifier.notify(trx, AUTH_CHANNEL, 'changed');
  }

  async get(id: string, db: Executor = this.db): Promise<User> {
    const row = await db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('User', id);
    return row;
  }

  async list(): Promise<User[]> {
    return this.db.selectFrom('users').select(userColumns).orderBy('email').execute();
  }

  async create(ctx: Ctx, input: { email: string; name: string; role: Role; password: string }): Promise<User> {
    const passwordHash = await hashPassword(input.password);
    return transaction(this.db, async (trx) => {
      const exists = await trx
        .selectFrom('users')
        .select('id')
        .where((eb) => eb(eb.fn('lower', ['email']), '=', input.email.toLowerCase()))
        .executeTakeFirst();
      if (exists) throw new AppError('ALREADY_EXISTS', `A staff account for ${input.email} already exists.`, 'Edit that account instead.');
      const row = await trx
        .insertInto('users')
        .values({ email: input.email, name: input.name, role: input.role, passwordHash })
        .returning(userColumns)
        .executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, { action: 'user.create', entityType: 'user', entityId: row.id, after: row });
      return row;
    });
  }

  async update(ctx: Ctx, id: string, patch: { name?: string; role?: Role; disabled?: boolean; password?: string }): Promise<User> {
    const passwordHash = patch.password ? await hashPassword(patch.password) : undefined;
    const updated = await transaction(this.db, async (trx) => {
      const before = await trx.selectFrom('users').select(userColumns).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) throw notFound('User', id);
      if (ctx.actor.id === id && (patch.disabled === true || (patch.role && patch.role !== 'admin'))) {
        throw new AppError('CONFLICT', 'You cannot disable your own account or take away your own admin role.', 'Ask another administrator.');
      }
      const after = await trx
        .updateTable('users')
        .set({
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.role !== undefined && { role: patch.role }),
          ...(patch.disabled !== undefined && { disabled: patch.disabled }),
          ...(passwordHash && { passwordHash }),
          updatedAt: new Date().toISOString(),
        })
        .where('id', '=', id)
        .returning(userColumns)
        .executeTakeFirstOrThrow();
      if (patch.disabled || passwordHash) await trx.deleteFrom('sessions').where('userId', '=', id).execute();
      await this.endedSignIns(trx);
      await recordAudit(trx, ctx, {
        action: 'user.update',
        entityType: 'user',
        entityId: id,
        before,
        after: { ...after, ...(passwordHash && { passwordChanged: true }) },
      });
      return after;
    });
    return updated;
  }

  async createToken(ctx: Ctx, input: { name: string; userId?: string | undefined; expiresInDays?: number | undefined }) {
    const userId = input.userId ?? ctx.actor.id;
    if (!userId) throw new AppError('VALIDATION_FAILED', 'userId: say which staff account the token is for.', undefined, { field: 'userId' });
    if (userId !== ctx.actor.id && ctx.actor.role !== 'admin') {
      throw new AppError('FORBIDDEN', 'Only an administrator can create a token for another account.', 'Leave out userId to create a token for yourself.');
    }
    await this.get(userId);
    const token = newSecret('sbt');
    const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000).toISOString() : null;
    return transaction(this.db, async (trx) => {
      const row = await trx
        .insertInto('apiTokens')
        .values({ userId, name: input.name, tokenHash: sha256(token), tokenPrefix: token.slice(0, 10), expiresAt, lastUsedAt: null, revokedAt: null })
        .returning(['id', 'userId', 'name', 'tokenPrefix', 'createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt'])
        .executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, { action: 'api_token.create', entityType: 'api_token', entityId: row.id, after: row });
      return { ...row, token };
    });
  }

  async listTokens(ctx: Ctx) {
    let q = this.db
      .selectFrom('apiTokens')
      .select(['id', 'userId', 'name', 'tokenPrefix', 'createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt'])
      .orderBy('createdAt', 'desc');
    if (ctx.actor.role !== 'admin') q = q.where('userId', '=', ctx.actor.id ?? '');
    return q.execute();
  }

  async revokeToken(ctx: Ctx, id: string): Promise<void> {
    await transaction(this.db, async (trx) => {
      const row = await trx.selectFrom('apiTokens').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row || (row.userId !== ctx.actor.id && ctx.actor.role !== 'admin')) throw notFound('API token', id);
      if (row.revokedAt) return;
      await trx.updateTable('apiTokens').set({ revokedAt: new Date().toISOString() }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'api_token.revoke', entityType: 'api_token', entityId: id });
      await this.endedSignIns(trx);
    });
  }
}

export function pickUser(row: User & Record<string, unknown>): User {
  return { id: row.id, email: row.email, name: row.name, role: row.role, disabled: row.disabled, createdAt: row.createdAt, twoFactor: row.twoFactor, singleSignOn: row.singleSignOn };
}

export const toActor = (u: Pick<User, 'id' | 'email' | 'role'>): Actor => ({ id: u.id, label: u.email, role: u.role });
