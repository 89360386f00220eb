import { createHash, randomInt } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import type { DB } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from './actor.js';
import { recordAudit } from './audit.service.js';
import type { SecretBox } from './secret-box.js';
import type { User } from './users.schemas.js';
import type { UsersService } from './users.service.js';
import type { Role, SessionMethod } from './users.tables.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** How long the second step of a sign-in may wait for its code, and how many wrong codes it takes. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
export const CHALLENGE_ATTEMPTS = 5;
const RECOVERY_CODES = 10;
/** A code from the step before or after is accepted too: phones' clocks drift. */
const TOLERANCE_SECONDS = 30;

// Recovery codes avoid letters and digits that read alike (0/o, 1/l/i).
const recoveryAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
const newRecoveryCode = () => {
  const c = Array.from({ length: 10 }, () => recoveryAlphabet[randomInt(recoveryAlphabet.length)]).join('');
  return `${c.slice(0, 5)}-${c.slice(5)}`;
};
const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The time step a TOTP code matched (otplib's result types TOTP and HOTP alike). */
const timeStepOf = (result: object) => (result as { timeStep: number }).timeStep;

export interface MfaStatus {
  enabled: boolean;
  enabledAt: string | null;
  recoveryCodesLeft: number;
  /** The staff member's role must sign in with a second factor. */
  required: boolean;
}

export interface SecondFactor {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

/**
 * A wrong code from a signed-in staff member (setting up, turning off, new recovery codes) is a
 * field to correct (400), not a failed sign-in (401, which would end the console's session).
 */
const wrongField = (factor: SecondFactor) => (e: unknown): never => {
  if (e instanceof AppError && e.code === 'INVALID_CODE') {
    const field = factor.recoveryCode ? 'recoveryCode' : 'code';
    throw new AppError('VALIDATION_FAILED', `${field}: ${e.message}`, e.hint, { fields: [{ field: `body.${field}`, message: 'wrong or already used' }] });
  }
  throw e;
};

const wrongCode = (left?: number) =>
  new AppError(
    'INVALID_CODE',
    `The code is wrong or has already been used.${left !== undefined ? ` ${left} ${left === 1 ? 'try' : 'tries'} left.` : ''}`,
    'Type the six digits your authenticator app shows now, or one of your recovery codes.',
  );

/**
 * Two-factor sign-in for staff (TOTP, RFC 6238, by otplib): enrolment with a QR code confirmed by
 * a code, ten single-use recovery codes stored hashed, the second step of a password sign-in, and
 * the policy of which roles must use it. A code is accepted once (the last time step used is
 * kept); the secret is sealed at rest (SecretBox).
 */
export class MfaService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly box: SecretBox,
    private readonly users: UsersService,
  ) {}

  async requiredRoles(): Promise<Role[]> {
    const row = await this.db.selectFrom('securitySettings').select('mfaRequiredRoles').executeTakeFirstOrThrow();
    return row.mfaRequiredRoles;
  }

  async setRequiredRoles(ctx: Ctx, roles: Role[]): Promise<Role[]> {
    const wanted = [...new Set(roles)].sort();
    return transaction(this.db, async (trx) => {
      const before = await trx.selectFrom('securitySettings').select('mfaRequiredRoles').forUpdate().executeTakeFirstOrThrow();
      await trx.updateTable('securitySettings').set({ mfaRequiredRoles: wanted, updatedAt: new Date().toISOString() }).execute();
      await recordAudit(trx, ctx, { action: 'security.mfa_policy', entityType: 'security_settings', entityId: 1, before: { mfaRequiredRoles: before.mfaRequiredRoles }, after: { mfaRequiredRoles: wanted } });
      return wanted;
    });
  }

  async isRequiredFor(role: Role): Promise<boolean> {
    return (await this.requiredRoles()).includes(role);
  }

  async status(userId: string): Promise<MfaStatus> {
    const row = await this.db
      .selectFrom('users')
      .select(['role', 'totpEnabledAt', (eb) => eb.selectFrom('recoveryCodes').select((e) => e.fn.countAll<number>().as('n')).whereRef('recoveryCodes.userId', '=', 'users.id').where('recoveryCodes.usedAt', 'is', null).as('left')])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!row) throw notFound('User', userId);
    return { enabled: row.totpEnabledAt !== null, enabledAt: row.totpEnabledAt, recoveryCodesLeft: Number(row.left ?? 0), required: await this.isRequiredFor(row.role) };
  }

  /** Starts enrolment: a new secret, as a QR code for the app and as text to type. */
  async beginEnrolment(ctx: Ctx): Promise<{ secret: string; uri: string; qrCode: string }> {
    const userId = ctx.actor.id!;
    const user = await this.users.get(userId);
    if (user.twoFactor) {
      throw new AppError('CONFLICT', 'Two-factor sign-in is already set up for your account.', 'To move it to another phone, turn it off with a code first, or ask an administrator to reset it.');
    }
    const secret = generateSecret();
    await this.db.updateTable('users').set({ totpPendingSecret: this.box.seal(secret) }).where('id', '=', userId).execute();
    const uri = generateURI({ issuer: 'Switchboard', label: user.email, secret });
    const svg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return { secret, uri, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
  }

  /**
   * Ends enrolment with a code from the app: two-factor sign-in is on, and the ten recovery codes
   * are shown once. A session that could only enrol becomes a full one.
   */
  async confirmEnrolment(ctx: Ctx, code: string, sessionToken?: string): Promise<{ recoveryCodes: string[] }> {
    const userId = ctx.actor.id!;
    return transaction(this.db, async (trx) => {
      const row = await trx.selectFrom('users').select(['totpPendingSecret', 'totpEnabledAt']).where('id', '=', userId).forUpdate().executeTakeFirstOrThrow();
      if (row.totpEnabledAt) throw new AppError('CONFLICT', 'Two-factor sign-in is already set up for your account.', 'Nothing to do: sign in with a code from now on.');
      if (!row.totpPendingSecret) throw new AppError('CONFLICT', 'There is no enrolment under way.', 'Start again: set up two-factor sign-in, scan the new QR code, then type its code.');
      const secret = this.box.open(row.totpPendingSecret);
      const result = /^\d{6}$/.test(code) ? await verify({ secret, token: code, epochTolerance: TOLERANCE_SECONDS }) : null;
      if (!result?.valid) return wrongField({ code })(wrongCode());
      const now = new Date().toISOString();
      await trx.updateTable('users').set({ totpSecret: row.totpPendingSecret, totpPendingSecret: null, totpEnabledAt: now, totpLastStep: timeStepOf(result), updatedAt: now }).where('id', '=', userId).execute();
      const recoveryCodes = await this.replaceRecoveryCodes(trx, userId);
      if (sessionToken) await this.users.completeEnrolment(trx, sessionToken);
      await recordAudit(trx, ctx, { action: 'user.mfa_enable', entityType: 'user', entityId: userId, after: { method: 'totp', recoveryCodes: RECOVERY_CODES } });
      return { recoveryCodes };
    });
  }

  /** Turns two-factor sign-in off, proven by a code; not while the role requires it. */
  async disable(ctx: Ctx, factor: SecondFactor): Promise<void> {
    const userId = ctx.actor.id!;
    const user = await this.users.get(userId);
    if (!user.twoFactor) throw new AppError('CONFLICT', 'Two-factor sign-in is not set up for your account.', 'Nothing to turn off; set it up from your account page if you want it.');
    if (await this.isRequiredFor(user.role)) {
      throw new AppError('CONFLICT', `Your role (${user.role}) must sign in with a second factor.`, 'To move it to another phone, ask an administrator to reset it, then set it up again.');
    }
    await transaction(this.db, async (trx) => {
      await this.check(trx, userId, factor).catch(wrongField(factor));
      await trx.updateTable('users').set({ totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: null }).where('id', '=', userId).execute();
      await trx.deleteFrom('recoveryCodes').where('userId', '=', userId).execute();
      await recordAudit(trx, ctx, { action: 'user.mfa_disable', entityType: 'user', entityId: userId });
    });
  }

  /** New recovery codes (the old ones stop working), proven by a code. */
  async regenerateRecoveryCodes(ctx: Ctx, factor: SecondFactor): Promise<{ recoveryCodes: string[] }> {
    const userId = ctx.actor.id!;
    return transaction(this.db, async (trx) => {
      await this.check(trx, userId, factor).catch(wrongField(factor));
      const recoveryCodes = await this.replaceRecoveryCodes(trx, userId);
      await recordAudit(trx, ctx, { action: 'user.mfa_recovery_codes', entityType: 'user', entityId: userId, after: { recoveryCodes: RECOVERY_CODES } });
      return { recoveryCodes };
    });
  }

  /** An administrator's reset for a staff member who lost their phone: they enrol again at their next sign-in. */
  async reset(ctx: Ctx, userId: string): Promise<User> {
    const user = await transaction(this.db, async (trx) => {
      const before = await trx.selectFrom('users').select(['id', 'totpEnabledAt']).where('id', '=', userId).forUpdate().executeTakeFirst();
      if (!before) throw notFound('User', userId);
      await trx.updateTable('users').set({ totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: null, updatedAt: new Date().toISOString() }).where('id', '=', userId).execute();
      await trx.deleteFrom('recoveryCodes').where('userId', '=', userId).execute();
      await recordAudit(trx, ctx, { action: 'user.mfa_reset', entityType: 'user', entityId: userId, before: { twoFactor: before.totpEnabledAt !== null }, after: { twoFactor: false } });
      return this.users.get(userId, trx);
    });
    return user;
  }

  /** The second step of a password sign-in: a one-use ticket that the code must come with. */
  async createChallenge(userId: string): Promise<{ challenge: string; expiresAt: string }> {
    const challenge = `sbc_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + CHALLENGE_TTL_MS).toISOString();
    await this.db.insertInto('signInChallenges').values({ tokenHash: sha256(challenge), userId, expiresAt }).execute();
    await this.db.deleteFrom('signInChallenges').where('expiresAt', '<', new Date().toISOString()).execute();
    return { challenge, expiresAt };
  }

  /**
   * Answers a challenge with a code or a recovery code: the staff member and how they proved it,
   * or the error and whose account it was (for the sign-in limits). A challenge takes five wrong
   * codes, then the password is asked again.
   */
  async answerChallenge(challenge: string, factor: SecondFactor): Promise<{ ok: true; user: User; method: SessionMethod } | { ok: false; email: string; error: AppError }> {
    const tokenHash = sha256(challenge);
    const claimed = await this.db
      .updateTable('signInChallenges')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('tokenHash', '=', tokenHash)
      .where('expiresAt', '>', new Date().toISOString())
      .where('attempts', '<', CHALLENGE_ATTEMPTS)
      .returning(['userId', 'attempts'])
      .executeTakeFirst();
    if (!claimed) {
      throw new AppError('UNAUTHENTICATED', 'This sign-in has expired, or had too many wrong codes.', 'Sign in again with your e-mail address and password.');
    }
    const user = await this.users.get(claimed.userId);
    if (user.disabled) throw new AppError('UNAUTHENTICATED', 'This account is disabled.', 'Ask an administrator.');
    const outcome = await transaction(this.db, async (trx) => {
      try {
        const method = await this.check(trx, claimed.userId, factor, CHALLENGE_ATTEMPTS - claimed.attempts);
        await trx.deleteFrom('signInChallenges').where('tokenHash', '=', tokenHash).execute();
        return { method, error: undefined };
      } catch (e) {
        if (e instanceof AppError) return { method: undefined, error: e };
        throw e;
      }
    });
    return outcome.error ? { ok: false, email: user.email, error: outcome.error } : { ok: true, user, method: outcome.method! };
  }

  /** Checks a code (once per time step) or uses up a recovery code. */
  private async check(trx: Transaction<DB>, userId: string, factor: SecondFactor, left?: number): Promise<SessionMethod> {
    if (factor.recoveryCode) {
      const used = await trx
        .updateTable('recoveryCodes')
        .set({ usedAt: new Date().toISOString() })
        .where('userId', '=', userId)
        .where('codeHash', '=', sha256(normalizeRecoveryCode(factor.recoveryCode)))
        .where('usedAt', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!used) throw wrongCode(left);
      return 'password+recovery';
    }
    if (!factor.code) throw new AppError('VALIDATION_FAILED', 'code: type the six digits your authenticator app shows, or give a recoveryCode.', undefined, { field: 'code' });
    if (!/^\d{6}$/.test(factor.code)) throw wrongCode(left);
    const row = await trx.selectFrom('users').select(['totpSecret', 'totpLastStep']).where('id', '=', userId).forUpdate().executeTakeFirstOrThrow();
    if (!row.totpSecret) throw wrongCode(left);
    const result = await verify({
      secret: this.box.open(row.totpSecret),
      token: factor.code,
      epochTolerance: TOLERANCE_SECONDS,
      ...(row.totpLastStep !== null && { afterTimeStep: Number(row.totpLastStep) }),
    });
    if (!result.valid) throw wrongCode(left);
    await trx.updateTable('users').set({ totpLastStep: timeStepOf(result) }).where('id', '=', userId).execute();
    return 'password+totp';
  }

  private async replaceRecoveryCodes(trx: Transaction<DB>, userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    await trx.deleteFrom('recoveryCodes').where('userId', '=', userId).execute();
    await trx
      .insertInto('recoveryCodes')
      .values(codes.map((c) => ({ userId, codeHash: sha256(normalizeRecoveryCode(c)), usedAt: null })))
      .execute();
    return codes;
  }
}

