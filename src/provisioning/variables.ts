import type { Product } from '../catalog/catalog.schemas.js';
import type { RunVariables } from './provisioning.schemas.js';

/** What a playbook knows of the product a run is for: the same for a new service, an add-on and a service's life. */
export function productVariables(p: Product): RunVariables['product'] {
  const translations: RunVariables['product']['translations'] = {};
  for (const [lang, t] of Object.entries(p.translations ?? {})) {
    if (t?.name || t?.features?.length) translations[lang] = { ...(t.name && { name: t.name }), ...(t.features?.length && { features: t.features }) };
  }
  return {
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
    translations,
  };
}

/**
 * The run's variables as text in `lang` sees them (R13): the product's name and features in that
 * language where the operator gives them, so that a French task name or e-mail says "Mobile -
 * forfait 20 Go", not the default name. The same object when there is nothing to change.
 */
export function inLanguage(vars: RunVariables, lang: string | null | undefined): RunVariables {
  const t = lang ? vars.product.translations?.[lang] : undefined;
  if (!t) return vars;
  return { ...vars, product: { ...vars.product, name: t.name ?? vars.product.name, features: t.features ?? vars.product.features } };
}
