import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Who may scrape /metrics without signing in (issue 12): a request carrying the scrape token
 * (`Authorization: Bearer <METRICS_TOKEN>`), or one from an address in METRICS_ALLOW (addresses
 * and CIDRs, IPv4 or IPv6). Neither set: nobody but a signed-in admin. The token is compared in
 * constant time, through its hash.
 */
export class ScrapeAccess {
  private readonly token: Buffer | null;
  private readonly allow: BlockList | null;

  constructor(
    token: string | undefined,
    readonly allowList: string[],
  ) {
    this.token = token ? digest(token) : null;
    if (!allowList.length) {
      this.allow = null;
      return;
    }
    this.allow = new BlockList();
    for (const entry of allowList) {
      const [address, bits] = entry.split('/') as [string, string | undefined];
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.allow.addAddress(address, family);
      else this.allow.addSubnet(address, Number(bits), family);
    }
  }

  /** METRICS_ALLOW as a list; throws naming the entry that is not an address or a CIDR. */
  static parseAllow(raw: string | undefined): string[] {
    const out: string[] = [];
    for (const entry of (raw ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
      const [address, bits, extra] = entry.split('/');
      const family = isIP(address ?? '');
      const max = family === 6 ? 128 : 32;
      if (!family || extra !== undefined || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))) {
        throw new Error(`METRICS_ALLOW: "${entry}" is not an address or a CIDR (such as 127.0.0.1/32 or 10.0.0.0/8)`);
      }
      out.push(entry);
    }
    return out;
  }

  get configured(): boolean {
    return this.token !== null || this.allow !== null;
  }

  /** Whether this request may scrape: the token, or the client's address. */
  allows(authorization: string | undefined, address: string | undefined): boolean {
    if (this.token && authorization) {
      const m = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (m?.[1] && timingSafeEqual(digest(m[1]), this.token)) return true;
    }
    if (this.allow && address) {
      const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
      const family = isIP(plain);
      if (family && this.allow.check(plain, family === 6 ? 'ipv6' : 'ipv4')) return true;
    }
    return false;
  }
}
