import { useEffect, useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { CustomerDetail } from '../api/types';
import { Field } from '../components/common';
import { useLocal } from '../i18n/local';
import { type StepProps, fieldProblem, fieldsFor } from './AssignWizard';

/**
 * R5 and R10: the site and contacts of a business (or the one site of a home), the product's
 * custom fields (PO number, installation date...) validated as it defines them, and auto-renew.
 */
export function DetailsStep({ choices, update, customer }: StepProps & { customer: CustomerDetail | undefined }) {
  const { t } = useTranslation();
  const local = useLocal();
  const id = useId();
  const product = choices.product;
  const fields = fieldsFor(product, customer?.type);
  const recurringPlan = product?.category === 'plan' && product.billing === 'recurring';
  const business = customer?.type === 'business';
  const billing = (customer?.contacts ?? []).filter((c) => c.role === 'billing' || c.role === 'other');
  const technical = (customer?.contacts ?? []).filter((c) => c.role === 'technical' || c.role === 'other');
  const wantsSite = product?.category === 'plan' && (business || (customer?.sites.length ?? 0) > 0) && product.serviceType !== 'mobile';

  // Defaults: auto-renew per R5.2 (Yes for recurring products), the only site, the first contacts.
  useEffect(() => {
    const patch: Parameters<typeof update>[0] = {};
    if (choices.autoRenew === null && product) patch.autoRenew = recurringPlan;
    if (wantsSite && choices.siteId === null && customer?.sites[0]) patch.siteId = customer.sites[0].id;
    if (business && choices.billingContactId === null && billing[0]) patch.billingContactId = billing[0].id;
    if (business && choices.technicalContactId === null && technical[0]) patch.technicalContactId = technical[0].id;
    if (Object.keys(patch).length) update(patch);
  }, [product?.id, customer?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <div className="form">
      <h4>{t('wizard.details.heading')}</h4>
      {wantsSite && (
        <Field id={`${id}-site`} label={t('wizard.details.site')} required hint={customer?.sites.length ? undefined : t('wizard.details.noSites')}>
          <select id={`${id}-site`} required value={choices.siteId ?? ''} onChange={(e) => update({ siteId: e.target.value ? Number(e.target.value) : null })}>
            <option value="">{t('wizard.choose')}</option>
            {customer?.sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} - {s.addressLine1}, {s.city}
              </option>
            ))}
          </select>
        </Field>
      )}
      {business && product?.category === 'plan' && (
        <>
          <ContactSelect id={`${id}-billing`} label={t('wizard.details.billingContact')} contacts={billing} value={choices.billingContactId} onChange={(v) => update({ billingContactId: v })} />
          <ContactSelect id={`${id}-technical`} label={t('wizard.details.technicalContact')} contacts={technical} value={choices.technicalContactId} onChange={(v) => update({ technicalContactId: v })} />
        </>
      )}
      {fields.length > 0 && (
        <fieldset>
          <legend>{t('wizard.details.customFields')}</legend>
          {fields.map((f) => {
            const value = choices.customFields[f.name] ?? '';
            const problem = value ? fieldProblem(f, value) : null;
            const { label, help } = local.field(choices.product, f);
            return (
              <Field
                key={f.name}
                id={`${id}-${f.name}`}
                label={label}
                required={f.required}
                hint={help}
                error={problem ? t(problem === 'missing' ? 'wizard.details.missing' : 'wizard.details.invalid', { label }) : undefined}
              >
                <input
                  id={`${id}-${f.name}`}
                  name={f.name}
                  type={f.type === 'date' ? 'date' : f.type === 'number' ? 'number' : 'text'}
                  required={f.required}
                  aria-invalid={Boolean(problem)}
                  aria-describedby={[help && `${id}-${f.name}-hint`, problem && `${id}-${f.name}-error`].filter(Boolean).join(' ') || undefined}
                  pattern={f.pattern}
                  value={value}
                  onChange={(e) => {
                    const v = e.target.value;
                    update((now) => ({ customFields: { ...now.customFields, [f.name]: v } }));
                  }}
                />
              </Field>
            );
          })}
        </fieldset>
      )}
      {recurringPlan ? (
        <fieldset className="auto-renew">
          <legend>{t('wizard.details.autoRenewQuestion')}</legend>
          <p className="muted">{t('wizard.details.autoRenewHelp')}</p>
          <label className={`choice${choices.autoRenew === false ? ' selected' : ''}`}>
            <input type="radio" name="autoRenew" checked={choices.autoRenew === false} onChange={() => update({ autoRenew: false })} />
            <span>
              <strong>{t('app.no')}</strong> · {t('wizard.details.autoRenewNo')}
            </span>
          </label>
          <label className={`choice${choices.autoRenew === true ? ' selected' : ''}`}>
            <input type="radio" name="autoRenew" checked={choices.autoRenew === true} onChange={() => update({ autoRenew: true })} />
            <span>
              <strong>{t('app.yes')}</strong> · {t('wizard.details.autoRenewYes')}
            </span>
          </label>
        </fieldset>
      ) : (
        product?.category === 'plan' && <p className="muted">{t('wizard.details.oneOff')}</p>
      )}
    </div>
  );
}

/** One of a business customer's contacts (R10), or none. */
function ContactSelect({ id, label, contacts, value, onChange }: { id: string; label: string; contacts: CustomerDetail['contacts']; value: number | null; onChange: (v: number | null) => void }) {
  const { t } = useTranslation();
  return (
    <Field id={id} label={label}>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value ? Number(e.target.value) : null)}>
        <option value="">{t('app.none')}</option>
        {contacts.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
            {c.email ? ` - <${c.email}>` : ''}
          </option>
        ))}
      </select>
    </Field>
  );
}
