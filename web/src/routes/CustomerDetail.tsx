import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { useAddCard, useAddContact, useAddSite, useCustomer, useCustomerMail, useCustomerServices, useMakeDefault, useUpdateCustomer } from '../api/customers';
import { useSession } from '../api/session';
import { languages } from '../i18n';
import type { CustomerDetail as Detail } from '../api/types';
import { ErrorNote, Field, Loaded, StatusBadge } from '../components/common';
import { Tabs } from '../components/Tabs';
import { BillingTab } from './BillingTab';
import { cardName, date, dateTime } from '../format';
import { useOpenWizard } from '../wizard/WizardContext';
import { useLocal } from '../i18n/local';

type Tab = 'services' | 'details' | 'contacts' | 'payment' | 'billing';

/** A customer: details, contacts and sites, payment methods, and the Services tab (R1.1). */
export function CustomerDetail() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const [params, setParams] = useSearchParams();
  const tab = (params.get('tab') as Tab | null) ?? 'services';
  const customer = useCustomer(id);
  return (
    <Loaded query={customer}>
      {(c) => (
        <section aria-labelledby="customer-title">
          <h1 id="customer-title">
            {t('customers.resultLine', { name: c.name, id: c.id })} <StatusBadge status={c.status} />
          </h1>
          <p className="muted">
            {t(`catalog.${c.type}`)} · {c.email} · {c.phone}
          </p>
          <Tabs
            label={c.name}
            current={tab}
            onChange={(k) => setParams({ tab: k }, { replace: true })}
            tabs={[
              ['services', t('customers.tabs.services')],
              ['details', t('customers.tabs.details')],
              ['contacts', t('customers.tabs.contacts')],
              ['payment', t('customers.tabs.payment')],
              ['billing', t('customers.tabs.billing')],
            ]}
          >
            {tab === 'services' && <ServicesTab customer={c} />}
            {tab === 'details' && <DetailsTab customer={c} />}
            {tab === 'contacts' && <ContactsTab customer={c} />}
            {tab === 'payment' && <PaymentTab customer={c} />}
            {tab === 'billing' && <BillingTab customerId={c.id} />}
          </Tabs>
        </section>
      )}
    </Loaded>
  );
}

function ServicesTab({ customer }: { customer: Detail }) {
  const { t } = useTranslation();
  const local = useLocal();
  const services = useCustomerServices(customer.id);
  const openWizard = useOpenWizard();
  return (
    <div>
      <div className="row">
        <h2>{t('customers.services')}</h2>
        <span className="spacer" />
        <button type="button" className="btn btn-primary" onClick={() => openWizard({ customerId: customer.id, category: 'plan' })}>
          {t('customers.addService')}
        </button>
      </div>
      <Loaded query={services}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">{t('customers.noServices')}</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('customers.serviceColumns.name')}</th>
                  <th scope="col">{t('customers.serviceColumns.product')}</th>
                  <th scope="col">{t('customers.serviceColumns.status')}</th>
                  <th scope="col">{t('customers.serviceColumns.since')}</th>
                  <th scope="col">{t('customers.serviceColumns.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <tr key={s.id} data-service={s.id}>
                    <td>
                      <Link to={`/services/${s.id}`}>{t('customers.resultLine', { name: s.name, id: s.id })}</Link>
                    </td>
                    <td>{local.productName({ id: s.productId, name: s.productName })}</td>
                    <td>
                      <StatusBadge status={s.status} />
                    </td>
                    <td>{date(s.activatedAt ?? s.createdAt)}</td>
                    <td>
                      {s.status === 'active' && (
                        <button type="button" className="btn btn-small" aria-label={t('customers.addonsFor', { name: s.name })} onClick={() => openWizard({ customerId: customer.id, serviceId: s.id, category: 'addon' })}>
                          {t('customers.addons')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </div>
  );
}

/** The language the customer's e-mails are written in: agents change it here. */
function LanguageField({ customer }: { customer: Detail }) {
  const { t } = useTranslation();
  const id = useId();
  const session = useSession();
  const update = useUpdateCustomer(customer.id);
  const canAct = session.data?.role === 'agent' || session.data?.role === 'admin';
  const current = customer.language ?? 'en';
  if (!canAct) return <>{languages[current]}</>;
  return (
    <span className="row inline-field">
      <select
        id={`${id}-lang`}
        aria-label={t('customers.language')}
        value={current}
        disabled={update.isPending}
        onChange={(e) => update.mutate({ language: e.target.value as 'en' | 'fr' })}
      >
        {(['en', 'fr'] as const).map((l) => (
          <option key={l} value={l}>
            {languages[l]}
          </option>
        ))}
      </select>
      <span role="status" className="muted small">
        {update.isSuccess && t('customers.languageSaved')}
      </span>
      <ErrorNote error={update.error} />
    </span>
  );
}

function DetailsTab({ customer }: { customer: Detail }) {
  const { t } = useTranslation();
  const mail = useCustomerMail(customer.id);
  return (
    <div>
      <dl className="summary">
        <dt>{t('customers.type')}</dt>
        <dd>{t(`catalog.${customer.type}`)}</dd>
        <dt>{t('customers.email')}</dt>
        <dd>{customer.email ?? '—'}</dd>
        <dt>{t('customers.phone')}</dt>
        <dd>{customer.phone ?? '—'}</dd>
        <dt>{t('customers.paymentType')}</dt>
        <dd>{t(`customers.paymentTypes.${customer.paymentType}`)}</dd>
        <dt>{t('customers.language')}</dt>
        <dd>
          <LanguageField customer={customer} />
        </dd>
        {customer.companyNumber && (
          <>
            <dt>{t('customers.company')}</dt>
            <dd>{customer.companyNumber}</dd>
          </>
        )}
      </dl>
      <h2>{t('customers.mail')}</h2>
      <Loaded query={mail}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">{t('customers.noMail')}</p>
          ) : (
            <ul className="plain">
              {list.map((m) => (
                <li key={m.id}>
                  <details>
                    <summary>
                      {dateTime(m.createdAt)} · {m.subject} · <StatusBadge status={m.status === 'sent' ? 'done' : m.status} />
                    </summary>
                    <pre className="log">{m.body}</pre>
                  </details>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </div>
  );
}

function ContactsTab({ customer }: { customer: Detail }) {
  const { t } = useTranslation();
  const id = useId();
  const addSite = useAddSite(customer.id);
  const addContact = useAddContact(customer.id);
  const [site, setSite] = useState({ name: '', addressLine1: '', city: '', postcode: '' });
  const [contact, setContact] = useState({ role: 'billing' as 'billing' | 'technical' | 'other', name: '', email: '' });
  return (
    <div className="two-columns">
      <div>
        <h2>{t('customers.sites')}</h2>
        {customer.sites.length === 0 ? (
          <p className="muted">{t('customers.noSites')}</p>
        ) : (
          <ul className="plain">
            {customer.sites.map((s) => (
              <li key={s.id}>
                <strong>{s.name}</strong> - {s.addressLine1}, {s.city} {s.postcode}
              </li>
            ))}
          </ul>
        )}
        <form
          className="form"
          aria-label={t('customers.addSite')}
          onSubmit={(e) => {
            e.preventDefault();
            addSite.mutate(site, { onSuccess: () => setSite({ name: '', addressLine1: '', city: '', postcode: '' }) });
          }}
        >
          <Field id={`${id}-sn`} label={t('customers.siteName')} required>
            <input id={`${id}-sn`} required value={site.name} onChange={(e) => setSite({ ...site, name: e.target.value })} />
          </Field>
          <Field id={`${id}-sa`} label={t('customers.address')} required>
            <input id={`${id}-sa`} required value={site.addressLine1} onChange={(e) => setSite({ ...site, addressLine1: e.target.value })} />
          </Field>
          <Field id={`${id}-sc`} label={t('customers.city')} required>
            <input id={`${id}-sc`} required value={site.city} onChange={(e) => setSite({ ...site, city: e.target.value })} />
          </Field>
          <Field id={`${id}-sp`} label={t('customers.postcode')} required>
            <input id={`${id}-sp`} required value={site.postcode} onChange={(e) => setSite({ ...site, postcode: e.target.value })} />
          </Field>
          <ErrorNote error={addSite.error} />
          <button type="submit" className="btn" disabled={addSite.isPending}>
            {t('customers.addSite')}
          </button>
        </form>
      </div>
      <div>
        <h2>{t('customers.contacts')}</h2>
        {customer.contacts.length === 0 ? (
          <p className="muted">{t('customers.noContacts')}</p>
        ) : (
          <ul className="plain">
            {customer.contacts.map((c) => (
              <li key={c.id}>
                <strong>{c.name}</strong> ({t(`customers.role.${c.role}`)}) {c.email && `<${c.email}>`} {c.phone}
              </li>
            ))}
          </ul>
        )}
        <form
          className="form"
          aria-label={t('customers.addContact')}
          onSubmit={(e) => {
            e.preventDefault();
            addContact.mutate({ ...contact, email: contact.email || null }, { onSuccess: () => setContact({ role: 'billing', name: '', email: '' }) });
          }}
        >
          <Field id={`${id}-cr`} label={t('customers.contactRole')}>
            <select id={`${id}-cr`} value={contact.role} onChange={(e) => setContact({ ...contact, role: e.target.value as 'billing' })}>
              {(['billing', 'technical', 'other'] as const).map((r) => (
                <option key={r} value={r}>
                  {t(`customers.role.${r}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field id={`${id}-cn`} label={t('customers.name')} required>
            <input id={`${id}-cn`} required value={contact.name} onChange={(e) => setContact({ ...contact, name: e.target.value })} />
          </Field>
          <Field id={`${id}-ce`} label={t('customers.email')}>
            <input id={`${id}-ce`} type="email" value={contact.email} onChange={(e) => setContact({ ...contact, email: e.target.value })} />
          </Field>
          <ErrorNote error={addContact.error} />
          <button type="submit" className="btn" disabled={addContact.isPending}>
            {t('customers.addContact')}
          </button>
        </form>
      </div>
    </div>
  );
}

function PaymentTab({ customer }: { customer: Detail }) {
  const { t } = useTranslation();
  const id = useId();
  const add = useAddCard(customer.id);
  const makeDefault = useMakeDefault(customer.id);
  const [card, setCard] = useState({ brand: 'visa', last4: '', expMonth: '', expYear: '' });
  return (
    <div>
      <h2>{t('customers.paymentMethods')}</h2>
      {customer.paymentMethods.length === 0 ? (
        <p className="note note-warning">{t('customers.noPaymentMethods')}</p>
      ) : (
        <ul className="plain">
          {customer.paymentMethods.map((m) => (
            <li key={m.id}>
              {t('customers.card', { card: cardName(m.brand, m.last4), month: String(m.expMonth).padStart(2, '0'), year: m.expYear })}{' '}
              {m.isDefault ? (
                <span className="badge badge-active">{t('customers.default')}</span>
              ) : (
                <button type="button" className="btn btn-small" onClick={() => makeDefault.mutate(m.id)}>
                  {t('customers.makeDefault')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form
        className="form"
        aria-label={t('customers.addCard')}
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate({ brand: card.brand, last4: card.last4, expMonth: Number(card.expMonth), expYear: Number(card.expYear), isDefault: true }, { onSuccess: () => setCard({ brand: 'visa', last4: '', expMonth: '', expYear: '' }) });
        }}
      >
        <p className="muted small">{t('customers.cardNote')}</p>
        <Field id={`${id}-b`} label={t('customers.brand')}>
          <select id={`${id}-b`} value={card.brand} onChange={(e) => setCard({ ...card, brand: e.target.value })}>
            {['visa', 'mastercard', 'amex'].map((b) => (
              <option key={b} value={b}>
                {b.toUpperCase()}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-l`} label={t('customers.last4')} required>
          <input id={`${id}-l`} required inputMode="numeric" pattern="[0-9]{4}" maxLength={4} value={card.last4} onChange={(e) => setCard({ ...card, last4: e.target.value })} />
        </Field>
        <Field id={`${id}-m`} label={t('customers.expMonth')} required>
          <input id={`${id}-m`} required type="number" min={1} max={12} value={card.expMonth} onChange={(e) => setCard({ ...card, expMonth: e.target.value })} />
        </Field>
        <Field id={`${id}-y`} label={t('customers.expYear')} required>
          <input id={`${id}-y`} required type="number" min={2000} max={2100} value={card.expYear} onChange={(e) => setCard({ ...card, expYear: e.target.value })} />
        </Field>
        <ErrorNote error={add.error} />
        <button type="submit" className="btn" disabled={add.isPending}>
          {t('customers.addCard')}
        </button>
      </form>
    </div>
  );
}
