import { z } from 'zod';
import { timestamp } from '../shared/schemas.js';

export const role = z.enum(['admin', 'agent', 'viewer']).describe('admin: everything; agent: assigns plans; viewer: reads only');

export const user = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role,
    disabled: z.boolean(),
    createdAt: timestamp,
    twoFactor: z.boolean().describe('Signs in with a second factor (TOTP)'),
    singleSignOn: z.boolean().describe("Linked to an account at the company's identity provider"),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof user>;

export const userInput = z
  .object({
    email: z.email().max(200),
    name: z.string().trim().min(1).max(120),
    role,
    password: z.string().min(10, 'must be at least 10 characters').max(200),
  })
  .meta({ id: 'UserCreate' });

export const userUpdate = z
  .object({
    name: z.string().trim().min(1).max(120),
    role,
    disabled: z.boolean(),
    password: z.string().min(10, 'must be at least 10 characters').max(200),
  })
  .partial()
  .meta({ id: 'UserUpdate' });

export const signInInput = z
  .object({ email: z.string().min(1).max(200), password: z.string().min(1).max(200) })
  .meta({ id: 'SignIn' });


export const apiTokenInput = z
  .object({
    name: z.string().trim().min(1).max(100).describe('What the token is for, e.g. "billing sync"'),
    userId: z.uuid().optional().describe('Whose rights the token carries; yourself if left out (admins only for others)'),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .meta({ id: 'ApiTokenCreate' });

export const apiToken = z
  .object({
    id: z.uuid(),
    userId: z.uuid(),
    name: z.string(),
    tokenPrefix: z.string(),
    createdAt: timestamp,
    expiresAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiToken' });

export const apiTokenCreated = apiToken
  .extend({ token: z.string().describe('Shown once: send it as "Authorization: Bearer <token>"') })
  .meta({ id: 'ApiTokenCreated' });

export const auditEvent = z
  .object({
    id: z.number().int(),
    occurredAt: timestamp,
    actorId: z.string().nullable(),
    actorLabel: z.string(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });

export const auditQuery = z.object({
  entityType: z.string().max(50).optional(),
  entityId: z.string().max(100).optional(),
  actorId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().describe('Page backwards: events older than this ID'),
});

// --- signing in (src/users/session.routes.ts) ---------------------------------------------------

export const providers = z
  .object({ password: z.boolean(), singleSignOn: z.object({ name: z.string(), start: z.string() }).nullable() })
  .meta({ id: 'SignInProviders' });
export type Providers = z.infer<typeof providers>;

export const signedIn = z
  .object({
    step: z.literal('signed_in'),
    user,
    expiresAt: timestamp,
    enrolmentRequired: z.boolean().describe('The role requires two-factor sign-in and it is not set up: this session may only set it up'),
  })
  .meta({ id: 'Session' });
export type SignedIn = z.infer<typeof signedIn>;

export const secondFactorNeeded = z
  .object({
    step: z.literal('second_factor'),
    challenge: z.string().describe('Send it back with the code to POST /api/session/second-factor'),
    expiresAt: timestamp,
  })
  .meta({ id: 'SecondFactorNeeded' });
export type SecondFactorNeeded = z.infer<typeof secondFactorNeeded>;

export const me = user.extend({ enrolmentRequired: z.boolean() }).meta({ id: 'Me' });
export type Me = z.infer<typeof me>;

export const totpCode = z.string().trim().max(20).describe('The six digits the authenticator app shows');
const recoveryCode = z.string().trim().max(40).describe('One of the recovery codes given at enrolment (each works once)');
export const factorInput = z
  .object({ code: totpCode.optional(), recoveryCode: recoveryCode.optional() })
  .refine((f) => Boolean(f.code) !== Boolean(f.recoveryCode), { message: 'give either code or recoveryCode', path: ['code'] });

export const mfaStatus = z
  .object({ enabled: z.boolean(), enabledAt: timestamp.nullable(), recoveryCodesLeft: z.number().int(), required: z.boolean() })
  .meta({ id: 'TwoFactorStatus' });
export type TwoFactorStatus = z.infer<typeof mfaStatus>;

export const totpEnrolment = z
  .object({ secret: z.string().describe('Base32, to type into the app by hand'), uri: z.string().describe('otpauth://'), qrCode: z.string().describe('An image (data: URL) of the QR code of `uri`') })
  .meta({ id: 'TotpEnrolment' });
export type TotpEnrolment = z.infer<typeof totpEnrolment>;

export const recoveryCodes = z.object({ recoveryCodes: z.array(z.string()).describe('Shown once: keep them somewhere safe') }).meta({ id: 'RecoveryCodes' });

export const securitySettings = z
  .object({
    mfaRequiredRoles: z.array(role).describe('Roles that must sign in with a second factor'),
    passwordSignIn: z.boolean().describe('Staff may sign in with a password (PASSWORD_SIGN_IN)'),
    singleSignOn: z.object({ name: z.string(), issuer: z.string() }).nullable(),
    secretKeySet: z.boolean().describe('SECRET_KEY is set: two-factor secrets are sealed with a key kept outside the database'),
  })
  .meta({ id: 'SecuritySettings' });
export type SecuritySettings = z.infer<typeof securitySettings>;
