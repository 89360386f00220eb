import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useProducts } from '../api/catalog';
import { Loaded } from '../components/common';
import { ProductCard } from '../components/ProductCard';
import { useOpenWizard } from '../wizard/WizardContext';

/** R2: plans and add-ons, for individual or business customers, as a grid or a carousel. */
export function Catalog() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const category = params.get('category') === 'addon' ? 'addon' : 'plan';
  const customerType = params.get('type') === 'business' ? 'business' : 'individual';
  const view = params.get('view') === 'carousel' ? 'carousel' : 'grid';
  const set = (k: string, v: string) => setParams((p) => (p.set(k, v), p), { replace: true });
  const products = useProducts({ category, customerType });
  const openWizard = useOpenWizard();
  const track = useRef<HTMLDivElement>(null);

  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">{t('catalog.title')}</h1>
      <div className="toolbar">
        <Segmented label={t('catalog.category')} value={category} onChange={(v) => set('category', v)} options={[['plan', t('catalog.plans')], ['addon', t('catalog.addons')]]} />
        <Segmented label={t('catalog.customerType')} value={customerType} onChange={(v) => set('type', v)} options={[['individual', t('catalog.individual')], ['business', t('catalog.business')]]} />
        <Segmented label={t('catalog.view')} value={view} onChange={(v) => set('view', v)} options={[['grid', t('catalog.grid')], ['carousel', t('catalog.carousel')]]} />
      </div>
      <Loaded query={products}>
        {(list) =>
          list.length === 0 ? (
            <div className="note note-empty" role="status">
              <p>
                <strong>{t('catalog.empty.title')}</strong>
              </p>
              <p>{t('catalog.empty.cause')}</p>
              <p>{t('catalog.empty.fixes')}</p>
              <ul>
                <li>{t('catalog.empty.toggle')}</li>
                <li>{t('catalog.empty.category')}</li>
                <li>{t('catalog.empty.enabled')}</li>
                <li>{t('catalog.empty.eligible')}</li>
              </ul>
            </div>
          ) : view === 'grid' ? (
            <div className="product-grid">
              {list.map((p) => (
                <ProductCard key={p.id} product={p} onAssign={() => openWizard({ product: p })} />
              ))}
            </div>
          ) : (
            <div className="carousel" role="region" aria-roledescription="carousel" aria-label={category === 'plan' ? t('catalog.plans') : t('catalog.addons')}>
              <button type="button" className="btn carousel-nav" aria-label={t('catalog.previous')} onClick={() => track.current?.scrollBy({ left: -320, behavior: 'smooth' })}>
                ‹
              </button>
              <div className="carousel-track" ref={track}>
                {list.map((p) => (
                  <ProductCard key={p.id} product={p} onAssign={() => openWizard({ product: p })} />
                ))}
              </div>
              <button type="button" className="btn carousel-nav" aria-label={t('catalog.next')} onClick={() => track.current?.scrollBy({ left: 320, behavior: 'smooth' })}>
                ›
              </button>
            </div>
          )
        }
      </Loaded>
    </section>
  );
}

/** A small group of toggle buttons (radio semantics). */
export function Segmented<T extends string>({ label, value, options, onChange }: { label: string; value: T; options: [T, string][]; onChange: (v: T) => void }) {
  return (
    <div className="segmented" role="radiogroup" aria-label={label}>
      {options.map(([v, text]) => (
        <button key={v} type="button" role="radio" aria-checked={value === v} className={value === v ? 'on' : ''} onClick={() => onChange(v)}>
          {text}
        </button>
      ))}
    </div>
  );
}
