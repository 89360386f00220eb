import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCustomerBilling, useRetryCharge } from '../api/billing';
import { ErrorNote, Loaded, StatusBadge } from '../components/common';
import { cardOf, date, dateTime, money, month } from '../format';
import { useLocal } from '../i18n/local';

/** A customer's charges and payments, with totals per month (issue 5). */
export function BillingTab({ customerId }: { customerId: number }) {
  const { t } = useTranslation();
  const local = useLocal();
  const billing = useCustomerBilling(customerId);
  const retry = useRetryCharge();
  return (
    <Loaded query={billing}>
      {(b) =>
        b.charges.length === 0 ? (
          <p className="muted">{t('billing.none')}</p>
        ) : (
          <div>
            <h2>{t('billing.totals')}</h2>
            <table className="table" data-testid="billing-totals">
              <thead>
                <tr>
                  <th scope="col">{t('billing.period')}</th>
                  <th scope="col">{t('billing.charged')}</th>
                  <th scope="col">{t('billing.paid')}</th>
                  <th scope="col">{t('billing.outstanding')}</th>
                </tr>
              </thead>
              <tbody>
                {b.totals.map((x) => (
                  <tr key={`${x.period}-${x.currency}`}>
                    <td>{month(x.period)}</td>
                    <td>{money(x.charged, x.currency)}</td>
                    <td>{money(x.paid, x.currency)}</td>
                    <td className={x.outstanding > 0 ? 'error-text' : ''}>{money(x.outstanding, x.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>

            <h2>{t('billing.charges')}</h2>
            {retry.data && (
              <p role="status" className={retry.data.outcome === 'paid' ? 'ok-text' : 'error-text'}>
                {t(`billing.retried.${retry.data.outcome as 'paid'}`, { defaultValue: retry.data.outcome })}
              </p>
            )}
            <ErrorNote error={retry.error} />
            <table className="table" data-testid="billing-charges">
              <thead>
                <tr>
                  <th scope="col">{t('billing.columns.date')}</th>
                  <th scope="col">{t('billing.columns.description')}</th>
                  <th scope="col">{t('billing.columns.kind')}</th>
                  <th scope="col">{t('billing.columns.amount')}</th>
                  <th scope="col">{t('billing.columns.status')}</th>
                </tr>
              </thead>
              <tbody>
                {b.charges.map((c) => (
                  <tr key={c.id}>
                    <td>{date(c.createdAt)}</td>
                    <td>
                      {c.serviceId ? <Link to={`/services/${c.serviceId}`} title={c.description}>{local.chargeText(c)}</Link> : local.chargeText(c)}
                      {c.lastError && c.status === 'failed' && <div className="small error-text">{c.lastError}</div>}
                    </td>
                    <td>{t(`billing.kind.${c.kind}`)}</td>
                    <td className={c.kind === 'credit' ? 'ok-text' : undefined}>{money(c.amount, c.currency)}</td>
                    <td>
                      {c.kind === 'credit' && c.status === 'pending' ? <span className="badge badge-credit">{t('billing.owedBack')}</span> : <StatusBadge status={c.status} />}
                      {c.status === 'failed' && (
                        <>
                          <div className="small muted">
                            {t('billing.attempts', { count: c.attempts })}
                            {c.nextAttemptAt && ` · ${t('billing.nextAttempt', { date: dateTime(c.nextAttemptAt) })}`}
                          </div>
                          <button type="button" className="btn btn-small" aria-label={t('billing.retryFor', { id: c.id })} disabled={retry.isPending} onClick={() => retry.mutate(c.id)}>
                            {t('billing.retry')}
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>

            <h2>{t('billing.payments')}</h2>
            {b.payments.length === 0 ? (
              <p className="muted">{t('billing.noPayments')}</p>
            ) : (
              <table className="table" data-testid="billing-payments">
                <thead>
                  <tr>
                    <th scope="col">{t('billing.columns.date')}</th>
                    <th scope="col">{t('billing.columns.card')}</th>
                    <th scope="col">{t('billing.columns.amount')}</th>
                    <th scope="col">{t('billing.columns.result')}</th>
                  </tr>
                </thead>
                <tbody>
                  {b.payments.map((p) => (
                    <tr key={p.id}>
                      <td>{dateTime(p.createdAt)}</td>
                      <td>{cardOf(p.card)}</td>
                      <td>{money(p.amount, p.currency)}</td>
                      <td>
                        <StatusBadge status={p.status} /> {p.message && <span className="small muted">{p.message}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        )
      }
    </Loaded>
  );
}
