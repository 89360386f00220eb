import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useServiceBalance, useServicePage, useServiceTickets } from '../api/services';
import type { Item, ServicePage } from '../api/types';
import { ErrorNote, Loaded, Loading, StatusBadge } from '../components/common';
import { balanceAmount, date, dateRange, dateTime, money } from '../format';
import { useLocal } from '../i18n/local';
import { useOpenWizard } from '../wizard/WizardContext';
import { ServiceActions } from './ServiceActions';

/**
 * A service: status, product, customer, site and contacts, custom fields, inventory, balance,
 * add-ons, tickets, charges and provisioning history. Its own data comes in one request; the
 * balance (the OCS) and the tickets (the ticketing system) from their systems, apart.
 */
export function ServiceDetail() {
  const { t } = useTranslation();
  const local = useLocal();
  const id = Number(useParams().id);
  const page = useServicePage(id);
  const openWizard = useOpenWizard();
  return (
    <Loaded query={page}>
      {({ service: s, customer, site, billingContact, technicalContact, inventory, addons, charges, history }) => {
        const product = local.productById(s.productId);
        const fields = Object.entries(s.customFields);
        return (
          <section aria-labelledby="service-title">
            <h1 id="service-title">
              {s.name} <StatusBadge status={s.status} />
            </h1>
            <p className="muted">{t('service.title', { id: s.id })}</p>
            <div className="two-columns">
              <div className="card">
                <dl className="summary">
                  <dt>{t('service.customer')}</dt>
                  <dd>
                    <Link to={`/customers/${customer.id}`}>{t('customers.resultLine', { name: customer.name, id: customer.id })}</Link>
                  </dd>
                  <dt>{t('service.product')}</dt>
                  <dd>{local.productName({ id: s.productId, name: s.productName })}</dd>
                  <dt>{t('service.status')}</dt>
                  <dd data-testid="service-status">
                    <StatusBadge status={s.status} />
                  </dd>
                  {s.statusReason && (
                    <>
                      <dt>{t('service.reason')}</dt>
                      <dd>{t(`service.reasons.${s.statusReason as 'staff'}`, { defaultValue: s.statusReason })}</dd>
                    </>
                  )}
                  <dt>{t('service.autoRenew')}</dt>
                  <dd data-testid="service-autorenew">{s.autoRenew ? t('app.yes') : t('app.no')}</dd>
                  {s.currentPeriodStart && s.currentPeriodEnd && (
                    <>
                      <dt>{t('service.period')}</dt>
                      <dd>{dateRange(s.currentPeriodStart, s.currentPeriodEnd)}</dd>
                    </>
                  )}
                  {s.activatedAt && (
                    <>
                      <dt>{t('service.activated')}</dt>
                      <dd>{dateTime(s.activatedAt)}</dd>
                    </>
                  )}
                  {s.contractEnd && (
                    <>
                      <dt>{t('service.contractEnd')}</dt>
                      <dd>{date(s.contractEnd)}</dd>
                    </>
                  )}
                  <dt>{t('service.ocsAccount')}</dt>
                  <dd>{s.ocsAccount ?? '—'}</dd>
                  {site && (
                    <>
                      <dt>{t('service.site')}</dt>
                      <dd data-testid="service-site">
                        {site.name} · {[site.addressLine1, site.addressLine2, site.postcode, site.city].filter(Boolean).join(', ')}
                      </dd>
                    </>
                  )}
                  {[
                    ['billing', billingContact],
                    ['technical', technicalContact],
                  ].map(([role, c]) =>
                    c && typeof c === 'object' ? (
                      <Contact key={role as string} label={t(role === 'billing' ? 'wizard.details.billingContact' : 'wizard.details.technicalContact')} contact={c} />
                    ) : null,
                  )}
                  {fields.map(([name, value]) => {
                    const f = product?.customFields.find((x) => x.name === name);
                    return (
                      <FieldRow key={name} label={f ? local.field(product, f).label : name} value={f?.type === 'date' ? date(value) : value} />
                    );
                  })}
                </dl>
              </div>
              <Balance serviceId={s.id} />
            </div>

            <ServiceActions service={s} product={product} />

            <h2>{t('service.inventory')}</h2>
            {inventory.length === 0 ? (
              <p className="muted">{t('service.noInventory')}</p>
            ) : (
              <ul className="plain" data-testid="service-inventory">
                {inventory.map((i) => (
                  <InventoryLine key={i.id} item={i} />
                ))}
              </ul>
            )}

            <div className="row">
              <h2>{t('service.addons')}</h2>
              <span className="spacer" />
              {s.status === 'active' && (
                <button type="button" className="btn" onClick={() => openWizard({ customerId: s.customerId, serviceId: s.id, category: 'addon' })}>
                  {t('service.addAddon')}
                </button>
              )}
            </div>
            {addons.length === 0 ? (
              <p className="muted">{t('service.noAddons')}</p>
            ) : (
              <ul className="plain">
                {addons.map((a) => (
                  <li key={a.id}>
                    {local.productName({ id: a.productId, name: a.productName })} · {t(`service.billing.${a.billing}`)} · {dateTime(a.createdAt)} <StatusBadge status={a.status} />
                  </li>
                ))}
              </ul>
            )}

            <Tickets serviceId={s.id} />

            <h2>{t('service.charges')}</h2>
            {charges.length === 0 ? (
              <p className="muted">{t('service.noCharges')}</p>
            ) : (
              <ul className="plain" data-testid="service-charges">
                {charges.map((c) => (
                  <li key={c.id} title={c.description}>
                    {date(c.createdAt)} · {t(`billing.kind.${c.kind}`)} · {local.chargeText(c)} · {money(c.amount, c.currency)} <StatusBadge status={c.status} />
                  </li>
                ))}
              </ul>
            )}

            <h2>{t('service.history')}</h2>
            <History runs={history} />
          </section>
        );
      }}
    </Loaded>
  );
}

function Contact({ label, contact }: { label: string; contact: NonNullable<ServicePage['billingContact']> }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{[contact.name, contact.email, contact.phone].filter(Boolean).join(' · ')}</dd>
    </>
  );
}

function FieldRow({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}

/** "Mobile number: +44 7700 900101 (Assigned) · MSISDN 447700900101", each attribute by its template's label. */
function InventoryLine({ item }: { item: Item }) {
  const { t } = useTranslation();
  const local = useLocal();
  const attributes = Object.entries(item.attributes).filter(([, v]) => v && !item.reference.replace(/\W/g, '').includes(String(v).replace(/\W/g, '')));
  return (
    <li>
      <strong>{local.template(item.templateName)}</strong>
      {t('app.colon')} {item.reference} <StatusBadge status={item.status} />
      {attributes.length > 0 && <span className="muted"> · {attributes.map(([k, v]) => `${k.toUpperCase()} ${v}`).join(' · ')}</span>}
    </li>
  );
}

/** The OCS account's balances (R9.3), asked of the OCS: loading, unreachable and empty each said. */
function Balance({ serviceId }: { serviceId: number }) {
  const { t } = useTranslation();
  const balance = useServiceBalance(serviceId);
  return (
    <div className="card" aria-labelledby="balance-title">
      <h2 id="balance-title">{t('service.balance')}</h2>
      {balance.isPending ? (
        <Loading />
      ) : balance.error ? (
        <ErrorNote error={balance.error} onRetry={() => void balance.refetch()} />
      ) : !balance.data.exists ? (
        <p className="muted">{t('service.noBalance')}</p>
      ) : Object.keys(balance.data.totals).length === 0 ? (
        <p className="muted">{t('service.emptyBalance', { account: balance.data.ocsAccount })}</p>
      ) : (
        <ul className="plain" data-testid="balance">
          {Object.entries(balance.data.totals).map(([key, amount]) => {
            const [type, unit] = key.split(':');
            return <li key={key}>{t('service.balanceLine', { amount: balanceAmount(amount, unit ?? ''), type: t(`service.balanceTypes.${type as 'data'}`, { defaultValue: type }) })}</li>;
          })}
        </ul>
      )}
    </div>
  );
}

function Tickets({ serviceId }: { serviceId: number }) {
  const { t } = useTranslation();
  const tickets = useServiceTickets(serviceId);
  return (
    <>
      <h2>{t('service.tickets')}</h2>
      <Loaded query={tickets}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">{t('service.noTickets')}</p>
          ) : (
            <ul className="plain" data-testid="tickets">
              {list.map((tk) => (
                <li key={tk.id}>
                  {t('service.ticketLine', { id: tk.id, subject: tk.subject })} {tk.dueDate && `· ${t('service.due', { date: date(tk.dueDate) })}`} · {tk.queue} <StatusBadge status={tk.status} />
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </>
  );
}

function History({ runs }: { runs: ServicePage['history'] }) {
  const { t } = useTranslation();
  const local = useLocal();
  if (runs.length === 0) return <p className="muted">{t('service.noHistory')}</p>;
  return (
    <ul className="plain">
      {runs.map((p) => (
        <li key={p.id}>
          <Link to={`/provisioning/${p.id}`}>
            {dateTime(p.createdAt)} · {local.productName({ name: p.productName })}
          </Link>{' '}
          <StatusBadge status={p.status} /> · {t('wizard.progress.summary', { completed: p.completed, total: p.total })}
        </li>
      ))}
    </ul>
  );
}
