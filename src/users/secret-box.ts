import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

const b64 = (b: Buffer) => b.toString('base64url');
const unb64 = (s: string) => Buffer.from(s, 'base64url');

/**
 * Seals the secrets Switchboard must read back (two-factor secrets) with AES-256-GCM, under a key
 * derived from SECRET_KEY. Without SECRET_KEY (a demo), the key is a random one kept in the
 * database itself, and the start-up log says so: a deployment sets SECRET_KEY, kept apart from the
 * database's backups. A sealed value names its key (`v1.<key id>...`), so a value sealed under
 * another key is refused clearly rather than decrypted wrongly.
 */
export class SecretBox {
  private constructor(
    private readonly key: Buffer,
    readonly keyId: string,
    readonly fromEnvironment: boolean,
  ) {}

  static async open(db: Kysely<DB>, secretKey: string | undefined): Promise<SecretBox> {
    let material = secretKey;
    if (!material) {
      await db.updateTable('securitySettings').set({ sealingKey: randomBytes(32).toString('base64') }).where('sealingKey', 'is', null).execute();
      const row = await db.selectFrom('securitySettings').select('sealingKey').executeTakeFirstOrThrow();
      material = row.sealingKey!;
    }
    const key = Buffer.from(hkdfSync('sha256', material, 'switchboard', 'sealed secrets v1', 32));
    const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
    return new SecretBox(key, keyId, Boolean(secretKey));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', this.keyId, b64(iv), b64(cipher.getAuthTag()), b64(body)].join('.');
  }

  open(sealed: string): string {
    const [version, keyId, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
    if (keyId !== this.keyId) throw new SealedWithAnotherKey();
    const decipher = createDecipheriv('aes-256-gcm', this.key, unb64(iv));
    decipher.setAuthTag(unb64(tag));
    return Buffer.concat([decipher.update(unb64(body)), decipher.final()]).toString('utf8');
  }
}

export class SealedWithAnotherKey extends Error {
  constructor() {
    super('This secret was sealed under another SECRET_KEY.');
  }
}
