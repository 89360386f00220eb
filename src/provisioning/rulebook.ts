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
import { advise, englishHint, englishText, type Said, say } from './preflight-texts.js';
import { actions } from './actions/index.js';
import { productVariables } from './variables.js';
import { type LoadedPlaybook, productProblems } from './playbooks/playbooks.js';
import { renderDeep, renderString } from './playbooks/templating.js';
import type { AssignmentInput, Check, CheckId, PreflightResult, RunVariables } from './provisioning.schemas.js';

/**
 * The one rulebook of an assignment (R6.3, issue 10): the checks the review screen shows, that
 * confirming runs again, that a bulk file's dry run runs for each row, and that the bulk pump runs
 * as its rows start. What they need is loaded for many assignments at once, with one query per
 * kind of thing (`loadRules`); the checks themselves read only what was loaded
 * (`checkAssignment`), so a file of 100,000 rows and a single confirmation obey the same rules.
 * Each check says what it found and, when it fails, what to do.
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

/** Everything the checks of many assignments read, loaded at once. */
export interface Loaded {
  customers: Map<number, Detail>;
  /** By the product as each assignment names it (a slug, or an ID as text). */
  products: Map<string, Product>;
  items: Map<number, Item>;
  /** The services add-ons go onto. */
  targets: Map<number, Service>;
  /** An add-on without its service: the customer's active services of its type, to name them. */
  candidates: Map<string, Service[]>;
  now: Date;
}

/**
 * How the inventory is checked: `held`, every item the product needs chosen and reserved for this
 * assignment (the wizard, and a bulk row as it starts, its items picked under its holder);
 * `available`, the items the assignment names are available now and the others will be picked
 * from stock (a bulk file's dry run and commit).
 */
export type InventoryRule = 'held' | 'available';

/** One thing that stops an assignment, and the field it is about (for a bulk row, its column). */
export interface Problem {
  check: CheckId;
  said: Said;
  field: string;
}

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

/** Loads what the checks of `inputs` read: one query per kind of thing, whatever their number. */
export async function loadRules(deps: PreflightDeps, inputs: AssignmentInput[]): Promise<Loaded> {
  const [customers, products, items, targets] = await Promise.all([
    deps.customers.detailMany(inputs.map((i) => i.customerId)),
    deps.catalog.getByKeys(inputs.map((i) => String(i.product))),
    deps.inventory.getItems(inputs.flatMap((i) => Object.values(i.inventory))),
    deps.services.getMany(inputs.flatMap((i) => (i.serviceId === undefined ? [] : [i.serviceId]))),
  ]);
  // An add-on without its service (rare: the review names the candidates).
  const candidates = new Map<string, Service[]>();
  for (const i of inputs) {
    const product = products.get(String(i.product));
    if (i.serviceId !== undefined || !product || product.category !== 'addon' || !customers.has(i.customerId)) continue;
    const key = `${i.customerId}:${product.serviceType}`;
    if (!candidates.has(key)) candidates.set(key, await deps.services.forCustomer(i.customerId, { serviceType: product.serviceType, status: 'active' }));
  }
  return { customers, products, items, targets, candidates, now: deps.clock.now() };
}

/** The checks of R6.3 for one assignment (the review screen's, a confirmation's, a bulk row's). */
export async function preflight(deps: PreflightDeps, input: AssignmentInput): Promise<{ result: PreflightResult; plan: Plan | null }> {
  return checkAssignment(deps, await loadRules(deps, [input]), input, 'held');
}

/** The checks of one assignment against what was loaded: what each found, and the plan when all pass. */
export function checkAssignment(deps: Pick<PreflightDeps, 'playbooks'>, loaded: Loaded, input: AssignmentInput, rule: InventoryRule): { result: PreflightResult; plan: Plan | null; problems: Problem[] } {
  const checks = new Map<CheckId, Check>();
  const problems: Problem[] = [];
  const clauses = (text: Said | Said[]) => (Array.isArray(text) ? text : [text]);
  const pass = (id: CheckId, text: Said | Said[]) => checks.set(id, { id, label: labels[id], ok: true, message: englishText(clauses(text)), text: clauses(text) });
  /** A failed check; each clause is a problem about its own field (a list: `{ said, field }`). */
  const fail = (id: CheckId, text: Said | Said[] | { said: Said; field: string }[], hint?: Said, field?: string) => {
    const list = (Array.isArray(text) ? text : [text]).map((t) => ('said' in t ? t : { said: t, field: field ?? id }));
    for (const p of list) problems.push({ check: id, said: p.said, field: p.field });
    checks.set(id, { id, label: labels[id], ok: false, message: englishText(list.map((p) => p.said)), text: list.map((p) => p.said), ...(hint && { hint: englishHint(hint), hintText: hint }), ...((field ?? list[0]?.field) && { field: field ?? list[0]!.field }) });
  };
  const notChecked = (id: CheckId, why: Said) => {
    if (checks.has(id)) return;
    checks.set(id, { id, label: labels[id], ok: false, message: englishText([why]), text: [why] });
  };

  // --- customer ------------------------------------------------------------------------------
  const customer: Detail | null = loaded.customers.get(input.customerId) ?? null;
  if (!customer) fail('customer', say('customer.missing', { id: input.customerId }), advise('customer.searchAgain', {}), 'customerId');
  else if (customer.status === 'active') pass('customer', say('customer.active', { name: customer.name, id: customer.id }));
  else fail('customer', say('customer.inactive', { name: customer.name, id: customer.id, status: customer.status }), advise('customer.reactivate', {}), 'customerId');

  // --- product and eligibility (R2.4) ---------------------------------------------------------
  const product: Product | null = loaded.products.get(String(input.product)) ?? null;
  if (!product) fail('eligibility', say('product.missing', { product: String(input.product) }), advise('product.pickAgain', {}), 'product');
  if (product && customer) {
    if (!product.enabled) fail('eligibility', say('product.disabled', { product: product.name }), advise('product.pickAnother', {}), 'product');
    else if (!product.customerTypes.includes(customer.type)) {
      fail('eligibility', say('product.notOffered', { product: product.name, customerType: customer.type }), advise('product.pickForType', { customerType: customer.type, catalog: customer.type === 'business' ? 'Business' : 'Individual' }), 'product');
    } else pass('eligibility', say('product.offered', { product: product.name, customerType: customer.type }));
  } else if (product) notChecked('eligibility', say('notChecked.noCustomer', {}));

  // --- payment method (R6.3) ------------------------------------------------------------------
  if (product && customer) {
    const charged = product.setupFee + product.recurringPrice > 0;
    const pm = customer.paymentMethods.find((m) => m.isDefault) ?? null;
    if (!charged) pass('payment_method', say('payment.nothingToCharge', {}));
    else if (!pm) fail('payment_method', say('payment.missing', { name: customer.name }), advise('payment.addCard', {}), 'payment');
    else if (expired(pm, loaded.now)) {
      fail('payment_method', say('payment.expired', { brand: pm.brand, last4: pm.last4, month: pm.expMonth, year: pm.expYear }), advise('payment.validCard', {}), 'payment');
    } else pass('payment_method', say('payment.valid', { brand: cap(pm.brand), last4: pm.last4, month: String(pm.expMonth).padStart(2, '0'), year: pm.expYear }));
  } else notChecked('payment_method', say('notChecked.noCustomerOrProduct', {}));

  // --- add-on target (R9.1) -------------------------------------------------------------------
  let target: Service | null = null;
  if (product && customer) {
    if (product.category === 'plan') {
      if (input.serviceId !== undefined) fail('addon_target', say('target.isPlan', { product: product.name, serviceId: input.serviceId }), advise('target.leaveOut', {}), 'serviceId');
      else pass('addon_target', say('target.newService', {}));
    } else if (input.serviceId === undefined) {
      const candidates = loaded.candidates.get(`${customer.id}:${product.serviceType}`) ?? [];
      fail(
        'addon_target',
        candidates.length ? say('target.choose', { product: product.name, serviceType: product.serviceType }) : say('target.noneActive', { name: customer.name, product: product.name, serviceType: product.serviceType }),
        candidates.length ? advise('target.candidates', { services: candidates.map((c) => `${c.name} (ID: ${c.id})`) }) : advise('target.assignPlanFirst', { serviceType: product.serviceType }),
        'serviceId',
      );
    } else {
      const s = loaded.targets.get(input.serviceId);
      if (!s) fail('addon_target', say('target.missing', { serviceId: input.serviceId }), advise('target.pickTheirs', {}), 'serviceId');
      else if (s.customerId !== customer.id) fail('addon_target', say('target.otherCustomer', { serviceId: s.id }), advise('target.pickTheirs', {}), 'serviceId');
      else if (s.serviceType !== product.serviceType) {
        fail('addon_target', say('target.wrongType', { product: product.name, serviceType: product.serviceType, service: s.name, targetType: s.serviceType }), advise('target.pickType', { serviceType: product.serviceType }), 'serviceId');
      } else if (s.status !== 'active') fail('addon_target', say('target.notActive', { service: s.name, status: s.status }), advise('target.waitActive', {}), 'serviceId');
      else {
        target = s;
        pass('addon_target', say('target.ok', { product: product.name, service: s.name, serviceId: s.id }));
      }
    }
  } else notChecked('addon_target', say('notChecked.noCustomerOrProduct', {}));

  // --- inventory (R4) -------------------------------------------------------------------------
  const items: Item[] = [];
  if (product) {
    const problems: { said: Said; field: string }[] = [];
    let hint = advise('inventory.pickAgain', {});
    for (const t of product.inventoryTemplates) {
      const id = input.inventory[t];
      const field = `inventory.${t}`;
      if (id === undefined) {
        // A bulk row's items not named are picked from stock as it starts.
        if (rule === 'held') problems.push({ said: say('inventory.choose', { template: t }), field });
        continue;
      }
      const item = loaded.items.get(id);
      if (!item) problems.push({ said: say('inventory.noSuchItem', { template: t, itemId: id }), field });
      else if (item.templateName !== t) problems.push({ said: say('inventory.wrongTemplate', { reference: item.reference, actual: item.templateName, template: t }), field });
      else if (rule === 'available') {
        if (item.status === 'new' || item.status === 'in_stock') items.push(item);
        else problems.push({ said: say('row.itemUnavailable', { template: t, ref: item.reference }), field });
      } else if (item.status !== 'reserved' || !input.reservation || item.reservation?.holder !== input.reservation || item.reservation.provisionId) {
        problems.push({ said: item.status === 'reserved' ? say('inventory.heldElsewhere', { reference: item.reference }) : say('inventory.notReserved', { reference: item.reference, status: item.status }), field });
        if (item.status === 'new' || item.status === 'in_stock') hint = advise('inventory.expired', {});
      } else items.push(item);
    }
    for (const t of Object.keys(input.inventory)) if (!product.inventoryTemplates.includes(t)) problems.push({ said: say('inventory.notNeeded', { product: product.name, template: t }), field: `inventory.${t}` });
    if (problems.length) fail('inventory', problems, hint);
    else if (items.length === 0) pass('inventory', say('inventory.noneNeeded', {}));
    else {
      const until = items.map((i) => i.reservation?.expiresAt).filter((x): x is string => Boolean(x)).sort()[0];
      const held = items.map((i) => `${i.templateName} ${i.reference}`);
      pass('inventory', until ? say('inventory.heldUntil', { items: held, until: until.slice(11, 16) }) : say('inventory.held', { items: held }));
    }
  } else notChecked('inventory', say('notChecked.noProduct', {}));

  // --- custom fields (R5.3) -------------------------------------------------------------------
  const customFields: Record<string, string> = {};
  if (product && customer) {
    const problems: { said: Said; field: string }[] = [];
    const applicable = product.customFields.filter((f) => !f.customerTypes || f.customerTypes.includes(customer!.type));
    const known = new Set(applicable.map((f) => f.name));
    for (const f of product.customFields) customFields[f.name] = '';
    for (const f of applicable) {
      const v = (input.customFields[f.name] ?? '').trim();
      customFields[f.name] = v;
      if (!v) {
        if (f.required) problems.push({ said: say('field.required', { label: f.label }), field: f.name });
        continue;
      }
      if (f.type === 'date' && !validDate(v)) problems.push({ said: say('field.notDate', { label: f.label }), field: f.name });
      else if (f.type === 'number' && !/^-?\d+(\.\d+)?$/.test(v)) problems.push({ said: say('field.notNumber', { label: f.label }), field: f.name });
      else if (f.pattern && !new RegExp(`^(?:${f.pattern})$`).test(v)) {
        problems.push({ said: f.help ? say('field.formatHelp', { label: f.label, value: v, help: f.help }) : say('field.format', { label: f.label, value: v }), field: f.name });
      }
    }
    for (const k of Object.keys(input.customFields)) if (!known.has(k)) problems.push({ said: say('field.unknown', { product: product.name, field: k, customerType: customer.type }), field: k });
    if (problems.length) fail('custom_fields', problems.map((p) => ({ said: p.said, field: `customFields.${p.field}` })), advise('field.correct', {}));
    else {
      const filled = applicable.filter((f) => customFields[f.name]).map((f) => `${f.label}: ${customFields[f.name]}`);
      pass('custom_fields', !applicable.length ? say('fields.noneAsked', {}) : filled.length ? say('fields.values', { values: filled.join(', ') }) : say('fields.noneFilled', {}));
    }
  } else notChecked('custom_fields', say('notChecked.noCustomerOrProduct', {}));

  // --- site and contacts (R10.1) --------------------------------------------------------------
  let site: Plan['site'] = null;
  let billingContact: Plan['billingContact'] = null;
  let technicalContact: Plan['technicalContact'] = null;
  const playbook = product ? deps.playbooks.get(product.playbook) : undefined;
  if (customer && product) {
    const problems: { said: Said; field: string; hint: Said }[] = [];
    if (input.siteId !== undefined) {
      site = customer.sites.find((s) => s.id === input.siteId) ?? null;
      if (!site) problems.push({ said: say('site.notTheirs', { siteId: input.siteId, name: customer.name }), field: 'siteId', hint: advise('site.pickTheirs', {}) });
    } else if (playbook?.references.site && product.category === 'plan') {
      problems.push({
        said: say('site.needed', { product: product.name }),
        field: 'siteId',
        hint: customer.sites.length ? advise('site.chooseOne', { sites: customer.sites.map((s) => s.name) }) : advise('site.addFirst', {}),
      });
    }
    for (const [key, role] of [['billingContactId', 'billing'], ['technicalContactId', 'technical']] as const) {
      const id = input[key];
      if (id === undefined) continue;
      const c = customer.contacts.find((x) => x.id === id) ?? null;
      if (!c) problems.push({ said: say('contact.notTheirs', { contactId: id, name: customer.name }), field: key, hint: advise('contact.pickTheirs', {}) });
      else if (c.role !== role && c.role !== 'other') problems.push({ said: say('contact.wrongRole', { contact: c.name, role: c.role, wanted: role }), field: key, hint: advise('contact.pickRole', { wanted: role }) });
      else if (role === 'billing') billingContact = c;
      else technicalContact = c;
    }
    if (problems.length) fail('site_contacts', problems.map((p) => ({ said: p.said, field: p.field })), problems[0]!.hint);
    else {
      const parts = [
        site && say('site.installedAt', { site: site.name, address: site.addressLine1 }),
        billingContact && say('contact.billing', { contact: billingContact.name }),
        technicalContact && say('contact.technical', { contact: technicalContact.name }),
      ].filter((x): x is Said => Boolean(x));
      pass('site_contacts', parts.length ? parts : say('siteContacts.noneNeeded', {}));
    }
  } else notChecked('site_contacts', say('notChecked.noCustomerOrProduct', {}));

  // --- auto-renew (R5.2) ----------------------------------------------------------------------
  const autoRenew = product ? (product.category === 'addon' ? product.billing === 'recurring' : (input.autoRenew ?? product.billing === 'recurring')) : null;

  // --- the playbook itself --------------------------------------------------------------------
  let taskNames: string[] = [];
  // The same names in the other languages the playbook gives (R13), rendered as the default is.
  const otherNames: Record<string, string[]> = {};
  const unrendered = (pb: NonNullable<typeof playbook>) => {
    for (const lang of new Set(pb.tasks.flatMap((t) => Object.keys(t.names)))) otherNames[lang] = pb.tasks.map((t) => t.names[lang] ?? t.name);
    return pb.tasks.map((t) => t.name);
  };
  if (product && !playbook) fail('playbook', say('playbook.notLoaded', { playbook: product.playbook, product: product.name }), advise('playbook.addOrFix', {}));
  else if (product && playbook) {
    const problems = productProblems(product, playbook);
    if (problems.length) fail('playbook', say('playbook.productProblems', { product: product.name, problems: problems.join('; ') }), advise('playbook.fix', {}));
    else if (rule === 'available') {
      // A file's items are picked as its rows start: the tasks are rendered then (the pump checks
      // each row again, 'held'), not in the dry run.
      pass('playbook', say('playbook.ready', { count: playbook.tasks.length, playbook: playbook.name }));
      taskNames = unrendered(playbook);
    } else if (customer && [...checks.values()].every((c) => c.ok)) {
      // Render every task now, with the real values, so that no template fails half-way (R13).
      const vars = variablesFor({ customer, product, playbook, kind: product.category === 'plan' ? 'new_service' : 'addon', items, target, site, billingContact, technicalContact, customFields, autoRenew: autoRenew ?? false }, '00000000-0000-0000-0000-000000000000', target ?? { id: 0, name: '(new service)', ocsAccount: 'SB00000000' });
      const renderProblems: string[] = [];
      taskNames = playbook.tasks.map((t, i) => {
        try {
          const action = actions.get(t.action)!;
          const parsed = action.args.safeParse(renderDeep(t.args, vars));
          if (!parsed.success) renderProblems.push(`task ${i + 1} "${t.name}": ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
          const name = String(renderString(t.name, vars));
          for (const [lang, other] of Object.entries(t.names)) (otherNames[lang] ??= [])[i] = String(renderString(other, vars));
          return name;
        } catch (e) {
          renderProblems.push(`task ${i + 1} "${t.name}": ${explainRenderError((e as Error).message)}`);
          return t.name;
        }
      });
      for (const lang of Object.keys(otherNames)) otherNames[lang] = taskNames.map((name, i) => otherNames[lang]![i] ?? name);
      if (renderProblems.length) fail('playbook', say('playbook.cannotRender', { problems: renderProblems.join('; ') }), advise('playbook.fillIn', {}));
      else pass('playbook', say('playbook.ready', { count: playbook.tasks.length, playbook: playbook.name }));
    } else {
      taskNames = unrendered(playbook);
      notChecked('playbook', say('notChecked.othersFirst', {}));
    }
  } else notChecked('playbook', say('notChecked.noProduct', {}));

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
    taskNames: otherNames,
  };
  const plan: Plan | null =
    ok && customer && product && playbook
      ? { customer, product, playbook, kind: product.category === 'plan' ? 'new_service' : 'addon', items, target, site, billingContact, technicalContact, customFields, autoRenew: autoRenew ?? false }
      : null;
  return { result, plan, problems };
}

/** The variables a run's templates see (RunVariables), from a checked plan. */
export function variablesFor(plan: Plan, provisionId: string, service: { id: number; name: string; ocsAccount: string | null }): RunVariables {
  const c = plan.customer;
  const p = plan.product;
  const contact = (x: Plan['billingContact']) => (x ? { id: x.id, name: x.name, email: x.email ?? '', phone: x.phone ?? '' } : null);
  return {
    provision: { id: provisionId, kind: plan.kind },
    customer: { id: c.id, type: c.type, name: c.name, email: c.email ?? '', phone: c.phone ?? '', status: c.status, language: c.language },
    product: productVariables(p),
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
