import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Product } from '../catalog/catalog.schemas.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { CustomersService } from '../customers/customers.service.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { LoadedPlaybook } from '../provisioning/playbooks/playbooks.js';
import { checkAssignment, loadRules, type PreflightDeps, type Problem } from '../provisioning/rulebook.js';
import type { AssignmentInput } from '../provisioning/provisioning.schemas.js';
import { englishClause, type Said, say } from '../provisioning/preflight-texts.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import type { BatchParams, RowError } from './bulk.schemas.js';

/**
 * Checks a CSV file of assignments row by row, as POST /api/provisions/preflight would check each
 * one, without holding the file: rows are read as a stream and checked 500 at a time, with one
 * query per kind of thing per chunk (customers, cards, sites, inventory references). Stock the
 * rows do not name is counted against what is available, so a file asking for more SIM cards
 * than the stock holds says which rows are short.
 */
export interface CheckedRow {
  line: number;
  customerRef: string;
  customerId: number | null;
  input: AssignmentInput | null;
  errors: RowError[];
}

export interface ValidatorDeps extends PreflightDeps {
  catalog: CatalogService;
  customers: CustomersService;
  inventory: InventoryService;
  playbooks: ReadonlyMap<string, LoadedPlaybook>;
  clock: Clock;
  /** How many items of a template the rows of other batches, not started yet, will pick. */
  promisedStock(template: string): Promise<number>;
}

/** The column of a file a rule's problem is about. */
function columnOf(p: Problem): string {
  if (p.field.startsWith('customFields.')) return p.field.slice('customFields.'.length);
  if (p.field.startsWith('inventory.')) return p.field.slice('inventory.'.length);
  if (p.field === 'siteId' || p.field.endsWith('ContactId')) return 'site';
  if (p.check === 'customer' || p.check === 'payment_method') return 'customer';
  return 'product';
}

const norm = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
const CHUNK = 500;
export const MAX_ROWS = 200_000;

type Rec = Record<string, string>;

export class BatchValidator {
  private products = new Map<string, Product | null>();
  private templates = new Map<string, { name: string; id: number; available: number; promised: number; needed: number; short: number }>();
  private usedRefs = new Set<string>();
  private productRows = new Map<string, number>();
  private knownColumns = new Set<string>(['customer', 'customer_id', 'email', 'phone', 'product', 'auto_renew', 'site']);
  private fieldColumns = new Map<string, string>(); // column -> field name
  private templateColumns = new Map<string, string>(); // column -> template name

  constructor(
    private readonly d: ValidatorDeps,
    private readonly params: BatchParams,
  ) {}

  /** Learns the columns a file may have: every template and every custom field of the catalog. */
  async init(): Promise<void> {
    for (const t of await this.d.inventory.listTemplates()) {
      this.templateColumns.set(norm(t.name), t.name);
      this.templates.set(t.name, { name: t.name, id: t.id, available: -1, promised: 0, needed: 0, short: 0 });
    }
    for (const p of await this.d.catalog.list({ enabled: 'all' })) for (const f of p.customFields) this.fieldColumns.set(norm(f.name), f.name);
    if (this.params.product) {
      const p = await this.product(this.params.product);
      if (!p) throw new AppError('VALIDATION_FAILED', `product: there is no product "${this.params.product}".`, 'Give the slug of a plan from the catalog.', { field: 'product' });
    }
  }

  /** Maps the header to known columns; an unknown column stops the file before any row is read. */
  header(columns: string[]): string[] {
    const out = columns.map((c) => norm(c));
    const unknown = columns.filter((c, i) => !this.knownColumns.has(out[i]!) && !this.fieldColumns.has(out[i]!) && !this.templateColumns.has(out[i]!));
    if (unknown.length) {
      throw new AppError(
        'VALIDATION_FAILED',
        `The header has unknown column(s): ${unknown.join(', ')}.`,
        `Columns are: customer (ID, e-mail or phone), product, auto_renew, site, one per inventory template (${[...this.templates.keys()].join(', ')}), and the products' custom fields.`,
        { field: 'file' },
      );
    }
    if (!out.some((c) => ['customer', 'customer_id', 'email', 'phone'].includes(c))) {
      throw new AppError('VALIDATION_FAILED', 'The header has no customer column.', 'Add a "customer" column with each customer\'s ID, e-mail address or phone number.', { field: 'file' });
    }
    return out;
  }

  private async product(slug: string): Promise<Product | null> {
    if (!this.products.has(slug)) {
      try {
        this.products.set(slug, await this.d.catalog.get(slug));
      } catch {
        this.products.set(slug, null);
      }
    }
    return this.products.get(slug)!;
  }

  private async stock(template: string) {
    const t = this.templates.get(template)!;
    if (t.available < 0) {
      // Two files at once: what another batch will pick is not there for this one.
      t.promised = await this.d.promisedStock(t.name);
      t.available = (await this.d.inventory.availableCount(t.id)) - t.promised;
    }
    return t;
  }

  /** Reads and checks a whole file, handing each checked chunk of rows to `sink`. */
  async run(input: Readable, sink: (rows: CheckedRow[]) => Promise<void>): Promise<{ rows: number }> {
    await this.init();
    const parser = input.pipe(
      parse({ bom: true, trim: true, skip_empty_lines: true, info: true, columns: (h: string[]) => this.header(h), max_record_size: 64 * 1024, relax_column_count_less: true }),
    );
    let chunk: { line: number; rec: Rec }[] = [];
    let rows = 0;
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: Rec; info: { lines: number } }>) {
        rows++;
        // Text PostgreSQL cannot store, refused as the edge refuses it in JSON (src/http/edge.ts).
        const nul = Object.keys(record).find((k) => record[k]?.includes('\u0000'));
        if (nul !== undefined) throw new AppError('VALIDATION_FAILED', `Line ${info.lines}, column ${nul}: holds a NUL character (\\u0000), which cannot be stored.`, 'Remove control characters from the file and send it again.', { field: 'file' });
        if (rows > MAX_ROWS) throw new AppError('VALIDATION_FAILED', `The file has more than ${MAX_ROWS.toLocaleString('en')} rows.`, 'Split it into several files.', { field: 'file' });
        chunk.push({ line: info.lines, rec: record });
        if (chunk.length >= CHUNK) {
          await sink(await this.check(chunk));
          chunk = [];
        }
      }
    } catch (e) {
      if (e instanceof AppError) throw e;
      const err = e as { code?: string; message: string; lines?: number };
      if (err.code?.startsWith('CSV_')) throw new AppError('VALIDATION_FAILED', `The file is not valid CSV${err.lines ? ` (line ${err.lines})` : ''}: ${err.message}`, 'Save it as CSV with a header row, comma-separated.', { field: 'file' });
      throw e;
    }
    if (chunk.length) await sink(await this.check(chunk));
    return { rows };
  }

  /** Stock the good rows need against what is available, per template. */
  inventorySummary() {
    return [...this.templates.values()].filter((t) => t.needed > 0 || t.short > 0).map((t) => ({ template: t.name, needed: t.needed + t.short, available: Math.max(t.available, 0), promisedToOtherBatches: t.promised, missing: t.short }));
  }

  productSummary() {
    return [...this.productRows.entries()].map(([slug, rows]) => ({ slug, rows }));
  }

  /** Checks one chunk of rows with one query per kind of thing. */
  private async check(chunk: { line: number; rec: Rec }[]): Promise<CheckedRow[]> {
    // Who each row is for.
    const refOf = (r: Rec) => (r.customer ?? r.customer_id ?? r.email ?? r.phone ?? '').trim();
    const kindOf = (r: Rec, ref: string): 'id' | 'email' | 'phone' | null => {
      if (!ref) return null;
      if (r.customer_id) return 'id';
      if (r.email || ref.includes('@')) return 'email';
      if (r.phone || ref.startsWith('+') || ref.replace(/\D/g, '').length >= 10) return 'phone';
      return /^\d{1,9}$/.test(ref) ? 'id' : null;
    };
    const ids = new Set<number>();
    const emails = new Set<string>();
    const phones = new Set<string>();
    for (const { rec } of chunk) {
      const ref = refOf(rec);
      const kind = kindOf(rec, ref);
      if (kind === 'id') ids.add(Number(ref));
      if (kind === 'email') emails.add(ref.toLowerCase());
      if (kind === 'phone') phones.add(ref.replace(/\D/g, ''));
    }
    const found = await this.d.customers.resolveMany({ ids: [...ids], emails: [...emails], phones: [...phones] });

    // Inventory the rows name, per template, in one query each.
    const named = new Map<string, Set<string>>();
    for (const { rec } of chunk) {
      for (const [col, template] of this.templateColumns) {
        const v = rec[col];
        if (v) (named.get(template) ?? named.set(template, new Set()).get(template)!).add(v);
      }
    }
    const items = new Map<string, Map<string, { id: number; available: boolean }>>();
    for (const [template, refs] of named) items.set(template, await this.d.inventory.byReferences(this.templates.get(template)!.id, [...refs]));

    // First what only a file can get wrong (who, which product, yes or no, which item), then the
    // rulebook every assignment obeys (src/provisioning/rulebook.ts), for all rows at once.
    type Draft = { line: number; ref: string; rec: Rec; errors: RowError[]; customerId: number | null; product: Product | null; input: AssignmentInput | null };
    const drafts: Draft[] = [];
    for (const { line, rec } of chunk) {
      const errors: RowError[] = [];
      const fail = (column: string, text: Said) => errors.push({ line, column, message: englishClause(text), text });
      const ref = refOf(rec);
      const kind = kindOf(rec, ref);

      // Customer
      let customerId: number | null = null;
      if (!ref) fail('customer', say('row.noCustomer', {}));
      else if (!kind) fail('customer', say('row.badCustomerRef', { ref }));
      else {
        const matches = kind === 'id' ? found.byId.filter((c) => c.id === Number(ref)) : kind === 'email' ? found.byEmail.filter((c) => c.email?.toLowerCase() === ref.toLowerCase()) : found.byPhone.filter((c) => c.phoneDigits === ref.replace(/\D/g, ''));
        if (matches.length === 0) fail('customer', say('row.customerNotFound', { by: kind, ref }));
        else if (matches.length > 1) fail('customer', say('row.customerAmbiguous', { ref, count: matches.length, ids: matches.map((m) => m.id).join(', ') }));
        else customerId = matches[0]!.id;
      }

      // Product: a file assigns plans
      const slug = (rec.product || this.params.product || '').trim();
      const product = slug ? await this.product(slug) : null;
      if (!slug) fail('product', say('row.noProduct', {}));
      else if (!product) fail('product', say('row.noSuchProduct', { product: slug }));
      else {
        this.productRows.set(slug, (this.productRows.get(slug) ?? 0) + 1);
        if (product.category !== 'plan') fail('product', say('row.addon', { product: product.name }));
      }

      // Auto-renew
      let autoRenew: boolean | undefined = this.params.autoRenew;
      if (rec.auto_renew) {
        const v = rec.auto_renew.toLowerCase();
        if (['yes', 'y', 'true', '1', 'oui'].includes(v)) autoRenew = true;
        else if (['no', 'n', 'false', '0', 'non'].includes(v)) autoRenew = false;
        else fail('auto_renew', say('row.autoRenew', { value: rec.auto_renew }));
      }

      // The items the row names, each once in the file
      const inventory: Record<string, number> = {};
      for (const template of product?.inventoryTemplates ?? []) {
        const given = rec[norm(template)];
        if (!given) continue;
        const item = items.get(template)?.get(given);
        if (!item) fail(template, say('row.noSuchItem', { template, ref: given }));
        else if (this.usedRefs.has(`${template}|${given}`)) fail(template, say('row.itemUsedTwice', { template, ref: given }));
        else {
          this.usedRefs.add(`${template}|${given}`);
          inventory[template] = item.id;
        }
      }

      // Custom fields: the row's value, else the default for the batch (the rulebook checks them)
      const customFields: Record<string, string> = {};
      if (product) {
        for (const f of product.customFields) {
          const v = (rec[norm(f.name)] || this.params.fields[f.name] || '').trim();
          if (v) customFields[f.name] = v;
        }
      }
      drafts.push({
        line,
        ref,
        rec,
        errors,
        customerId,
        product,
        input: customerId !== null && product ? { customerId, product: product.slug, inventory, customFields, ...(autoRenew !== undefined && { autoRenew }) } : null,
      });
    }

    const loaded = await loadRules(this.d, drafts.flatMap((d) => (d.input ? [d.input] : [])));
    const out: CheckedRow[] = [];
    for (const d of drafts) {
      const fail = (column: string, text: Said) => d.errors.push({ line: d.line, column, message: englishClause(text), text });
      const customer = d.customerId !== null ? loaded.customers.get(d.customerId) : undefined;
      const product = d.product;
      const input = d.input;
      if (input && customer && product) {
        // Custom fields that do not apply to this customer's type are not theirs to give.
        const applicable = new Set(product.customFields.filter((f) => !f.customerTypes || f.customerTypes.includes(customer.type)).map((f) => f.name));
        for (const k of Object.keys(input.customFields)) if (!applicable.has(k)) delete input.customFields[k];
        // Site: the one the row names, else the customer's only one when the playbook needs one
        if (d.rec.site) {
          const s = customer.sites.find((x) => String(x.id) === d.rec.site || x.name.toLowerCase() === d.rec.site!.toLowerCase());
          if (!s) fail('site', say('row.siteNotTheirs', { site: d.rec.site, name: customer.name }));
          else input.siteId = s.id;
        } else if (this.d.playbooks.get(product.playbook)?.references.site) {
          if (customer.sites.length === 1) input.siteId = customer.sites[0]!.id;
          else fail('site', customer.sites.length ? say('row.siteWhich', { product: product.name, name: customer.name, count: customer.sites.length }) : say('row.siteNone', { product: product.name, name: customer.name }));
        }
        if (customer.type === 'business') {
          const billing = customer.contacts.find((c) => c.role === 'billing')?.id;
          const technical = customer.contacts.find((c) => c.role === 'technical')?.id;
          if (billing) input.billingContactId = billing;
          if (technical) input.technicalContactId = technical;
        }
        if (!d.errors.length) {
          // The same rules as the review screen and the start of the row, items picked later.
          const { problems } = checkAssignment(this.d, loaded, input, 'available');
          for (const p of problems) fail(columnOf(p), p.said);
        }
      }

      // Inventory not named: picked from stock as the row starts; counted against it now.
      if (input && product && d.errors.length === 0) {
        for (const template of product.inventoryTemplates) {
          if (input.inventory[template] !== undefined) continue;
          const stock = await this.stock(template);
          if (stock.available - stock.needed <= 0) {
            stock.short++;
            fail(template, say('row.outOfStock', { template }));
          }
        }
        if (d.errors.length === 0) for (const template of product.inventoryTemplates) this.templates.get(template)!.needed++;
      }
      out.push({ line: d.line, customerRef: d.ref, customerId: d.customerId, input: d.errors.length === 0 ? input : null, errors: d.errors });
    }
    return out;
  }

  /** After the last chunk: the "not enough in stock" messages say how many are missing. */
  shortfallMessages(errors: RowError[]): RowError[] {
    return errors.map((e) => {
      const t = this.templates.get(e.column);
      if (!t || e.text?.key !== 'row.outOfStock') return e;
      const text = say('row.shortfall', { template: t.name, missing: t.short, available: Math.max(t.available, 0) });
      return { ...e, message: englishClause(text), text };
    });
  }
}
