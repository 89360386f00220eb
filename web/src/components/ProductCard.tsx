import { useTranslation } from 'react-i18next';
import { useLocal } from '../i18n/local';
import type { Product } from '../api/types';
import { money } from '../format';

/** Line icons (inline SVG: no icon font or emoji font needed on the shop's machines). */
const paths: Record<string, string> = {
  smartphone: 'M8 2h8a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zM11 18h2',
  briefcase: 'M4 7h16v12H4zM9 7V5h6v2M4 12h16',
  wifi: 'M2 9a15 15 0 0 1 20 0M5 12.5a10 10 0 0 1 14 0M8.5 16a5 5 0 0 1 7 0M12 19.5h.01',
  tv: 'M3 6h18v12H3zM8 21h8M12 18v3',
  phone: 'M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z',
  zap: 'M13 2 4 14h7l-1 8 9-12h-7z',
  globe: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18',
  server: 'M4 4h16v6H4zM4 14h16v6H4zM8 7h.01M8 17h.01',
  trophy: 'M8 4h8v5a4 4 0 0 1-8 0zM8 6H5a3 3 0 0 0 3 4M16 6h3a3 3 0 0 1-3 4M12 13v4M8 21h8M10 17h4',
  'phone-outgoing': 'M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2zM15 3h6v6M21 3l-6 6',
};
const byType: Record<string, string> = { mobile: 'smartphone', internet: 'wifi', iptv: 'tv', voip: 'phone' };

export function ProductIcon({ product }: { product: Product }) {
  const d = paths[product.icon] ?? paths[byType[product.serviceType]!]!;
  return (
    <svg className="product-icon" viewBox="0 0 24 24" width="32" height="32" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={d} />
    </svg>
  );
}

/** The price lines of a product: setup fee and monthly price, or its one-off charge. */
export function Price({ product }: { product: Product }) {
  const { t } = useTranslation();
  if (product.billing === 'one_off') {
    return (
      <p className="price">
        <span className="price-main">{money(product.setupFee, product.currency)}</span> <span className="muted">{t('catalog.oneOff')}</span>
      </p>
    );
  }
  return (
    <p className="price">
      <span className="price-main">{t('catalog.perMonth', { price: money(product.recurringPrice, product.currency) })}</span>
      <br />
      <span className="muted">
        {t('catalog.setupFee')}
        {t('app.colon')} {money(product.setupFee, product.currency)}
      </span>
    </p>
  );
}

/** A short form, for lists and the wizard. */
export function ProductSummary({ product }: { product: Product }) {
  const { t } = useTranslation();
  const text = useLocal().productText(product);
  return (
    <span className="product-summary">
      <ProductIcon product={product} />
      <span>
        <strong>{text.name}</strong>
        <span className="muted"> · {text.features.slice(0, 2).join(' · ')}</span>
        <br />
        <span>
          {product.billing === 'one_off' ? `${money(product.setupFee, product.currency)} ${t('catalog.oneOff').toLowerCase()}` : t('catalog.perMonth', { price: money(product.recurringPrice, product.currency) })}
        </span>
      </span>
    </span>
  );
}

/** A catalog card (R2.3): icon, name, features, setup fee, monthly price, terms, and the action. */
export function ProductCard({ product, onAssign, headingLevel = 2 }: { product: Product; onAssign: () => void; headingLevel?: 2 | 3 }) {
  const { t } = useTranslation();
  const local = useLocal();
  const text = local.productText(product);
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <article className="product-card" aria-labelledby={`product-${product.id}`}>
      <div className="product-card-head">
        <ProductIcon product={product} />
        <div>
          <Heading id={`product-${product.id}`} className="product-name">
            {text.name}
          </Heading>
          <p className="muted">{t(`catalog.serviceTypes.${product.serviceType}`)}</p>
        </div>
      </div>
      <ul className="features">
        {text.features.map((f) => (
          <li key={f}>{f}</li>
        ))}
      </ul>
      <Price product={product} />
      <p className="muted small">{product.contractMonths > 0 ? t('catalog.contract', { count: product.contractMonths }) : t('catalog.noContract')}</p>
      {product.inventoryTemplates.length > 0 && <p className="muted small">{t('catalog.needs', { items: product.inventoryTemplates.map(local.template).join(', ') })}</p>}
      {text.terms && (
        <details className="terms">
          <summary>{t('catalog.terms')}</summary>
          <p className="small">{text.terms}</p>
        </details>
      )}
      <button type="button" className="btn btn-primary" onClick={onAssign} aria-describedby={`product-${product.id}`}>
        {t('catalog.assign')}
      </button>
    </article>
  );
}
