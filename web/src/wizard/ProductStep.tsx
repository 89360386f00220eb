import { useTranslation } from 'react-i18next';
import { useProducts } from '../api/catalog';
import { releaseAll } from '../api/inventory';
import { useService } from '../api/services';
import { Loaded } from '../components/common';
import { ProductSummary } from '../components/ProductCard';
import type { StepProps } from './AssignWizard';

/** Picking the product inside the wizard: plans for the customer, or add-ons for the service. */
export function ProductStep({ choices, update, holder, customerType, category }: StepProps & { customerType: 'individual' | 'business' | undefined; category: 'plan' | 'addon' }) {
  const { t } = useTranslation();
  const service = useService(choices.serviceId ?? 0);
  const serviceType = category === 'addon' ? service.data?.serviceType : undefined;
  const products = useProducts({ category, customerType, serviceType }, Boolean(customerType) && (category === 'plan' || Boolean(serviceType)));
  return (
    <div>
      <h4>{category === 'addon' && service.data ? t('wizard.product.addonsFor', { service: service.data.name }) : t('wizard.product.heading')}</h4>
      <Loaded query={products}>
        {(list) =>
          list.length === 0 ? (
            <div className="note note-empty" role="status">
              <p>
                <strong>{t('catalog.empty.title')}</strong>
              </p>
              <p>{t('catalog.empty.cause')}</p>
              <ul>
                <li>{t('catalog.empty.enabled')}</li>
                <li>{t('catalog.empty.eligible')}</li>
              </ul>
            </div>
          ) : (
            <fieldset className="product-choices">
              <legend className="sr-only">{t('wizard.product.heading')}</legend>
              {(['mobile', 'internet', 'iptv', 'voip'] as const)
                .filter((st) => list.some((p) => p.serviceType === st))
                .map((st) => (
                  <div key={st} className="product-group">
                    <p className="eyebrow">{t(`catalog.serviceTypes.${st}`)}</p>
                    {list
                      .filter((p) => p.serviceType === st)
                      .map((p) => (
                        <label key={p.id} className={`choice${choices.product?.id === p.id ? ' selected' : ''}`}>
                          <input
                            type="radio"
                            data-autofocus={choices.product ? (choices.product.id === p.id ? '' : undefined) : ''}
                            name="product"
                            value={p.slug}
                            checked={choices.product?.id === p.id}
                            onChange={async () => {
                              // The holds of the product left behind go back before new ones are taken.
                              if (Object.keys(choices.items).length) await releaseAll(holder).catch(() => undefined);
                              update({ product: p, items: {}, customFields: {}, autoRenew: null });
                            }}
                          />
                          <ProductSummary product={p} />
                        </label>
                      ))}
                  </div>
                ))}
            </fieldset>
          )
        }
      </Loaded>
    </div>
  );
}
