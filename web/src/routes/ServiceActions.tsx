import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { billingKeys } from '../api/billing';
import { customerKeys } from '../api/customers';
import { ended, useProgress } from '../api/provisioning';
import { actionsFor, type LifecycleAction, serviceKeys, useLifecycle, useSetAutoRenew, useTerminationQuote } from '../api/services';
import type { Product, Service, TerminationQuote } from '../api/types';
import { ErrorNote, Loading } from '../components/common';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { date, money } from '../format';
import { useServerError } from '../i18n/server-text';
import { TaskList } from '../wizard/ProgressStep';

/**
 * The rest of a service's life (issue 5): auto-renew, and suspend, unsuspend, renew, terminate
 * as its status allows, each confirmed with what will happen, then followed as its playbook runs.
 */
export function ServiceActions({ service, product }: { service: Service; product: Product | undefined }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [asking, setAsking] = useState<LifecycleAction | null>(null);
  const lifecycle = useLifecycle(service.id);
  const autoRenew = useSetAutoRenew(service.id);
  const run = useProgress(lifecycle.data?.id ?? null);
  const quote = useTerminationQuote(service.id, asking === 'terminate');
  const readable = useServerError();
  const actions = actionsFor[service.status] ?? [];
  const price = product ? money(product.billing === 'one_off' ? product.setupFee : product.recurringPrice, product.currency) : '';

  // When the run ends, everything about the service may have changed.
  const status = run.data?.status;
  useEffect(() => {
    if (ended(status)) {
      void qc.invalidateQueries({ queryKey: serviceKeys.all });
      void qc.invalidateQueries({ queryKey: customerKeys.all });
      void qc.invalidateQueries({ queryKey: billingKeys.all });
    }
  }, [status, qc]);

  return (
    <section className="card" aria-labelledby="actions-title">
      <h2 id="actions-title">{t('service.actions.title')}</h2>
      {service.status !== 'terminated' && service.status !== 'cancelled' && (
        <div className="auto-renew-switch">
          <button
            type="button"
            role="switch"
            aria-checked={service.autoRenew}
            className={`switch${service.autoRenew ? ' on' : ''}`}
            disabled={autoRenew.isPending}
            onClick={() => autoRenew.mutate(!service.autoRenew)}
            aria-describedby="auto-renew-help"
          >
            <span className="switch-knob" aria-hidden="true" />
            {t('service.autoRenewSwitch')}
          </button>
          <p id="auto-renew-help" className="muted small">
            {service.autoRenew ? t('service.autoRenewOn') : t('service.autoRenewOff')}
          </p>
        </div>
      )}
      <ErrorNote error={autoRenew.error} />
      <div className="row">
        {actions.map((a) => (
          <button key={a} type="button" className={`btn${a === 'terminate' ? ' btn-danger-outline' : ''}`} disabled={lifecycle.isPending || (run.data && !ended(run.data.status))} onClick={() => setAsking(a)}>
            {t(`service.actions.${a}`)}
          </button>
        ))}
      </div>
      <ErrorNote error={lifecycle.error} />
      {run.data && (
        <div className="lifecycle-run" aria-live="polite">
          <TaskList progress={run.data} />
          {!ended(run.data.status) && <p className="muted">{t('service.actions.working')}</p>}
          {run.data.error && (
            <p className="error-text" role="alert">
              {t('service.actions.failed', { message: readable(run.data.error).message })} <Link to={`/provisioning/${run.data.id}`}>{t('service.actions.openRun')}</Link>
            </p>
          )}
        </div>
      )}
      {asking && (
        <ConfirmDialog
          title={t(`service.actions.${asking}`)}
          message={t(`service.actions.confirm.${asking}`, { name: service.name, price })}
          confirmLabel={t(`service.actions.yes.${asking}`)}
          danger={asking === 'terminate'}
          busy={asking === 'terminate' && quote.isPending}
          onCancel={() => setAsking(null)}
          onConfirm={() => {
            const a = asking;
            setAsking(null);
            lifecycle.mutate({ action: a, key: crypto.randomUUID() });
          }}
        >
          {asking === 'terminate' && (quote.error ? <ErrorNote error={quote.error} /> : quote.data ? <Quote quote={quote.data} /> : <Loading />)}
        </ConfirmDialog>
      )}
    </section>
  );
}

/** The final bill of a termination today, as the run will write it (issue 13): the credit and the early termination charge. */
function Quote({ quote }: { quote: TerminationQuote }) {
  const { t } = useTranslation();
  const m = (n: number) => money(n, quote.currency);
  return (
    <div className="termination-quote" data-testid="termination-quote">
      <h3>{t('service.actions.quote.title', { date: date(quote.asOf) })}</h3>
      <ul>
        <li data-line="credit">
          {quote.credit
            ? t('service.actions.quote.credit', { amount: m(quote.credit.amount), days: quote.credit.unusedDays, period: quote.credit.periodDays })
            : t(`service.actions.quote.noCredit.${quote.creditReason === 'product_says_no' ? 'product' : 'none'}`)}
        </li>
        <li data-line="early">
          {quote.earlyTermination
            ? t('service.actions.quote.early', { amount: m(quote.earlyTermination.amount), date: date(quote.earlyTermination.minimumTermEnd) })
            : t('service.actions.quote.noEarly')}
        </li>
      </ul>
      <p>
        <strong data-line="total">
          {quote.total > 0
            ? t('service.actions.quote.owes', { amount: m(quote.total) })
            : quote.total < 0
              ? t('service.actions.quote.owed', { amount: m(-quote.total) })
              : t('service.actions.quote.even')}
        </strong>
      </p>
    </div>
  );
}
