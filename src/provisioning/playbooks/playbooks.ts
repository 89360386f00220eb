import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Product } from '../../catalog/catalog.schemas.js';
import { actions } from '../actions/index.js';
import { mailTemplates } from '../actions/mail-templates.js';
import { type Playbook, playbookSchema } from './playbook.schema.js';
import { parseTemplate, stringsIn, variablesOf } from './templating.js';

/**
 * Playbooks are checked when they are loaded, so that nothing is found wrong half-way through a
 * run: the YAML's shape, every action's name and arguments, every template's syntax and every
 * variable it reads. What depends on a product (its inventory templates, its variables, its
 * custom fields) is checked against each product that names the playbook.
 */
export interface References {
  inventory: Set<string>;
  vars: Set<string>;
  customFields: Set<string>;
  site: boolean;
}

export interface LoadedPlaybook extends Playbook {
  file: string;
  references: References;
}

export class PlaybookError extends Error {
  constructor(readonly problems: string[]) {
    super(`Playbooks are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PlaybookError';
  }
}

const fields = {
  provision: ['id', 'kind'],
  customer: ['id', 'type', 'name', 'email', 'phone', 'status'],
  product: ['id', 'slug', 'name', 'service_type', 'category', 'billing', 'setup_fee', 'recurring_price', 'currency', 'contract_months', 'features'],
  service: ['id', 'name', 'ocs_account'],
  site: ['id', 'name', 'address', 'city', 'postcode', 'country'],
  contact: ['id', 'name', 'email', 'phone'],
  inventoryItem: ['id', 'reference', 'template', 'attributes'],
} as const;

/** Checks one variable path; records what it needs from the product. Returns a problem or null. */
function checkPath(segs: string[], refs: References): string | null {
  const [root, a, b] = segs;
  const has = (list: readonly string[], f: string | undefined) => f === undefined || list.includes(f);
  switch (root) {
    case 'provision':
    case 'customer':
    case 'product':
    case 'service':
      return has(fields[root], a) ? null : `${root}.${a} does not exist (there are: ${fields[root].join(', ')})`;
    case 'site':
      refs.site = true;
      return has(fields.site, a) ? null : `site.${a} does not exist (there are: ${fields.site.join(', ')})`;
    case 'contacts':
      if (a !== undefined && a !== 'billing' && a !== 'technical') return `contacts.${a} does not exist (there are: billing, technical)`;
      return has(fields.contact, b) ? null : `contacts.${a}.${b} does not exist (there are: ${fields.contact.join(', ')})`;
    case 'inventory':
      if (a === undefined) return null;
      refs.inventory.add(a);
      return has(fields.inventoryItem, b) ? null : `inventory['${a}'].${b} does not exist (there are: ${fields.inventoryItem.join(', ')})`;
    case 'vars':
      if (a !== undefined) refs.vars.add(a);
      return null;
    case 'custom_fields':
      if (a !== undefined) refs.customFields.add(a);
      return null;
    case 'auto_renew':
      return a === undefined ? null : 'auto_renew is a yes/no value with no fields';
    default:
      return `unknown variable "${root}" (there are: provision, customer, product, vars, service, inventory, custom_fields, site, contacts, auto_renew)`;
  }
}

function checkTemplate(text: string, where: string, refs: References, problems: string[]) {
  try {
    parseTemplate(text);
  } catch (e) {
    problems.push(`${where}: bad template: ${(e as Error).message}`);
    return;
  }
  for (const segs of variablesOf(text)) {
    const problem = checkPath(segs, refs);
    if (problem) problems.push(`${where}: ${problem}`);
  }
}

export function validatePlaybook(raw: unknown, file: string): { playbook?: LoadedPlaybook; problems: string[] } {
  const problems: string[] = [];
  const parsed = playbookSchema.safeParse(raw);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(top)'}: ${i.message}`) };
  }
  const pb = parsed.data;
  const expected = path.basename(file).replace(/\.ya?ml$/, '');
  if (pb.name !== expected) problems.push(`${file}: name "${pb.name}" must match the file name "${expected}"`);
  const refs: References = { inventory: new Set(), vars: new Set(), customFields: new Set(), site: false };
  pb.tasks.forEach((task, i) => {
    const where = `${file}: task ${i + 1} "${task.name}"`;
    const action = actions.get(task.action);
    if (!action) {
      problems.push(`${where}: unknown action "${task.action}" (there are: ${[...actions.keys()].join(', ')})`);
      return;
    }
    if (action.kinds && !action.kinds.includes(pb.kind)) problems.push(`${where}: ${task.action} cannot be used in a playbook of kind ${pb.kind}`);
    if (pb.kind === 'diagnostic' && !action.readOnly) problems.push(`${where}: ${task.action} changes things; a diagnostic playbook may only use read-only checks (${[...actions.values()].filter((a) => a.readOnly).map((a) => a.name).join(', ')})`);
    const shape = action.args.shape as Record<string, { isOptional(): boolean }>;
    const open = action.args.def.catchall !== undefined;
    for (const key of Object.keys(task.args)) {
      if (!(key in shape) && !open) problems.push(`${where}: ${task.action} has no argument "${key}" (it takes: ${Object.keys(shape).join(', ') || 'none'})`);
    }
    for (const [key, schema] of Object.entries(shape)) {
      if (!schema.isOptional() && !(key in task.args)) problems.push(`${where}: ${task.action} needs the argument "${key}"`);
    }
    checkTemplate(task.name, `${where} name`, refs, problems);
    for (const [lang, name] of Object.entries(task.names)) checkTemplate(name, `${where} names.${lang}`, refs, problems);
    if (task.when) checkTemplate(`{{ ${task.when} }}`, `${where} when`, refs, problems);
    for (const s of stringsIn(task.args)) checkTemplate(s.text, `${where} args.${s.path}`, refs, problems);
    if (task.action === 'mail.send' && !('template' in task.args) && !('subject' in task.args)) {
      problems.push(`${where}: mail.send needs a template (whose subject it takes, in the customer's language) or the argument "subject"`);
    }
    if (task.action === 'mail.send' && typeof task.args.template === 'string') {
      const template = mailTemplates[task.args.template];
      if (template === undefined) problems.push(`${where}: no e-mail template "${task.args.template}" (there are: ${Object.keys(mailTemplates).join(', ')})`);
      else {
        for (const [lang, t] of Object.entries(template)) {
          if (!t) continue;
          checkTemplate(t.subject, `${where} e-mail template ${task.args.template} (${lang}) subject`, refs, problems);
          checkTemplate(t.body, `${where} e-mail template ${task.args.template} (${lang})`, refs, problems);
        }
      }
    }
  });
  if (pb.kind === 'service' && !pb.tasks.some((t) => t.action === 'service.activate')) {
    problems.push(`${file}: a service playbook needs a service.activate task, or its services never become active`);
  }
  return problems.length ? { problems } : { playbook: { ...pb, file, references: refs }, problems };
}

/** Loads every *.yaml of the directories (later ones may add playbooks, not replace them). */
export function loadPlaybooks(dirs: string[]): Map<string, LoadedPlaybook> {
  const out = new Map<string, LoadedPlaybook>();
  const problems: string[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) {
      problems.push(`${dir}: no such directory`);
      continue;
    }
    for (const f of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
      const file = path.join(dir, f);
      let raw: unknown;
      try {
        raw = parseYaml(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        problems.push(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
        continue;
      }
      const r = validatePlaybook(raw, file);
      problems.push(...r.problems);
      if (r.playbook) {
        if (out.has(r.playbook.name)) problems.push(`${file}: a playbook named "${r.playbook.name}" is already loaded from ${out.get(r.playbook.name)!.file}`);
        else out.set(r.playbook.name, r.playbook);
      }
    }
  }
  if (problems.length) throw new PlaybookError(problems);
  return out;
}

/** What stops a product from running its playbook, in words; empty when nothing does. */
export function productProblems(
  product: Pick<Product, 'category' | 'inventoryTemplates' | 'playbookVars' | 'customFields'>,
  playbook: LoadedPlaybook,
): string[] {
  const problems: string[] = [];
  const kind = product.category === 'plan' ? 'service' : 'addon';
  if (playbook.kind !== kind) problems.push(`playbook "${playbook.name}" is for ${playbook.kind === 'service' ? 'plans' : 'add-ons'}, but this product is ${product.category === 'plan' ? 'a plan' : 'an add-on'}`);
  for (const t of playbook.references.inventory) {
    if (!product.inventoryTemplates.includes(t)) problems.push(`playbook "${playbook.name}" uses inventory '${t}', which the product does not require (it requires: ${product.inventoryTemplates.join(', ') || 'nothing'})`);
  }
  for (const v of playbook.references.vars) {
    if (!(v in product.playbookVars)) problems.push(`playbook "${playbook.name}" uses vars.${v}, which the product's playbook variables do not set`);
  }
  const fieldNames = new Set(product.customFields.map((f) => f.name));
  for (const f of playbook.references.customFields) {
    if (!fieldNames.has(f)) problems.push(`playbook "${playbook.name}" uses custom_fields.${f}, which the product does not ask for`);
  }
  return problems;
}
