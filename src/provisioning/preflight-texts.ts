import { TaskError } from '../integrations/errors.js';

/**
 * Everything a preflight check (R6.3) and a bulk file's row (R11.2) can say, as a key and its values. The API's `message` and
 * `hint` are the English below; `text` and `hintText` carry the keys, so that the console says the
 * same in the reader's language (web/src/i18n/server-texts-fr.ts; a test keeps the two in step).
 *
 * A check's text is one or more clauses: joined with "; ", the first letter capitalised, ended with
 * a full stop. A value that is a list is written as one ("A and B"). Values named `status`,
 * `customerType`, `serviceType`, `targetType`, `role`, `wanted`, `catalog` and `by` are codes that a translation
 * names in its own words.
 */
type Value = string | number | string[];

const list = (items: string[]) => new Intl.ListFormat('en', { style: 'long', type: 'conjunction' }).format(items);

export const checkTexts = {
  // customer
  'customer.active': (p: { name: string; id: number }) => `${p.name} (ID: ${p.id}) is active`,
  'customer.inactive': (p: { name: string; id: number; status: string }) => `${p.name} (ID: ${p.id}) is ${p.status}`,
  'customer.missing': (p: { id: number }) => `There is no customer with ID ${p.id}`,
  // eligibility (R2.4)
  'product.missing': (p: { product: string }) => `There is no product "${p.product}"`,
  'product.disabled': (p: { product: string }) => `${p.product} is not offered at the moment (disabled)`,
  'product.notOffered': (p: { product: string; customerType: string }) => `${p.product} is not offered to ${p.customerType} customers`,
  'product.offered': (p: { product: string; customerType: string }) => `${p.product} is offered to ${p.customerType} customers`,
  // payment method
  'payment.nothingToCharge': () => 'Nothing to charge for this product',
  'payment.missing': (p: { name: string }) => `${p.name} has no default payment method`,
  'payment.expired': (p: { brand: string; last4: string; month: number; year: number }) => `The default card (${p.brand} ending ${p.last4}) expired in ${p.month}/${p.year}`,
  'payment.valid': (p: { brand: string; last4: string; month: string; year: number }) => `${p.brand} ending ${p.last4}, expires ${p.month}/${p.year}`,
  // add-on target (R9.1)
  'target.isPlan': (p: { product: string; serviceId: number }) => `${p.product} is a plan: it creates a new service and does not go onto service ${p.serviceId}`,
  'target.newService': () => 'A new service will be created',
  'target.choose': (p: { product: string; serviceType: string }) => `Choose which ${p.serviceType} service receives ${p.product}`,
  'target.noneActive': (p: { name: string; product: string; serviceType: string }) => `${p.name} has no active ${p.serviceType} service for ${p.product} to go onto`,
  'target.otherCustomer': (p: { serviceId: number }) => `Service ${p.serviceId} belongs to another customer`,
  'target.wrongType': (p: { product: string; serviceType: string; service: string; targetType: string }) => `${p.product} is for ${p.serviceType} services; ${p.service} is ${p.targetType}`,
  'target.notActive': (p: { service: string; status: string }) => `${p.service} is ${p.status}; add-ons go onto active services`,
  'target.ok': (p: { product: string; service: string; serviceId: number }) => `${p.product} goes onto ${p.service} (ID: ${p.serviceId})`,
  'target.missing': (p: { serviceId: number }) => `There is no service ${p.serviceId}`,
  // inventory (R4)
  'inventory.choose': (p: { template: string }) => `choose a ${p.template}`,
  'inventory.noSuchItem': (p: { template: string; itemId: number }) => `${p.template} item ${p.itemId} does not exist`,
  'inventory.wrongTemplate': (p: { reference: string; actual: string; template: string }) => `${p.reference} is a ${p.actual}, not a ${p.template}`,
  'inventory.heldElsewhere': (p: { reference: string }) => `${p.reference} is held by another assignment`,
  'inventory.notReserved': (p: { reference: string; status: string }) => `${p.reference} is not reserved for this assignment (it is ${p.status.replace('_', ' ')})`,
  'inventory.notNeeded': (p: { product: string; template: string }) => `${p.product} does not need a ${p.template}`,
  'inventory.noneNeeded': () => 'This product needs no inventory',
  'inventory.held': (p: { items: string[] }) => `${list(p.items)} ${p.items.length > 1 ? 'are' : 'is'} held for this assignment`,
  'inventory.heldUntil': (p: { items: string[]; until: string }) => `${list(p.items)} ${p.items.length > 1 ? 'are' : 'is'} held for this assignment until ${p.until} UTC`,
  // custom fields (R5.3)
  'field.required': (p: { label: string }) => `${p.label} is required`,
  'field.notDate': (p: { label: string }) => `${p.label} must be a date (YYYY-MM-DD)`,
  'field.notNumber': (p: { label: string }) => `${p.label} must be a number`,
  'field.format': (p: { label: string; value: string }) => `${p.label} "${p.value}" is not in the expected format`,
  'field.formatHelp': (p: { label: string; value: string; help: string }) => `${p.label} "${p.value}" is not in the expected format (${p.help})`,
  'field.unknown': (p: { product: string; field: string; customerType: string }) => `${p.product} has no field "${p.field}" for ${p.customerType} customers`,
  'fields.values': (p: { values: string }) => p.values,
  'fields.noneFilled': () => 'No fields filled in (none required)',
  'fields.noneAsked': () => 'This product asks for no custom fields',
  // site and contacts (R10.1)
  'site.notTheirs': (p: { siteId: number; name: string }) => `Site ${p.siteId} is not one of ${p.name}'s sites`,
  'site.needed': (p: { product: string }) => `${p.product} needs an installation site`,
  'contact.notTheirs': (p: { contactId: number; name: string }) => `Contact ${p.contactId} is not one of ${p.name}'s contacts`,
  'contact.wrongRole': (p: { contact: string; role: string; wanted: string }) => `${p.contact} is a ${p.role} contact, not a ${p.wanted} one`,
  'site.installedAt': (p: { site: string; address: string }) => `installed at ${p.site}, ${p.address}`,
  'contact.billing': (p: { contact: string }) => `billing: ${p.contact}`,
  'contact.technical': (p: { contact: string }) => `technical: ${p.contact}`,
  'siteContacts.noneNeeded': () => 'No site or contacts needed',
  // the playbook
  'playbook.notLoaded': (p: { playbook: string; product: string }) => `The playbook "${p.playbook}" of ${p.product} is not loaded`,
  'playbook.productProblems': (p: { product: string; problems: string }) => `${p.product} cannot run its playbook: ${p.problems}`,
  'playbook.cannotRender': (p: { problems: string }) => `The playbook cannot run with these choices: ${p.problems}`,
  'playbook.ready': (p: { count: number; playbook: string }) => `${p.count} tasks will run (${p.playbook})`,
  // a row of a bulk file (R11.2): said as a clause, beside its line and column
  'row.noCustomer': () => 'no customer given',
  'row.badCustomerRef': (p: { ref: string }) => `"${p.ref}" is not a customer ID, an e-mail address or a phone number`,
  'row.customerNotFound': (p: { by: string; ref: string }) => `customer not found (${p.by} ${p.ref})`,
  'row.customerAmbiguous': (p: { ref: string; count: number; ids: string }) => `"${p.ref}" matches ${p.count} customers (IDs ${p.ids}): use the customer ID`,
  'row.noProduct': () => 'no product: give a product column or the product for every row',
  'row.noSuchProduct': (p: { product: string }) => `there is no product "${p.product}"`,
  'row.addon': (p: { product: string }) => `${p.product} is an add-on; a file assigns plans`,
  'row.cannotProvision': (p: { product: string; problem: string }) => `${p.product} cannot be provisioned: ${p.problem}`,
  'row.cardExpired': (p: { name: string; month: number; year: number }) => `${p.name}'s default card expired in ${p.month}/${p.year}`,
  'row.autoRenew': (p: { value: string }) => `"${p.value}" is not yes or no`,
  'row.siteNotTheirs': (p: { site: string; name: string }) => `"${p.site}" is not one of ${p.name}'s sites`,
  'row.siteWhich': (p: { product: string; name: string; count: number }) => `${p.product} needs an installation site: ${p.name} has ${p.count}, say which`,
  'row.siteNone': (p: { product: string; name: string }) => `${p.product} needs an installation site, and ${p.name} has none`,
  'row.noSuchItem': (p: { template: string; ref: string }) => `no ${p.template} "${p.ref}"`,
  'row.itemUnavailable': (p: { template: string; ref: string }) => `${p.template} ${p.ref} is not available (reserved, assigned or retired)`,
  'row.itemUsedTwice': (p: { template: string; ref: string }) => `${p.template} ${p.ref} is already used by another row`,
  'row.outOfStock': (p: { template: string }) => `not enough ${p.template} in stock`,
  'row.shortfall': (p: { template: string; missing: number; available: number }) => `not enough ${p.template} in stock: ${p.missing.toLocaleString('en')} missing (${p.available.toLocaleString('en')} available)`,
  'row.takenMeanwhile': (p: { template: string }) => `the ${p.template} this row names was taken by another assignment meanwhile`,
  // a check that waits for others
  'notChecked.noCustomer': () => 'Not checked: no customer',
  'notChecked.noProduct': () => 'Not checked: no product',
  'notChecked.noCustomerOrProduct': () => 'Not checked: no customer or product',
  'notChecked.othersFirst': () => 'Not checked: the other checks must pass first',
  // Test service: a read-only check that failed
  'diagnostic.simUnknown': (p: { imsi: string }) => `the HLR/HSS does not know the SIM with IMSI ${p.imsi}`,
  'diagnostic.simOtherNumber': (p: { imsi: string; msisdn: string; expected: string }) => `the HLR/HSS has the SIM ${p.imsi} on ${p.msisdn}, not on the line's number ${p.expected}`,
  'diagnostic.simDetached': (p: { imsi: string; state: string }) => `the SIM ${p.imsi} is known to the HLR/HSS (${p.state}) but no device is attached`,
  'diagnostic.ocsNoAccount': (p: { account: string }) => `the OCS has no account ${p.account}`,
  'diagnostic.ocsNotActive': (p: { account: string; status: string }) => `the OCS account ${p.account} is ${p.status}: calls and data are refused`,
  'diagnostic.radiusNoUser': (p: { username: string }) => `RADIUS has no user ${p.username}: the modem cannot log in`,
  'diagnostic.modemNeverSeen': (p: { username: string }) => `the modem of ${p.username} has never been seen on the network`,
  'diagnostic.modemOther': (p: { mac: string; username: string; expected: string }) => `another modem (${p.mac}) logged in as ${p.username}, not the one assigned (${p.expected})`,
  'diagnostic.resourceUnknown': (p: { system: string; what: string; path: string }) => `${p.system} does not know ${p.what} (GET ${p.path}: not found)`,
} satisfies Record<string, (p: never) => string>;

/** What to do about a failed check. */
export const hintTexts = {
  'customer.reactivate': () => 'Reactivate the customer account before assigning a service.',
  'customer.searchAgain': () => 'Search again by name, e-mail or phone, or create the customer first.',
  'product.pickAgain': () => 'Pick the product from the catalog again.',
  'product.pickAnother': () => 'Pick another product, or ask an administrator to enable it.',
  'product.pickForType': (p: { customerType: string; catalog: 'Business' | 'Individual' }) => `Pick a product for ${p.customerType} customers (switch the catalog to ${p.catalog}).`,
  'payment.addCard': () => "Add a card on the customer's page (or make one the default), then check again.",
  'payment.validCard': () => 'Ask the customer for a valid card and make it the default.',
  'target.leaveOut': () => 'Leave the service out, or pick an add-on.',
  'target.candidates': (p: { services: string[] }) => `Candidates: ${p.services.join(', ')}.`,
  'target.assignPlanFirst': (p: { serviceType: string }) => `Assign a ${p.serviceType} plan first.`,
  'target.pickTheirs': () => "Pick one of this customer's services.",
  'target.pickType': (p: { serviceType: string }) => `Pick a ${p.serviceType} service.`,
  'target.waitActive': () => 'Wait until the service is active, or pick another.',
  'inventory.pickAgain': () => 'Pick the item again in its selector: the list shows what is available now.',
  'inventory.expired': () => 'The reservation expired: pick the item again to reserve it.',
  'field.correct': () => 'Correct the fields, then check again.',
  'site.pickTheirs': () => "Pick one of the customer's sites.",
  'site.chooseOne': (p: { sites: string[] }) => `Choose one of: ${p.sites.join(', ')}.`,
  'site.addFirst': () => "Add the installation address on the customer's page first.",
  'contact.pickTheirs': () => "Pick one of the customer's contacts.",
  'contact.pickRole': (p: { wanted: string }) => `Pick a ${p.wanted} contact.`,
  'playbook.addOrFix': () => 'An administrator must add it to playbooks/ or fix the product.',
  'playbook.fix': () => 'An administrator must fix the product or the playbook.',
  'playbook.fillIn': () => 'Fill in what it needs (site, contacts, fields), or ask an administrator to fix the playbook.',
  'diagnostic.checkSim': () => 'Check the SIM card with the network team: it may not have been loaded, or was removed.',
  'diagnostic.bindSim': () => 'Ask the network team to bind the SIM to the right number.',
  'diagnostic.restartPhone': () => 'Ask the customer to restart the phone with the SIM in it, in coverage.',
  'diagnostic.recreateOcs': () => 'Retry the service’s provisioning, or ask the billing team to recreate the account.',
  'diagnostic.unsuspend': () => 'Unsuspend the service if it should work.',
  'diagnostic.reprovision': () => 'Retry the service’s provisioning to create it again.',
  'diagnostic.checkModem': () => 'Check that the modem is connected to the line and switched on; the engineer may not have installed it yet.',
  'diagnostic.whichModem': () => 'Check which modem the customer uses.',
  'diagnostic.register': () => 'Retry the service’s provisioning to register it again.',
} satisfies Record<string, (p: never) => string>;

export type CheckTextKey = keyof typeof checkTexts;
export type HintTextKey = keyof typeof hintTexts;

/** A thing said, by key, with its values. */
export interface Said {
  key: string;
  params: Record<string, Value>;
}

type ParamsOf<F> = F extends (p: infer P) => string ? (unknown extends P ? Record<string, never> : P) : never;

export function say<K extends CheckTextKey>(key: K, params: ParamsOf<(typeof checkTexts)[K]>): Said {
  return { key, params: params as Record<string, Value> };
}

export function advise<K extends HintTextKey>(key: K, params: ParamsOf<(typeof hintTexts)[K]>): Said {
  return { key, params: params as Record<string, Value> };
}

/** The English of one clause, as it is. */
export function englishClause(said: Said): string {
  return (checkTexts[said.key as CheckTextKey] as (p: unknown) => string)(said.params);
}

/** The English of a check's clauses: joined, capitalised, ended with a full stop. */
export function englishText(clauses: Said[]): string {
  const text = clauses.map(englishClause).join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

export function englishHint(hint: Said): string {
  return (hintTexts[hint.key as HintTextKey] as (p: unknown) => string)(hint.params);
}

/** A read-only check of Test service that failed: its English message and hint, and the keys to say it in another language. */
export function checkFailed(text: Said, hint: Said): TaskError {
  return new TaskError('CHECK_FAILED', englishText([text]), englishHint(hint), false, { text, hintText: hint, hint: englishHint(hint) });
}
