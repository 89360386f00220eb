import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCreateCustomer, useCustomer, useCustomerSearch } from '../api/customers';
import type { CustomerDetail, SearchHit } from '../api/types';
import { Combobox } from '../components/Combobox';
import { useLocal } from '../i18n/local';
import { languages } from '../i18n';
import { ErrorNote, Field, StatusBadge } from '../components/common';
import type { StepProps } from './AssignWizard';

/** R3: type-ahead search by name, ID, e-mail or phone; the chosen customer shown prominently. */
export function CustomerStep({ choices, update }: StepProps) {
  const { t } = useTranslation();
  const local = useLocal();
  const chosen = useCustomer(choices.customerId ?? undefined);
  if (choices.customerId && chosen.data) {
    return (
      <ChosenCustomer
        customer={chosen.data}
        productName={choices.product ? local.productText(choices.product).name : undefined}
        productTypes={choices.product?.customerTypes}
        onChange={() => update({ customerId: null, serviceId: null, siteId: null, billingContactId: null, technicalContactId: null, customFields: {} })}
      />
    );
  }
  return (
    <div>
      <h4>{t('wizard.customer.heading')}</h4>
      <CustomerSearch onPick={(id) => update({ customerId: id, serviceId: null, siteId: null, billingContactId: null, technicalContactId: null, customFields: {} })} />
    </div>
  );
}

export function ChosenCustomer({ customer, onChange, productName, productTypes }: { customer: CustomerDetail; onChange?: () => void; productName?: string | undefined; productTypes?: readonly string[] | undefined }) {
  const { t } = useTranslation();
  const eligible = !productTypes || productTypes.includes(customer.type);
  return (
    <section className="chosen-customer" aria-label={t('wizard.customer.chosen')}>
      <p className="eyebrow">{t('wizard.customer.chosen')}</p>
      <p className="chosen-name" data-testid="chosen-customer">
        {t('customers.resultLine', { name: customer.name, id: customer.id })}
      </p>
      <p className="muted">
        {t(`wizard.customer.type.${customer.type}`)} · {customer.email ?? '—'} · {customer.phone ?? '—'} · <StatusBadge status={customer.status} />
      </p>
      <p className="note note-warning" role="note">
        ⚠ {t('wizard.customer.warning')}
      </p>
      {!eligible && productName && (
        <p className="note note-error" role="alert">
          {t('wizard.customer.notEligible', { product: productName, type: t(`catalog.${customer.type}`).toLowerCase() })}
        </p>
      )}
      {onChange && (
        <button type="button" className="btn" onClick={onChange}>
          {t('wizard.customer.change')}
        </button>
      )}
    </section>
  );
}

/** The customer search of R3.1: type a name, an ID, an e-mail or a phone number, pick from the list. */
export function CustomerSearch({ onPick, autoFocus = true }: { onPick: (id: number) => void; autoFocus?: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  const [q, setQ] = useState('');
  const [creating, setCreating] = useState(false);
  const search = useCustomerSearch(q);
  const hits: SearchHit[] = q.trim() ? (search.data ?? []) : [];
  const nothing = q.trim().length > 0 && !search.isFetching && search.data !== undefined && hits.length === 0;

  return (
    <div className="customer-search">
      <Field id={`${id}-q`} label={t('customers.search')} hint={t('customers.searchHint')}>
        <Combobox
          id={`${id}-q`}
          query={q}
          onQueryChange={setQ}
          options={hits}
          optionKey={(h) => h.id}
          listLabel={t('customers.results')}
          describedBy={`${id}-q-hint`}
          autoFocus={autoFocus}
          autofocusTarget
          onPick={(h) => onPick(h.id)}
          renderOption={(h) => (
            <>
              <span className="option-main">{t('customers.resultLine', { name: h.name, id: h.id })}</span>
              <span className="muted">
                {' '}
                · {t(`catalog.${h.type}`)} · {h.email ?? ''} {h.phone ?? ''} · {t(`customers.matchedOn.${h.matchedOn}`)}
              </span>
            </>
          )}
        />
      </Field>
      {nothing && !creating && (
        <div className="note note-empty" role="status">
          <p>
            <strong>{t('customers.notFound.title')}</strong>
          </p>
          <p>{t('customers.notFound.cause')}</p>
          <p>{t('customers.notFound.fixes')}</p>
          <ul>
            <li>{t('customers.notFound.typo')}</li>
            <li>{t('customers.notFound.other')}</li>
            <li>{t('customers.notFound.create')}</li>
          </ul>
          <button type="button" className="btn" onClick={() => setCreating(true)}>
            {t('customers.create')}
          </button>
        </div>
      )}
      {creating && <NewCustomerForm initialName={/\d/.test(q) ? '' : q} onCreated={onPick} onCancel={() => setCreating(false)} />}
    </div>
  );
}

/** R3.3: create the customer on the spot, then carry on with the assignment. */
export function NewCustomerForm({ initialName = '', onCreated, onCancel }: { initialName?: string; onCreated: (id: number) => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const create = useCreateCustomer();
  // Written to in the language the member of staff is serving them in, unless they say otherwise.
  const [form, setForm] = useState({ type: 'individual' as 'individual' | 'business', name: initialName, email: '', phone: '', paymentType: 'card', language: (i18n.language === 'fr' ? 'fr' : 'en') as 'en' | 'fr' });
  return (
    <form
      className="card form"
      aria-label={t('customers.createTitle')}
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ ...form, email: form.email || null, phone: form.phone || null }, { onSuccess: (c) => onCreated(c.id) });
      }}
    >
      <h4>{t('customers.createTitle')}</h4>
      <Field id={`${id}-type`} label={t('customers.type')}>
        <select id={`${id}-type`} value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value as 'individual' })}>
          <option value="individual">{t('catalog.individual')}</option>
          <option value="business">{t('catalog.business')}</option>
        </select>
      </Field>
      <Field id={`${id}-name`} label={t('customers.name')} required>
        <input id={`${id}-name`} required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} autoFocus />
      </Field>
      <Field id={`${id}-email`} label={t('customers.email')}>
        <input id={`${id}-email`} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
      </Field>
      <Field id={`${id}-phone`} label={t('customers.phone')}>
        <input id={`${id}-phone`} type="tel" value={form.phone} onChange={(e) => setForm({ ...form, phone: e.target.value })} />
      </Field>
      <Field id={`${id}-pay`} label={t('customers.paymentType')}>
        <select id={`${id}-pay`} value={form.paymentType} onChange={(e) => setForm({ ...form, paymentType: e.target.value })}>
          {(['card', 'direct_debit', 'invoice', 'prepaid'] as const).map((p) => (
            <option key={p} value={p}>
              {t(`customers.paymentTypes.${p}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field id={`${id}-lang`} label={t('customers.language')} hint={t('customers.languageHint')}>
        <select id={`${id}-lang`} value={form.language} onChange={(e) => setForm({ ...form, language: e.target.value as 'en' | 'fr' })}>
          {(['en', 'fr'] as const).map((l) => (
            <option key={l} value={l}>
              {languages[l]}
            </option>
          ))}
        </select>
      </Field>
      <ErrorNote error={create.error} />
      <div className="row">
        <button type="button" className="btn" onClick={onCancel}>
          {t('app.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {t('customers.create')}
        </button>
      </div>
    </form>
  );
}
