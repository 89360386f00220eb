import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useCustomer, useCustomerServices } from '../api/customers';
import { Loaded, StatusBadge } from '../components/common';
import type { StepProps } from './AssignWizard';
import { useLocal } from '../i18n/local';

/** R9.1: the customer's services of the add-on's type; with several, staff pick which one. */
export function ServiceStep({ choices, update }: StepProps) {
  const { t } = useTranslation();
  const local = useLocal();
  const type = choices.product?.serviceType;
  const customer = useCustomer(choices.customerId ?? undefined);
  const services = useCustomerServices(choices.customerId ?? undefined, type);
  const active = (services.data ?? []).filter((s) => s.status === 'active');
  useEffect(() => {
    if (!choices.serviceId && active.length === 1) update({ serviceId: active[0]!.id });
  }, [active.length]); // eslint-disable-line react-hooks/exhaustive-deps
  const typeName = type ? t(`catalog.serviceTypes.${type}`).toLowerCase() : '';
  return (
    <div>
      <h4>{t('wizard.service.heading')}</h4>
      <Loaded query={services}>
        {() =>
          active.length === 0 ? (
            <p className="note note-empty" role="status">
              {t('wizard.service.none', { name: customer.data?.name ?? '', type: typeName })}
            </p>
          ) : (
            <fieldset>
              <legend>{t('wizard.service.label', { type: typeName })}</legend>
              {active.map((s) => (
                <label key={s.id} className={`choice${choices.serviceId === s.id ? ' selected' : ''}`}>
                  <input type="radio" name="service" data-autofocus={!choices.serviceId || choices.serviceId === s.id ? '' : undefined} checked={choices.serviceId === s.id} onChange={() => update({ serviceId: s.id })} />
                  <span>
                    <strong>{t('customers.resultLine', { name: s.name, id: s.id })}</strong> · {local.productName({ id: s.productId, name: s.productName })} <StatusBadge status={s.status} />
                  </span>
                </label>
              ))}
            </fieldset>
          )
        }
      </Loaded>
    </div>
  );
}
