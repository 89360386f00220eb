import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client';
import { dateRange } from '../format';
import { useTemplates } from '../api/inventory';
import type { Item, Product } from '../api/types';
import { type DataNames, readCheck, readClause } from './server-text';

type CustomField = Product['customFields'][number];

/** Every product, for naming the ones a run, a service or a bill refers to by ID or name. */
function useAllProducts() {
  return useQuery({ queryKey: ['products', 'names'], queryFn: () => get<{ items: Product[] }>('/api/products?enabled=all').then((r) => r.items), staleTime: 300_000 });
}

/**
 * The operator's own text in the reader's language (R13): products, inventory templates and
 * playbook tasks carry their names per language; what has no translation shows as written.
 * The console's own words are in `en.ts` and `fr.ts`; this is for what the data says.
 */
export function useLocal() {
  const { i18n, t } = useTranslation();
  const lang = i18n.language;
  const products = useAllProducts();
  const templates = useTemplates();

  const byId = useMemo(() => new Map((products.data ?? []).map((p) => [p.id, p])), [products.data]);
  const byName = useMemo(() => new Map((products.data ?? []).map((p) => [p.name, p])), [products.data]);
  const templateNames = useMemo(() => new Map((templates.data ?? []).map((tpl) => [tpl.name, tpl.names?.[lang]])), [templates.data, lang]);

  const productText = useCallback(
    (p: Pick<Product, 'name' | 'description' | 'features' | 'terms'> & { translations?: Product['translations'] | undefined }) => {
      const tr = p.translations?.[lang];
      return { name: tr?.name ?? p.name, description: tr?.description ?? p.description, features: tr?.features?.length ? tr.features : p.features, terms: tr?.terms ?? p.terms };
    },
    [lang],
  );
  /** A product named by a run, a service or a bill: by its ID if known, else by its default name. */
  const productName = useCallback(
    (ref: { id?: number | null | undefined; name: string }) => {
      const p = (ref.id != null ? byId.get(ref.id) : undefined) ?? byName.get(ref.name);
      return p?.translations?.[lang]?.name ?? ref.name;
    },
    [byId, byName, lang],
  );
  const template = useCallback((name: string) => templateNames.get(name) ?? name, [templateNames]);
  const task = useCallback((x: { name: string; names?: Record<string, string> | null | undefined }) => x.names?.[lang] ?? x.name, [lang]);
  const field = useCallback(
    (p: { translations?: Product['translations'] | undefined } | null | undefined, f: CustomField) => {
      const tr = p?.translations?.[lang]?.customFields?.[f.name];
      return { label: tr?.label ?? f.label, help: tr?.help ?? f.help };
    },
    [lang],
  );
  /** "SIM-00101 - ICCID 8944...0001 (Réservé)": the server's label with the status as it is now, in the reader's words. */
  const itemLabel = useCallback((item: Pick<Item, 'label' | 'status'>) => `${item.label.replace(/ \([^)]*\)$/, '')} (${t(`status.${item.status}`)})`, [t]);
  /** The same without its status: what was chosen. */
  const itemName = useCallback((item: Pick<Item, 'label'>) => item.label.replace(/ \([^)]*\)$/, ''), []);

  /**
   * A charge as staff read it, in their language: the product and the period it pays for
   * ("Mobile - forfait 20 Go · 3 déc. 2026 – 3 janv. 2027"); the server's English description
   * for what has no product.
   */
  const chargeText = useCallback(
    (c: { productId: number | null; description: string; periodStart: string | null; periodEnd: string | null }) => {
      if (c.productId == null) return c.description;
      const name = productName({ id: c.productId, name: c.description });
      return c.periodStart && c.periodEnd ? `${name} · ${dateRange(c.periodStart, c.periodEnd)}` : name;
    },
    [productName],
  );

  const productById = useCallback((id: number | null | undefined) => (id == null ? undefined : byId.get(id)), [byId]);

  return { lang, productText, productName, productById, template, task, field, itemLabel, itemName, chargeText };
}

/** What a preflight check found, in the reader's language, with the operator's names in it too. */
export function useCheckText(): (check: Parameters<typeof readCheck>[1]) => { message: string; hint: string | null } {
  const { i18n } = useTranslation();
  const local = useLocal();
  const names: DataNames = { product: (name) => local.productName({ name }), template: local.template };
  return (check) => readCheck(i18n, check, names);
}

/** A bulk row's error in the reader's language. */
export function useClauseText(): (e: Parameters<typeof readClause>[1]) => string {
  const { i18n } = useTranslation();
  const local = useLocal();
  const names: DataNames = { product: (name) => local.productName({ name }), template: local.template };
  return (e) => readClause(i18n, e, names);
}
