import type { CustomersService } from '../customers/customers.service.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { type Hrefs, typed } from './tmf.common.js';

type Entity = Record<string, unknown>;
type Detail = Awaited<ReturnType<CustomersService['detail']>>;

/** A Switchboard customer ID from a TMF id, or null. */
export const customerIdOf = (id: unknown): number | null => {
  const m = /^([0-9]{1,9})$/.exec(String(id ?? ''));
  return m ? Number(m[1]) : null;
};

/** The reference to a customer other APIs give (relatedParty). */
export const customerRef = (h: Hrefs, c: { id: number; name: string }, role = 'customer') => ({
  id: String(c.id),
  href: h.to('customer', 'customer', c.id),
  name: c.name,
  role,
  '@referredType': 'Customer',
});

/**
 * TMF629 over the customers domain: a customer with its contact media (e-mail, phone, each site
 * as a postal address), its billing and technical contacts as related parties, and its payment
 * methods as references that say the brand and last four digits only (Switchboard never holds a
 * card number). Writes go through `CustomersService` (the console's checks and audit).
 */
export class TmfCustomers {
  constructor(private readonly customers: CustomersService) {}

  entity(h: Hrefs, c: Detail): Entity {
    const referredType = c.type === 'business' ? 'Organization' : 'Individual';
    return {
      id: String(c.id),
      href: h.to('customer', 'customer', c.id),
      name: c.name,
      status: c.status,
      statusReason: null,
      validFor: { startDateTime: c.createdAt },
      engagedParty: { id: String(c.id), name: c.name, '@referredType': referredType },
      contactMedium: [
        ...(c.email ? [{ mediumType: 'email', preferred: true, characteristic: { contactType: 'email', emailAddress: c.email } }] : []),
        ...(c.phone ? [{ mediumType: 'phone', preferred: !c.email, characteristic: { contactType: 'phone', phoneNumber: c.phone } }] : []),
        ...c.sites.map((s) => ({
          mediumType: 'postalAddress',
          preferred: false,
          characteristic: { contactType: s.name, street1: s.addressLine1, street2: s.addressLine2 ?? '', city: s.city, postCode: s.postcode, country: s.country },
        })),
      ],
      relatedParty: c.contacts.map((x) => ({ id: `contact-${x.id}`, name: x.name, role: `${x.role}Contact`, '@referredType': 'Individual' })),
      characteristic: [
        { name: 'customerType', valueType: 'string', value: c.type },
        { name: 'paymentType', valueType: 'string', value: c.paymentType },
        ...(c.companyNumber ? [{ name: 'companyNumber', valueType: 'string', value: c.companyNumber }] : []),
      ],
      account: [{ id: String(c.id), name: `${c.name} (billing)`, '@referredType': 'BillingAccount' }],
      paymentMethod: c.paymentMethods.map((m) => ({
        id: String(m.id),
        name: `${m.brand} ending ${m.last4}, expires ${String(m.expMonth).padStart(2, '0')}/${m.expYear}${m.isDefault ? ' (default)' : ''}`,
        '@referredType': 'BankCard',
      })),
      ...typed('customer', 'Customer'),
    };
  }

  async list(h: Hrefs): Promise<Entity[]> {
    const ids = (await this.customers.list({ limit: 1_000_000, offset: 0 })).map((c) => c.id).sort((a, b) => a - b);
    const details = await this.customers.detailMany(ids);
    return ids.map((id) => this.entity(h, details.get(id)!));
  }

  async get(h: Hrefs, id: string): Promise<Entity> {
    const n = customerIdOf(id);
    if (n === null) throw notFound('Customer', id);
    return this.entity(h, await this.customers.detail(n));
  }

  private static contact(body: Record<string, unknown>) {
    const media = Array.isArray(body.contactMedium) ? (body.contactMedium as { mediumType?: string; characteristic?: Record<string, unknown> }[]) : [];
    const email = media.map((m) => m.characteristic?.emailAddress).find((v) => typeof v === 'string') as string | undefined;
    const phone = media.map((m) => m.characteristic?.phoneNumber).find((v) => typeof v === 'string') as string | undefined;
    return { ...(email !== undefined && { email }), ...(phone !== undefined && { phone }) };
  }

  /** A new customer: an Organization as engaged party makes a business customer, else an individual. */
  async create(ctx: Ctx, h: Hrefs, body: Record<string, unknown>): Promise<Entity> {
    const party = (body.engagedParty ?? {}) as Record<string, unknown>;
    const type = String(party['@referredType'] ?? '').toLowerCase() === 'organization' ? 'business' : 'individual';
    if (typeof body.name !== 'string' || !body.name.trim()) throw new AppError('VALIDATION_FAILED', 'name: the customer needs a name.', undefined, { field: 'name' });
    const created = await this.customers.create(ctx, { type, name: body.name, status: 'active', paymentType: 'card', ...TmfCustomers.contact(body) });
    return this.get(h, String(created.id));
  }

  /** A change of name, status or contact media (e-mail, phone). */
  async update(ctx: Ctx, h: Hrefs, id: string, patch: Record<string, unknown>): Promise<Entity> {
    const n = customerIdOf(id);
    if (n === null) throw notFound('Customer', id);
    const unsupported = Object.keys(patch).filter((k) => !['name', 'status', 'contactMedium'].includes(k));
    if (unsupported.length) throw new AppError('VALIDATION_FAILED', `A customer takes a new name, status or contactMedium here, not ${unsupported.join(', ')}.`, 'Change sites, contacts and payment methods in the console.', { field: unsupported[0] });
    const status = patch.status;
    if (status !== undefined && status !== 'active' && status !== 'suspended') throw new AppError('VALIDATION_FAILED', 'status: active or suspended.', undefined, { field: 'status' });
    await this.customers.update(ctx, n, {
      ...(typeof patch.name === 'string' && { name: patch.name }),
      ...(status !== undefined && { status }),
      ...TmfCustomers.contact(patch),
    });
    return this.get(h, id);
  }
}
