import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Product } from '../catalog/catalog.schemas.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { CustomersService } from '../customers/customers.service.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import { type LoadedPlaybook, productProblems } from '../provisioning/playbooks/playbooks.js';
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

export interface ValidatorDeps {
  catalog: CatalogService;
  customers: CustomersService;
  inventory: InventoryService;
  playbooks: ReadonlyMap<string, LoadedPlaybook>;
  clock: Clock;
  /** How many items of a template the rows of other batches, not started yet, will pick. */
  promisedStock(template: string): Promise<number>;
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
    const customerIds = [...new Set([...found.byId, ...found.byEmail, ...found.byPhone].map((c) => c.id))];
    const accounts = await this.d.customers.accountsOf(customerIds);

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

    const now = this.d.clock.now();
    const out: CheckedRow[] = [];
    for (const { line, rec } of chunk) {
      const errors: RowError[] = [];
      const fail = (column: string, text: Said) => errors.push({ line, column, message: englishClause(text), text });
      const ref = refOf(rec);
      const kind = kindOf(rec, ref);

      // Customer
      let customer: (typeof found.byId)[number] | undefined;
      if (!ref) fail('customer', say('row.noCustomer', {}));
      else if (!kind) fail('customer', say('row.badCustomerRef', { ref }));
      else {
        const matches = kind === 'id' ? found.byId.filter((c) => c.id === Number(ref)) : kind === 'email' ? found.byEmail.filter((c) => c.email?.toLowerCase() === ref.toLowerCase()) : found.byPhone.filter((c) => c.phoneDigits === ref.replace(/\D/g, ''));
        if (matches.length === 0) fail('customer', say('row.customerNotFound', { by: kind, ref }));
        else if (matches.length > 1) fail('customer', say('row.customerAmbiguous', { ref, count: matches.length, ids: matches.map((m) => m.id).join(', ') }));
        else {
          customer = matches[0]!;
          if (customer.status !== 'active') fail('customer', say('customer.inactive', { name: customer.name, id: customer.id, status: customer.status }));
        }
      }

      // Product
      const slug = (rec.product || this.params.product || '').trim();
      const product = slug ? await this.product(slug) : null;
      if (!slug) fail('product', say('row.noProduct', {}));
      else if (!product) fail('product', say('row.noSuchProduct', { product: slug }));
      else {
        this.productRows.set(slug, (this.productRows.get(slug) ?? 0) + 1);
        if (!product.enabled) fail('product', say('product.disabled', { product: product.name }));
        else if (product.category !== 'plan') fail('product', say('row.addon', { product: product.name }));
        else if (customer && !product.customerTypes.includes(customer.type)) fail('product', say('product.notOffered', { product: product.name, customerType: customer.type }));
        const pb = this.d.playbooks.get(product.playbook);
        const problems = pb ? productProblems(product, pb) : [`its playbook ${product.playbook} is not loaded`];
        if (problems.length) fail('product', say('row.cannotProvision', { product: product.name, problem: problems[0]! }));
      }

      // Payment method, for what is charged
      if (customer && product && product.setupFee + product.recurringPrice > 0) {
        const pm = accounts.paymentMethods.find((m) => m.customerId === customer!.id);
        if (!pm) fail('customer', say('payment.missing', { name: customer.name }));
        else if (pm.expYear < now.getUTCFullYear() || (pm.expYear === now.getUTCFullYear() && pm.expMonth < now.getUTCMonth() + 1)) fail('customer', say('row.cardExpired', { name: customer.name, month: pm.expMonth, year: pm.expYear }));
      }

      // Auto-renew
      let autoRenew: boolean | undefined = this.params.autoRenew;
      if (rec.auto_renew) {
        const v = rec.auto_renew.toLowerCase();
        if (['yes', 'y', 'true', '1', 'oui'].includes(v)) autoRenew = true;
        else if (['no', 'n', 'false', '0', 'non'].includes(v)) autoRenew = false;
        else fail('auto_renew', say('row.autoRenew', { value: rec.auto_renew }));
      }

      // Custom fields: the row's value, else the default for the batch
      const customFields: Record<string, string> = {};
      if (product && customer) {
        for (const f of product.customFields.filter((x) => !x.customerTypes || x.customerTypes.includes(customer!.type))) {
          const v = (rec[norm(f.name)] || this.params.fields[f.name] || '').trim();
          if (!v) {
            if (f.required) fail(f.name, say('field.required', { label: f.label }));
            continue;
          }
          if (f.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) fail(f.name, say('field.notDate', { label: f.label }));
          else if (f.pattern && !new RegExp(`^(?:${f.pattern})$`).test(v)) fail(f.name, f.help ? say('field.formatHelp', { label: f.label, value: v, help: f.help }) : say('field.format', { label: f.label, value: v }));
          customFields[f.name] = v;
        }
      }

      // Site and contacts
      let siteId: number | undefined;
      let billingContactId: number | undefined;
      let technicalContactId: number | undefined;
      if (customer && product) {
        const sites = accounts.sites.filter((s) => s.customerId === customer!.id);
        if (rec.site) {
          const s = sites.find((x) => String(x.id) === rec.site || x.name.toLowerCase() === rec.site!.toLowerCase());
          if (!s) fail('site', say('row.siteNotTheirs', { site: rec.site, name: customer.name }));
          else siteId = s.id;
        } else if (this.d.playbooks.get(product.playbook)?.references.site) {
          if (sites.length === 1) siteId = sites[0]!.id;
          else fail('site', sites.length ? say('row.siteWhich', { product: product.name, name: customer.name, count: sites.length }) : say('row.siteNone', { product: product.name, name: customer.name }));
        }
        if (customer.type === 'business') {
          const contacts = accounts.contacts.filter((c) => c.customerId === customer!.id);
          billingContactId = contacts.find((c) => c.role === 'billing')?.id;
          technicalContactId = contacts.find((c) => c.role === 'technical')?.id;
        }
      }

      // Inventory: the item the row names, or one picked from stock
      const inventory: Record<string, number> = {};
      if (product && errors.length === 0) {
        for (const template of product.inventoryTemplates) {
          const col = norm(template);
          const given = rec[col];
          const stock = await this.stock(template);
          if (given) {
            const item = items.get(template)?.get(given);
            if (!item) fail(template, say('row.noSuchItem', { template, ref: given }));
            else if (!item.available) fail(template, say('row.itemUnavailable', { template, ref: given }));
            else if (this.usedRefs.has(`${template}|${given}`)) fail(template, say('row.itemUsedTwice', { template, ref: given }));
            else {
              this.usedRefs.add(`${template}|${given}`);
              inventory[template] = item.id;
            }
          } else if (stock.available - stock.needed <= 0) {
            stock.short++;
            fail(template, say('row.outOfStock', { template }));
          }
        }
        if (errors.length === 0) for (const template of product.inventoryTemplates) this.templates.get(template)!.needed++;
      }

      const input: AssignmentInput | null =
        errors.length === 0 && customer && product
          ? {
              customerId: customer.id,
              product: product.slug,
              inventory,
              customFields,
              ...(autoRenew !== undefined && { autoRenew }),
              ...(siteId && { siteId }),
              ...(billingContactId && { billingContactId }),
              ...(technicalContactId && { technicalContactId }),
            }
          : null;
      out.push({ line, customerRef: ref, customerId: customer?.id ?? null, input, errors });
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
