import type { Product } from '../catalog/catalog.schemas.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { Customer, PaymentMethod } from '../customers/customers.schemas.js';
import type { CustomersService } from '../customers/customers.service.js';
import type { Item } from '../inventory/inventory.schemas.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { Service } from '../services/services.schemas.js';
import type { ServicesService } from '../services/services.service.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { actions } from './actions/index.js';
import { type LoadedPlaybook, productProblems } from './playbooks/playbooks.js';
import { renderDeep, renderString } from './playbooks/templating.js';
import type { AssignmentInput, Check, CheckId, PreflightResult, RunVariables } from './provisioning.schemas.js';

/**
 * The checks of R6.3, run before anything is written: the review screen shows them, and
 * confirming runs them again. Each says what it found and, when it fails, what to do.
 */
export interface PreflightDeps {
  catalog: CatalogService;
  customers: CustomersService;
  inventory: InventoryService;
  services: ServicesService;
  playbooks: ReadonlyMap<string, LoadedPlaybook>;
  clock: Clock;
}

type Detail = Awaited<ReturnType<CustomersService['detail']>>;

/** Everything a confirmed assignment needs, once every check passed. */
export interface Plan {
  customer: Detail;
  product: Product;
  playbook: LoadedPlaybook;
  kind: 'new_service' | 'addon';
  items: Item[];
  target: Service | null;
  site: Detail['sites'][number] | null;
  billingContact: Detail['contacts'][number] | null;
  technicalContact: Detail['contacts'][number] | null;
  customFields: Record<string, string>;
  autoRenew: boolean;
}

const labels: Record<CheckId, string> = {
  customer: 'Customer account',
  eligibility: 'Customer eligible for the product',
  payment_method: 'Valid default payment method',
  inventory: 'Inventory still held',
  custom_fields: 'Custom fields',
  site_contacts: 'Site and contacts',
  addon_target: 'Add-on compatible with the service',
  playbook: 'Provisioning playbook',
};

const money = (minor: number, currency: string) => new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(minor / 100);

export async function preflight(deps: PreflightDeps, input: AssignmentInput): Promise<{ result: PreflightResult; plan: Plan | null }> {
  const checks = new Map<CheckId, Check>();
  const pass = (id: CheckId, message: string) => checks.set(id, { id, label: labels[id], ok: true, message });
  const fail = (id: CheckId, message: string, hint?: string, field?: string) =>
    checks.set(id, { id, label: labels[id], ok: false, message, ...(hint && { hint }), ...(field && { field }) });
  const notChecked = (id: CheckId, why: string) => checks.has(id) || fail(id, `Not checked: ${why}.`);

  // --- customer ------------------------------------------------------------------------------
  let customer: Detail | null = null;
  try {
    customer = await deps.customers.detail(input.customerId);
    if (customer.status === 'active') pass('customer', `${customer.name} (ID: ${customer.id}) is active.`);
    else fail('customer', `${customer.name} (ID: ${customer.id}) is ${customer.status}.`, 'Reactivate the customer account before assigning a service.', 'customerId');
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    fail('customer', `There is no customer with ID ${input.customerId}.`, 'Search again by name, e-mail or phone, or create the customer first (R3.3).', 'customerId');
  }

  // --- product and eligibility (R2.4) ---------------------------------------------------------
  let product: Product | null = null;
  try {
    product = await deps.catalog.get(input.product);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    fail('eligibility', `There is no product "${input.product}".`, 'Pick the product from the catalog again.', 'product');
  }
  if (product && customer) {
    if (!product.enabled) fail('eligibility', `${product.name} is not offered at the moment (disabled).`, 'Pick another product, or ask an administrator to enable it.', 'product');
    else if (!product.customerTypes.includes(customer.type)) {
      fail('eligibility', `${product.name} is not offered to ${customer.type} customers.`, `Pick a product for ${customer.type} customers (switch the catalog to ${customer.type === 'business' ? 'Business' : 'Individual'}).`, 'product');
    } else pass('eligibility', `${product.name} is offered to ${customer.type} customers.`);
  } else if (product) notChecked('eligibility', 'no customer');

  // --- payment method (R6.3) ------------------------------------------------------------------
  if (product && customer) {
    const charged = product.setupFee + product.recurringPrice > 0;
    const pm = customer.paymentMethods.find((m) => m.isDefault) ?? null;
    if (!charged) pass('payment_method', 'Nothing to charge for this product.');
    else if (!pm) fail('payment_method', `${customer.name} has no default payment method.`, "Add a card on the customer's page (or make one the default), then check again.", 'payment');
    else if (expired(pm, deps.clock.now())) {
      fail('payment_method', `The default card (${pm.brand} ending ${pm.last4}) expired in ${pm.expMonth}/${pm.expYear}.`, 'Ask the customer for a valid card and make it the default.', 'payment');
    } else pass('payment_method', `${cap(pm.brand)} ending ${pm.last4}, expires ${String(pm.expMonth).padStart(2, '0')}/${pm.expYear}.`);
  } else notChecked('payment_method', 'no customer or product');

  // --- add-on target (R9.1) -------------------------------------------------------------------
  let target: Service | null = null;
  if (product && customer) {
    if (product.category === 'plan') {
      if (input.serviceId !== undefined) fail('addon_target', `${product.name} is a plan: it creates a new service and does not go onto service ${input.serviceId}.`, 'Leave the service out, or pick an add-on.', 'serviceId');
      else pass('addon_target', 'A new service will be created.');
    } else if (input.serviceId === undefined) {
      const candidates = await deps.services.forCustomer(customer.id, { serviceType: product.serviceType, status: 'active' });
      fail(
        'addon_target',
        candidates.length ? `Choose which ${product.serviceType} service receives ${product.name}.` : `${customer.name} has no active ${product.serviceType} service for ${product.name} to go onto.`,
        candidates.length ? `Candidates: ${candidates.map((c) => `${c.name} (ID: ${c.id})`).join(', ')}.` : `Assign a ${product.serviceType} plan first.`,
        'serviceId',
      );
    } else {
      try {
        const s = await deps.services.get(input.serviceId);
        if (s.customerId !== customer.id) fail('addon_target', `Service ${s.id} belongs to another customer.`, "Pick one of this customer's services.", 'serviceId');
        else if (s.serviceType !== product.serviceType) fail('addon_target', `${product.name} is for ${product.serviceType} services; ${s.name} is ${s.serviceType}.`, `Pick a ${product.serviceType} service.`, 'serviceId');
        else if (s.status !== 'active') fail('addon_target', `${s.name} is ${s.status}; add-ons go onto active services.`, 'Wait until the service is active, or pick another.', 'serviceId');
        else {
          target = s;
          pass('addon_target', `${product.name} goes onto ${s.name} (ID: ${s.id}).`);
        }
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        fail('addon_target', `There is no service ${input.serviceId}.`, "Pick one of the customer's services.", 'serviceId');
      }
    }
  } else notChecked('addon_target', 'no customer or product');

  // --- inventory (R4) -------------------------------------------------------------------------
  const items: Item[] = [];
  if (product) {
    const problems: string[] = [];
    let hint = 'Pick the item again in its selector: the list shows what is available now.';
    for (const t of product.inventoryTemplates) {
      const id = input.inventory[t];
      if (id === undefined) {
        problems.push(`choose a ${t}`);
        continue;
      }
      let item: Item;
      try {
        item = await deps.inventory.getItem(id);
      } catch {
        problems.push(`${t} item ${id} does not exist`);
        continue;
      }
      if (item.templateName !== t) problems.push(`${item.reference} is a ${item.templateName}, not a ${t}`);
      else if (item.status !== 'reserved' || !input.reservation || item.reservation?.holder !== input.reservation || item.reservation.provisionId) {
        problems.push(item.status === 'reserved' ? `${item.reference} is held by another assignment` : `${item.reference} is not reserved for this assignment (it is ${item.status.replace('_', ' ')})`);
        if (item.status === 'new' || item.status === 'in_stock') hint = 'The reservation expired: pick the item again to reserve it.';
      } else items.push(item);
    }
    for (const t of Object.keys(input.inventory)) if (!product.inventoryTemplates.includes(t)) problems.push(`${product.name} does not need a ${t}`);
    if (problems.length) fail('inventory', `${cap(problems.join('; '))}.`, hint, 'inventory');
    else if (items.length === 0) pass('inventory', 'This product needs no inventory.');
    else {
      const until = items.map((i) => i.reservation?.expiresAt).filter((x): x is string => Boolean(x)).sort()[0];
      pass('inventory', `${items.map((i) => `${i.templateName} ${i.reference}`).join(' and ')} ${items.length > 1 ? 'are' : 'is'} held for this assignment${until ? ` until ${until.slice(11, 16)} UTC` : ''}.`);
    }
  } else notChecked('inventory', 'no product');

  // --- custom fields (R5.3) -------------------------------------------------------------------
  const customFields: Record<string, string> = {};
  if (product && customer) {
    const problems: { message: string; field: string }[] = [];
    const applicable = product.customFields.filter((f) => !f.customerTypes || f.customerTypes.includes(customer!.type));
    const known = new Set(applicable.map((f) => f.name));
    for (const f of product.customFields) customFields[f.name] = '';
    for (const f of applicable) {
      const v = (input.customFields[f.name] ?? '').trim();
      customFields[f.name] = v;
      if (!v) {
        if (f.required) problems.push({ message: `${f.label} is required`, field: f.name });
        continue;
      }
      if (f.type === 'date' && !validDate(v)) problems.push({ message: `${f.label} must be a date (YYYY-MM-DD)`, field: f.name });
      else if (f.type === 'number' && !/^-?\d+(\.\d+)?$/.test(v)) problems.push({ message: `${f.label} must be a number`, field: f.name });
      else if (f.pattern && !new RegExp(`^(?:${f.pattern})$`).test(v)) problems.push({ message: `${f.label} "${v}" is not in the expected format${f.help ? ` (${f.help})` : ''}`, field: f.name });
    }
    for (const k of Object.keys(input.customFields)) if (!known.has(k)) problems.push({ message: `${product.name} has no field "${k}" for ${customer.type} customers`, field: k });
    if (problems.length) fail('custom_fields', `${problems.map((p) => p.message).join('; ')}.`, 'Correct the fields, then check again.', `customFields.${problems[0]!.field}`);
    else pass('custom_fields', applicable.length ? `${applicable.filter((f) => customFields[f.name]).map((f) => `${f.label}: ${customFields[f.name]}`).join(', ') || 'No fields filled in (none required).'}` : 'This product asks for no custom fields.');
  } else notChecked('custom_fields', 'no customer or product');

  // --- site and contacts (R10.1) --------------------------------------------------------------
  let site: Plan['site'] = null;
  let billingContact: Plan['billingContact'] = null;
  let technicalContact: Plan['technicalContact'] = null;
  const playbook = product ? deps.playbooks.get(product.playbook) : undefined;
  if (customer && product) {
    const problems: { message: string; field: string; hint: string }[] = [];
    if (input.siteId !== undefined) {
      site = customer.sites.find((s) => s.id === input.siteId) ?? null;
      if (!site) problems.push({ message: `Site ${input.siteId} is not one of ${customer.name}'s sites`, field: 'siteId', hint: "Pick one of the customer's sites." });
    } else if (playbook?.references.site && product.category === 'plan') {
      problems.push({
        message: `${product.name} needs an installation site`,
        field: 'siteId',
        hint: customer.sites.length ? `Choose one of: ${customer.sites.map((s) => s.name).join(', ')}.` : "Add the installation address on the customer's page first.",
      });
    }
    for (const [key, role] of [['billingContactId', 'billing'], ['technicalContactId', 'technical']] as const) {
      const id = input[key];
      if (id === undefined) continue;
      const c = customer.contacts.find((x) => x.id === id) ?? null;
      if (!c) problems.push({ message: `Contact ${id} is not one of ${customer.name}'s contacts`, field: key, hint: "Pick one of the customer's contacts." });
      else if (c.role !== role && c.role !== 'other') problems.push({ message: `${c.name} is a ${c.role} contact, not a ${role} one`, field: key, hint: `Pick a ${role} contact.` });
      else if (role === 'billing') billingContact = c;
      else technicalContact = c;
    }
    if (problems.length) fail('site_contacts', `${problems.map((p) => p.message).join('; ')}.`, problems[0]!.hint, problems[0]!.field);
    else {
      const parts = [site && `installed at ${site.name}, ${site.addressLine1}`, billingContact && `billing: ${billingContact.name}`, technicalContact && `technical: ${technicalContact.name}`].filter(Boolean);
      pass('site_contacts', parts.length ? cap(`${parts.join('; ')}.`) : 'No site or contacts needed.');
    }
  } else notChecked('site_contacts', 'no customer or product');

  // --- auto-renew (R5.2) ----------------------------------------------------------------------
  const autoRenew = product ? (product.category === 'addon' ? product.billing === 'recurring' : (input.autoRenew ?? product.billing === 'recurring')) : null;

  // --- the playbook itself --------------------------------------------------------------------
  let taskNames: string[] = [];
  if (product && !playbook) fail('playbook', `The playbook "${product.playbook}" of ${product.name} is not loaded.`, 'An administrator must add it to playbooks/ or fix the product.');
  else if (product && playbook) {
    const problems = productProblems(product, playbook);
    if (problems.length) fail('playbook', `${product.name} cannot run its playbook: ${problems.join('; ')}.`, 'An administrator must fix the product or the playbook.');
    else if (customer && [...checks.values()].every((c) => c.ok)) {
      // Render every task now, with the real values, so that no template fails half-way (R13).
      const vars = variablesFor({ customer, product, playbook, kind: product.category === 'plan' ? 'new_service' : 'addon', items, target, site, billingContact, technicalContact, customFields, autoRenew: autoRenew ?? false }, '00000000-0000-0000-0000-000000000000', target ?? { id: 0, name: '(new service)', ocsAccount: 'SB00000000' });
      const renderProblems: string[] = [];
      taskNames = playbook.tasks.map((t, i) => {
        try {
          const action = actions.get(t.action)!;
          const parsed = action.args.safeParse(renderDeep(t.args, vars));
          if (!parsed.success) renderProblems.push(`task ${i + 1} "${t.name}": ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
          return String(renderString(t.name, vars));
        } catch (e) {
          renderProblems.push(`task ${i + 1} "${t.name}": ${explainRenderError((e as Error).message)}`);
          return t.name;
        }
      });
      if (renderProblems.length) fail('playbook', `The playbook cannot run with these choices: ${renderProblems.join('; ')}.`, 'Fill in what it needs (site, contacts, fields), or ask an administrator to fix the playbook.');
      else pass('playbook', `${playbook.tasks.length} tasks will run (${playbook.name}).`);
    } else {
      taskNames = playbook.tasks.map((t) => t.name);
      notChecked('playbook', 'the other checks must pass first');
    }
  } else notChecked('playbook', 'no product');

  const order: CheckId[] = ['customer', 'eligibility', 'payment_method', 'inventory', 'custom_fields', 'site_contacts', 'addon_target', 'playbook'];
  const list = order.map((id) => checks.get(id)!);
  const ok = list.every((c) => c.ok);
  const result: PreflightResult = {
    ok,
    checks: list,
    customer: customer && { id: customer.id, name: customer.name, type: customer.type },
    product: product && { id: product.id, slug: product.slug, name: product.name, category: product.category, serviceType: product.serviceType },
    pricing: product && { setupFee: product.setupFee, recurringPrice: product.recurringPrice, currency: product.currency, billing: product.billing },
    autoRenew,
    tasks: taskNames,
  };
  const plan: Plan | null =
    ok && customer && product && playbook
      ? { customer, product, playbook, kind: product.category === 'plan' ? 'new_service' : 'addon', items, target, site, billingContact, technicalContact, customFields, autoRenew: autoRenew ?? false }
      : null;
  return { result, plan };
}

/** The variables a run's templates see (RunVariables), from a checked plan. */
export function variablesFor(plan: Plan, provisionId: string, service: { id: number; name: string; ocsAccount: string | null }): RunVariables {
  const c = plan.customer;
  const p = plan.product;
  const contact = (x: Plan['billingContact']) => (x ? { id: x.id, name: x.name, email: x.email ?? '', phone: x.phone ?? '' } : null);
  return {
    provision: { id: provisionId, kind: plan.kind },
    customer: { id: c.id, type: c.type, name: c.name, email: c.email ?? '', phone: c.phone ?? '', status: c.status },
    product: {
      id: p.id,
      slug: p.slug,
      name: p.name,
      service_type: p.serviceType,
      category: p.category,
      billing: p.billing,
      setup_fee: p.setupFee,
      recurring_price: p.recurringPrice,
      currency: p.currency,
      contract_months: p.contractMonths,
      features: p.features,
    },
    vars: p.playbookVars,
    service: { id: service.id, name: service.name, ocs_account: service.ocsAccount ?? '' },
    inventory: Object.fromEntries(plan.items.map((i) => [i.templateName, { id: i.id, reference: i.reference, template: i.templateName, attributes: i.attributes }])),
    custom_fields: plan.customFields,
    site: plan.site && {
      id: plan.site.id,
      name: plan.site.name,
      address: [plan.site.addressLine1, plan.site.addressLine2].filter(Boolean).join(', '),
      city: plan.site.city,
      postcode: plan.site.postcode,
      country: plan.site.country,
    },
    contacts: { billing: contact(plan.billingContact), technical: contact(plan.technicalContact) },
    auto_renew: plan.autoRenew,
  };
}

function explainRenderError(message: string): string {
  const m = /undefined variable: ([\w.[\]'" -]+)/.exec(message);
  if (!m) return message;
  const v = m[1]!;
  if (v.startsWith('site')) return 'it needs an installation site';
  if (v.startsWith('contacts.billing')) return 'it needs a billing contact';
  if (v.startsWith('contacts.technical')) return 'it needs a technical contact';
  if (v.startsWith('custom_fields.')) return `it needs the field ${v.slice('custom_fields.'.length)}`;
  return `it needs ${v}`;
}

function expired(pm: PaymentMethod, now: Date): boolean {
  return pm.expYear < now.getUTCFullYear() || (pm.expYear === now.getUTCFullYear() && pm.expMonth < now.getUTCMonth() + 1);
}

function validDate(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export { money };
export type { Customer };
