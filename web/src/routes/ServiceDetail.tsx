import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ended, useLogs, useProgress } from '../api/provisioning';
import { useSession } from '../api/session';
import { useServiceBalance, useServicePage, useServiceTickets, useTestService } from '../api/services';
import type { Item, ProvisionLogs, ServicePage } from '../api/types';
import { ErrorNote, Loaded, Loading, StatusBadge } from '../components/common';
import { balanceAmount, date, dateRange, dateTime, money } from '../format';
import { useLocal } from '../i18n/local';
import { readCheck } from '../i18n/server-text';
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
            <ServiceTest serviceId={s.id} status={s.status} />

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

/** What a run on the service did, in a word: its product (the assignment, an add-on), a change of its life, a test. */
function useRunLabel() {
  const { t } = useTranslation();
  const local = useLocal();
  return (p: ServicePage['history'][number]) => {
    if (p.playbook.startsWith('diagnostic-')) return t('service.test.historyLabel');
    const action = /^service-(suspend|unsuspend|renew|terminate)$/.exec(p.playbook)?.[1];
    if (action) return t(`service.actions.${action as 'suspend'}`);
    if (p.playbook === 'service-expire') return t('status.expired');
    return local.productName({ name: p.productName });
  };
}

function History({ runs }: { runs: ServicePage['history'] }) {
  const { t } = useTranslation();
  const label = useRunLabel();
  if (runs.length === 0) return <p className="muted">{t('service.noHistory')}</p>;
  return (
    <ul className="plain" data-testid="service-history">
      {runs.map((p) => (
        <li key={p.id}>
          <Link to={`/provisioning/${p.id}`}>
            {dateTime(p.createdAt)} · {label(p)}
          </Link>{' '}
          <StatusBadge status={p.status} /> · {t('wizard.progress.summary', { completed: p.completed, total: p.total })}
        </li>
      ))}
    </ul>
  );
}

/**
 * "Test service" (issue 13, the seed's last check: "make a test call, check the data"): runs the
 * diagnostic playbook of the service's type, read-only, and shows what each check found.
 */
/** What a check found: its own last log line (the engine's closing "Done." left out). */
const found = (log: { log: { line: string }[] } | undefined) => log?.log.map((l) => l.line).filter((l) => l !== 'Done.').at(-1);

/** A failed check of Test service in the reader's language: what was found, and what to do. */
function CheckFailure({ error, errorText }: { error: string; errorText: ProvisionLogs['tasks'][number]['errorText'] }) {
  const { i18n } = useTranslation();
  const local = useLocal();
  // The server writes "message (hint)"; the keyed clauses say both in any language.
  const said = errorText ? readCheck(i18n, { message: error, hint: errorText.hint, text: [errorText.text], hintText: errorText.hintText }, { product: (n) => local.productName({ name: n }), template: local.template }) : null;
  return (
    <div className="small" data-testid="check-failure">
      {said ? (
        <>
          {said.message} {said.hint && <span className="muted">{said.hint}</span>}
        </>
      ) : (
        error
      )}
    </div>
  );
}

function ServiceTest({ serviceId, status }: { serviceId: number; status: string }) {
  const { t } = useTranslation();
  const local = useLocal();
  const me = useSession();
  const test = useTestService(serviceId);
  const run = useProgress(test.data?.id ?? null);
  const p = run.data;
  const logs = useLogs(p?.id ?? null, Boolean(p), p?.version);
  if (me.data?.role === 'viewer' || !['active', 'suspended'].includes(status)) return null;
  const done = p && ended(p.status);
  const failed = p?.tasks.filter((x) => x.status === 'failed' || x.status === 'ignored').length ?? 0;
  return (
    <section className="card" aria-labelledby="test-title">
      <div className="row">
        <h2 id="test-title">{t('service.test.title')}</h2>
        <span className="spacer" />
        <button type="button" className="btn" disabled={test.isPending || (p && !done)} onClick={() => test.mutate(crypto.randomUUID())}>
          {p && !done ? t('service.test.running') : t('service.test.run')}
        </button>
      </div>
      <p className="muted small">{t('service.test.help')}</p>
      <ErrorNote error={test.error} />
      {p && (
        <>
          <ul className="plain check-results" data-testid="test-results" aria-live="polite">
            {p.tasks.map((task) => {
              const log = logs.data?.tasks.find((x) => x.seq === task.seq);
              const ok = task.status === 'succeeded';
              const bad = task.status === 'failed' || task.status === 'ignored';
              return (
                <li key={task.seq} className={ok ? 'check-ok' : bad ? 'check-fail' : 'check-waiting'} data-status={task.status}>
                  <span aria-hidden="true">{ok ? '✓' : bad ? '✗' : '…'}</span> <strong>{local.task(task)}</strong>
                  <span className="sr-only"> ({ok ? t('service.test.passed') : bad ? t('service.test.failed') : t('status.running')})</span>
                  {bad && log?.error && <CheckFailure error={log.error} errorText={log.errorText} />}
                  {ok && found(log) && <div className="small muted">{found(log)}</div>}
                </li>
              );
            })}
          </ul>
          {done && (
            <p role="status" className={failed ? 'error-text' : 'ok-text'} data-testid="test-summary">
              {failed ? t('service.test.someFailed', { failed, total: p.tasks.length }) : t('service.test.allPassed', { total: p.tasks.length })}
            </p>
          )}
        </>
      )}
    </section>
  );
}
