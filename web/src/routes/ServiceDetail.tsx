import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useCustomer } from '../api/customers';
import { useProvisions } from '../api/provisioning';
import { useProducts } from '../api/catalog';
import { useService, useServiceAddons, useServiceBalance, useServiceCharges, useServiceInventory, useServiceTickets } from '../api/services';
import { Loaded, StatusBadge } from '../components/common';
import { date, dateTime, money, number } from '../format';
import { ServiceActions } from './ServiceActions';
import { useOpenWizard } from '../wizard/WizardContext';
import { useLocal } from '../i18n/local';

/** A service: status, product, inventory, balance, add-ons, tickets, provisioning history. */
export function ServiceDetail() {
  const { t } = useTranslation();
  const local = useLocal();
  const id = Number(useParams().id);
  const service = useService(id);
  const inventory = useServiceInventory(id);
  const balance = useServiceBalance(id);
  const addons = useServiceAddons(id);
  const tickets = useServiceTickets(id);
  const history = useProvisions({ serviceId: id });
  const customer = useCustomer(service.data?.customerId);
  const charges = useServiceCharges(id);
  const products = useProducts({});
  const openWizard = useOpenWizard();
  return (
    <Loaded query={service}>
      {(s) => (
        <section aria-labelledby="service-title">
          <h1 id="service-title">
            {s.name} <StatusBadge status={s.status} />
          </h1>
          <p className="muted">{t('service.title', { id: s.id })}</p>
          <div className="two-columns">
            <div className="card">
              <dl className="summary">
                <dt>{t('service.customer')}</dt>
                <dd>{customer.data ? <Link to={`/customers/${s.customerId}`}>{t('customers.resultLine', { name: customer.data.name, id: s.customerId })}</Link> : s.customerId}</dd>
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
                    <dd>{t('service.periodLine', { start: date(s.currentPeriodStart), end: date(s.currentPeriodEnd) })}</dd>
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
                {s.siteId && customer.data && (
                  <>
                    <dt>{t('service.site')}</dt>
                    <dd>{customer.data.sites.find((x) => x.id === s.siteId)?.name}</dd>
                  </>
                )}
                {Object.keys(s.customFields).length > 0 && (
                  <>
                    <dt>{t('service.customFields')}</dt>
                    <dd>
                      {Object.entries(s.customFields)
                        .map(([k, v]) => `${k}: ${v}`)
                        .join(', ')}
                    </dd>
                  </>
                )}
              </dl>
            </div>
            <div className="card">
              <h2>{t('service.balance')}</h2>
              <Loaded query={balance}>
                {(b) =>
                  !b.exists ? (
                    <p className="muted">{t('service.noBalance')}</p>
                  ) : (
                    <ul className="plain" data-testid="balance">
                      {Object.entries(b.totals).map(([key, amount]) => {
                        const [type, unit] = key.split(':');
                        return (
                          <li key={key}>
                            {t('service.balanceLine', { amount: number(amount), unit, type: t(`service.balanceTypes.${type as 'data'}`, { defaultValue: type }) })}
                          </li>
                        );
                      })}
                    </ul>
                  )
                }
              </Loaded>
            </div>
          </div>

          <ServiceActions service={s} product={products.data?.find((p) => p.id === s.productId)} />

          <h2>{t('service.inventory')}</h2>
          <Loaded query={inventory}>
            {(items) =>
              items.length === 0 ? (
                <p className="muted">{t('service.noInventory')}</p>
              ) : (
                <ul className="plain" data-testid="service-inventory">
                  {items.map((i) => (
                    <li key={i.id}>
                      <strong>{local.template(i.templateName)}</strong>: {local.itemLabel(i)} {Object.entries(i.attributes).map(([k, v]) => `${k.toUpperCase()} ${v}`).join(' · ')}
                    </li>
                  ))}
                </ul>
              )
            }
          </Loaded>

          <div className="row">
            <h2>{t('service.addons')}</h2>
            <span className="spacer" />
            {s.status === 'active' && (
              <button type="button" className="btn" onClick={() => openWizard({ customerId: s.customerId, serviceId: s.id, category: 'addon' })}>
                {t('service.addAddon')}
              </button>
            )}
          </div>
          <Loaded query={addons}>
            {(list) =>
              list.length === 0 ? (
                <p className="muted">{t('service.noAddons')}</p>
              ) : (
                <ul className="plain">
                  {list.map((a) => (
                    <li key={a.id}>
                      {local.productName({ id: a.productId, name: a.productName })} · {t(`service.billing.${a.billing}`)} · {dateTime(a.createdAt)} <StatusBadge status={a.status} />
                    </li>
                  ))}
                </ul>
              )
            }
          </Loaded>

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

          <h2>{t('service.charges')}</h2>
          <Loaded query={charges}>
            {(list) =>
              list.length === 0 ? (
                <p className="muted">{t('service.noCharges')}</p>
              ) : (
                <ul className="plain" data-testid="service-charges">
                  {list.map((c) => (
                    <li key={c.id}>
                      {date(c.createdAt)} · {c.description} · {money(c.amount, c.currency)} <StatusBadge status={c.status} />
                    </li>
                  ))}
                </ul>
              )
            }
          </Loaded>

          <h2>{t('service.history')}</h2>
          <Loaded query={history}>
            {(list) =>
              list.length === 0 ? (
                <p className="muted">{t('service.noHistory')}</p>
              ) : (
                <ul className="plain">
                  {list.map((p) => (
                    <li key={p.id}>
                      <Link to={`/provisioning/${p.id}`}>
                        {dateTime(p.createdAt)} · {local.productName({ name: p.productName })}
                      </Link>{' '}
                      <StatusBadge status={p.status} /> · {t('wizard.progress.summary', { completed: p.completed, total: p.total })}
                    </li>
                  ))}
                </ul>
              )
            }
          </Loaded>
        </section>
      )}
    </Loaded>
  );
}
