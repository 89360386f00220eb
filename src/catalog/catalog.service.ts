import { transaction } from '../db/transaction.js';
import { sql, type Kysely } from 'kysely';
import { type DB, type Executor, json } from '../db/schema.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Ctx } from '../users/actor.js';
import { recordAudit } from '../users/audit.service.js';
import type { Product, ProductFilters, ProductInput, ProductUpdate } from './catalog.schemas.js';

export interface CatalogRules {
  /** Whether a playbook of this name is loaded; products must name one that is. */
  playbookExists(name: string): boolean;
  /** The names of the playbooks that are loaded, for the error message. */
  playbookNames(): string[];
  /** What stops a product from running its playbook (inventory, variables, fields it lacks). */
  problems(product: Pick<ProductInput, 'playbook' | 'category' | 'inventoryTemplates' | 'playbookVars' | 'customFields'>): string[];
}

export class CatalogService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly rules: CatalogRules,
  ) {}

  async list(filters: ProductFilters, db: Executor = this.db): Promise<Product[]> {
    let q = db.selectFrom('products').selectAll();
    if (filters.category) q = q.where('category', '=', filters.category);
    if (filters.serviceType) q = q.where('serviceType', '=', filters.serviceType);
    if (filters.customerType) q = q.where(sql<boolean>`${filters.customerType} = any(customer_types)`);
    if (filters.enabled !== 'all') q = q.where('enabled', '=', filters.enabled === 'true');
    if (filters.q) {
      const like = `%${escapeLike(filters.q.toLowerCase())}%`;
      q = q.where((eb) => eb.or([eb(eb.fn('lower', ['name']), 'like', like), eb('slug', 'like', like)]));
    }
    return q.orderBy('category').orderBy('serviceType').orderBy('recurringPrice').orderBy('id').execute();
  }

  async get(idOrSlug: string | number, db: Executor = this.db): Promise<Product> {
    const key = String(idOrSlug);
    const missing = () => notFound('Product', key, 'Check the product ID or slug; GET /api/products lists them.');
    // Digits are an ID (a slug has a letter): past the ID column's range, no product rather than a database error.
    if (/^[0-9]+$/.test(key) && Number(key) > 2_147_483_647) throw missing();
    const row = /^[0-9]+$/.test(key)
      ? await db.selectFrom('products').selectAll().where('id', '=', Number(key)).executeTakeFirst()
      : await db.selectFrom('products').selectAll().where('slug', '=', key).executeTakeFirst();
    if (!row) throw missing();
    return row;
  }

  /** Products by how assignments name them (a slug, or an ID as text): one query for any number. */
  async getByKeys(keys: string[], db: Executor = this.db): Promise<Map<string, Product>> {
    const wanted = [...new Set(keys)];
    const ids = wanted.filter((k) => /^[0-9]+$/.test(k) && Number(k) <= 2_147_483_647).map(Number);
    const slugs = wanted.filter((k) => !/^[0-9]+$/.test(k));
    if (!ids.length && !slugs.length) return new Map();
    const rows = await db
      .selectFrom('products')
      .selectAll()
      .where((eb) => eb.or([...(ids.length ? [eb('id', 'in', ids)] : []), ...(slugs.length ? [eb('slug', 'in', slugs)] : [])]))
      .execute();
    const out = new Map<string, Product>();
    for (const r of rows) {
      out.set(String(r.id), r);
      out.set(r.slug, r);
    }
    return new Map(wanted.filter((k) => out.has(k)).map((k) => [k, out.get(k)!]));
  }

  /** Many products by ID at once (a group's runs). */
  async getMany(ids: number[], db: Executor = this.db): Promise<Map<number, Product>> {
    if (!ids.length) return new Map();
    const rows = await db.selectFrom('products').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Product names by ID, for other domains that show them. */
  async names(ids: number[], db: Executor = this.db): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('products').select(['id', 'name']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async create(ctx: Ctx, input: ProductInput): Promise<Product> {
    return transaction(this.db, async (trx) => {
      await this.check(trx, input);
      const clash = await trx.selectFrom('products').select('id').where('slug', '=', input.slug).executeTakeFirst();
      if (clash) {
        throw new AppError('ALREADY_EXISTS', `A product with slug "${input.slug}" already exists (ID ${clash.id}).`, 'Choose another slug, or update that product.', { field: 'slug' });
      }
      const row = await trx.insertInto('products').values(toRow(input)).returningAll().executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, { action: 'product.create', entityType: 'product', entityId: row.id, after: row });
      return row;
    });
  }

  async update(ctx: Ctx, idOrSlug: string, patch: ProductUpdate): Promise<Product> {
    return transaction(this.db, async (trx) => {
      const before = await this.get(idOrSlug, trx);
      await trx.selectFrom('products').select('id').where('id', '=', before.id).forUpdate().execute();
      const merged = { ...before, ...patch };
      await this.check(trx, merged);
      if (patch.slug && patch.slug !== before.slug) {
        const clash = await trx.selectFrom('products').select('id').where('slug', '=', patch.slug).executeTakeFirst();
        if (clash) throw new AppError('ALREADY_EXISTS', `A product with slug "${patch.slug}" already exists (ID ${clash.id}).`, 'Choose another slug.', { field: 'slug' });
      }
      const after = await trx
        .updateTable('products')
        .set({ ...toRow(merged), updatedAt: new Date().toISOString() })
        .where('id', '=', before.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, { action: 'product.update', entityType: 'product', entityId: before.id, before, after });
      return after;
    });
  }

  async setEnabled(ctx: Ctx, idOrSlug: string, enabled: boolean): Promise<Product> {
    return transaction(this.db, async (trx) => {
      const before = await this.get(idOrSlug, trx);
      const after = await trx
        .updateTable('products')
        .set({ enabled, updatedAt: new Date().toISOString() })
        .where('id', '=', before.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, ctx, {
        action: enabled ? 'product.enable' : 'product.disable',
        entityType: 'product',
        entityId: before.id,
        before: { enabled: before.enabled },
        after: { enabled },
      });
      return after;
    });
  }

  problemsOf(p: Product): string[] {
    return this.rules.problems(p);
  }

  /** Rules a product must keep: its playbook exists and fits it, its inventory templates exist, its fields are unique. */
  private async check(db: Executor, p: Pick<ProductInput, 'playbook' | 'inventoryTemplates' | 'customFields' | 'category' | 'billing' | 'playbookVars'>) {
    if (!this.rules.playbookExists(p.playbook)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `playbook: there is no playbook named "${p.playbook}".`,
        `Use one of: ${this.rules.playbookNames().join(', ') || '(none loaded)'}; playbooks are the YAML files in playbooks/.`,
        { field: 'playbook' },
      );
    }
    if (p.inventoryTemplates.length > 0) {
      const wanted = p.inventoryTemplates.map((t) => t.toLowerCase());
      if (new Set(wanted).size !== wanted.length) {
        throw new AppError('VALIDATION_FAILED', 'inventoryTemplates: a template is named twice.', 'Name each template once.', { field: 'inventoryTemplates' });
      }
      const found = await db
        .selectFrom('inventoryTemplates')
        .select('name')
        .where((eb) => eb(eb.fn('lower', ['name']), 'in', wanted))
        .execute();
      const known = new Set(found.map((f) => f.name.toLowerCase()));
      const missing = p.inventoryTemplates.filter((t) => !known.has(t.toLowerCase()));
      if (missing.length) {
        throw new AppError(
          'VALIDATION_FAILED',
          `inventoryTemplates: no inventory template is named ${missing.map((m) => `"${m}"`).join(', ')}.`,
          'Create the template first (POST /api/inventory/templates), or correct the name.',
          { field: 'inventoryTemplates' },
        );
      }
    }
    const misfit = this.rules.problems(p);
    if (misfit.length) {
      throw new AppError('VALIDATION_FAILED', `playbook: ${misfit.join('; ')}.`, 'Give the product what its playbook uses, or pick another playbook.', { field: 'playbook' });
    }
    const names = p.customFields.map((f) => f.name);
    if (new Set(names).size !== names.length) {
      throw new AppError('VALIDATION_FAILED', 'customFields: two custom fields have the same name.', 'Give each field its own name.', { field: 'customFields' });
    }
  }
}

function toRow(p: ProductInput) {
  return {
    slug: p.slug,
    name: p.name,
    description: p.description,
    category: p.category,
    serviceType: p.serviceType,
    customerTypes: p.customerTypes,
    enabled: p.enabled,
    billing: p.billing,
    setupFee: p.setupFee,
    recurringPrice: p.recurringPrice,
    currency: p.currency,
    contractMonths: p.contractMonths,
    prorateOnTermination: p.prorateOnTermination,
    earlyTerminationFee: p.earlyTerminationFee,
    features: json(p.features),
    icon: p.icon,
    terms: p.terms,
    inventoryTemplates: p.inventoryTemplates,
    playbook: p.playbook,
    playbookVars: json(p.playbookVars),
    customFields: json(p.customFields),
    translations: json(p.translations ?? {}),
  };
}

export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
