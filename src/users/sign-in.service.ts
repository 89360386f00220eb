import { AppError } from '../shared/errors.js';
import type { MfaService, SecondFactor } from './mfa.service.js';
import type { OidcService } from './oidc.service.js';
import type { LimitRule, SignInLimits } from './sign-in-limits.js';
import type { User } from './users.schemas.js';
import { normalizeEmail, type OpenedSession, type UsersService } from './users.service.js';

export type PasswordStep = { step: 'signed_in'; session: OpenedSession } | { step: 'second_factor'; challenge: string; expiresAt: string };

export interface SignInOptions {
  passwords: boolean;
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
}

/**
 * How staff sign in: a password (then a code from their authenticator app when they have two-
 * factor sign-in, or the set-up of one when their role requires it), or single sign-on. Failures
 * are limited per account and per client address (SignInLimits).
 */
export class SignInService {
  constructor(
    private readonly users: UsersService,
    private readonly mfa: MfaService,
    private readonly limits: SignInLimits,
    readonly oidc: OidcService | null,
    readonly options: SignInOptions,
  ) {}

  private rules(address: string, email?: string): LimitRule[] {
    return [
      { key: `address:${address}`, max: this.options.maxFailuresPerAddress, what: 'your network address' },
      ...(email !== undefined ? [{ key: `account:${normalizeEmail(email)}`, max: this.options.maxFailuresPerAccount, what: 'this account' }] : []),
    ];
  }

  async password(email: string, password: string, address: string, requestId: string): Promise<PasswordStep> {
    if (!this.options.passwords) {
      throw new AppError('PASSWORD_SIGN_IN_OFF', 'Staff sign in through single sign-on here, not with a password.', `Use "Sign in with ${this.oidc?.settings.name ?? 'single sign-on'}" on the sign-in page (GET /api/session/oidc/start).`);
    }
    const rules = this.rules(address, email);
    await this.limits.check(rules);
    let found: Awaited<ReturnType<UsersService['verifyPassword']>>;
    try {
      found = await this.users.verifyPassword(email, password);
    } catch (e) {
      await this.limits.failed(rules);
      throw e;
    }
    await this.limits.succeeded(rules[1]!.key);
    if (found.totpEnabled) return { step: 'second_factor', ...(await this.mfa.createChallenge(found.user.id)) };
    const enrolmentOnly = await this.mfa.isRequiredFor(found.user.role);
    return { step: 'signed_in', session: await this.users.openSession(found.user, { method: 'password', enrolmentOnly, requestId }) };
  }

  async secondFactor(challenge: string, factor: SecondFactor, address: string, requestId: string): Promise<OpenedSession> {
    await this.limits.check(this.rules(address));
    const answer = await this.mfa.answerChallenge(challenge, factor);
    if (!answer.ok) {
      await this.limits.failed(this.rules(address, answer.email));
      throw answer.error;
    }
    return this.users.openSession(answer.user, { method: answer.method, enrolmentOnly: false, requestId });
  }

  async singleSignOn(user: User, requestId: string): Promise<OpenedSession> {
    return this.users.openSession(user, { method: 'oidc', enrolmentOnly: false, requestId });
  }
}
