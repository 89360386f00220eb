import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Assignment, usePreflight, useStartProvision } from '../api/provisioning';
import { useService } from '../api/services';
import type { CustomerDetail, PreflightResult } from '../api/types';
import { ErrorNote } from '../components/common';
import { money } from '../format';
import { useCheckText, useLocal } from '../i18n/local';
import { WizardFooter } from './WizardFooter';
import { type Choices, type StepProps, fieldsFor } from './AssignWizard';

export function assignmentOf(c: Choices, holder: string, customerType: 'individual' | 'business' | undefined): Assignment {
  const fields = new Set(fieldsFor(c.product, customerType).map((f) => f.name));
  return {
    customerId: c.customerId!,
    product: c.product!.slug,
    ...(c.serviceId && c.product?.category === 'addon' && { serviceId: c.serviceId }),
    reservation: holder,
    inventory: Object.fromEntries(Object.entries(c.items).map(([tpl, item]) => [tpl, item.id])),
    ...(c.product?.category === 'plan' && c.autoRenew !== null && { autoRenew: c.autoRenew }),
    customFields: Object.fromEntries(Object.entries(c.customFields).filter(([k, v]) => fields.has(k) && v.trim() !== '')),
    ...(c.siteId && { siteId: c.siteId }),
    ...(c.billingContactId && { billingContactId: c.billingContactId }),
    ...(c.technicalContactId && { technicalContactId: c.technicalContactId }),
  };
}

/**
 * R6: everything chosen, the price, auto-renew, and the checks of R6.3 run by the server before
 * the button is pressed. Confirm sends the wizard's one key, so a double click starts one run.
 */
export function ReviewStep({ choices, holder, customer, onStarted, onCancel, onBack }: StepProps & { customer: CustomerDetail | undefined; onStarted: (id: string) => void; onCancel: () => void; onBack: () => void }) {
  const { t } = useTranslation();
  const local = useLocal();
  const preflight = usePreflight();
  const start = useStartProvision();
  const service = useService(choices.serviceId ?? 0);
  const input = assignmentOf(choices, holder, customer?.type);
  const clicked = useRef(false);
  const product = choices.product!;

  useEffect(() => {
    preflight.mutate(input);
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const result = preflight.data;
  const site = customer?.sites.find((s) => s.id === choices.siteId);
  const contact = (id: number | null) => customer?.contacts.find((c) => c.id === id);
  const fields = fieldsFor(product, customer?.type).filter((f) => choices.customFields[f.name]);

  const confirm = () => {
    if (clicked.current) return; // the second click of a double click
    clicked.current = true;
    start.mutate({ input, key: holder }, { onSuccess: (p) => onStarted(p.id), onError: () => (clicked.current = false) });
  };

  return (
    <div className="review">
      <h4>{t('wizard.review.heading')}</h4>
      <dl className="summary">
        <dt>{t('wizard.review.customer')}</dt>
        <dd data-testid="review-customer">{customer ? t('customers.resultLine', { name: customer.name, id: customer.id }) : ''}</dd>
        <dt>{t('wizard.review.product')}</dt>
        <dd data-testid="review-product">{local.productText(product).name}</dd>
        {product.category === 'addon' && service.data && (
          <>
            <dt>{t('wizard.review.service')}</dt>
            <dd>{t('customers.resultLine', { name: service.data.name, id: service.data.id })}</dd>
          </>
        )}
        {Object.keys(choices.items).length > 0 && (
          <>
            <dt>{t('wizard.review.inventory')}</dt>
            <dd>
              <ul className="plain" data-testid="review-inventory">
                {Object.entries(choices.items).map(([tpl, item]) => (
                  <li key={tpl}>
                    {local.template(tpl)}
                    {t('app.colon')} {local.itemName(item)}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        <dt>{t('wizard.review.pricing')}</dt>
        <dd data-testid="review-pricing">
          {product.billing === 'one_off' ? (
            t('wizard.review.oneOff', { amount: money(product.setupFee, product.currency) })
          ) : (
            <>
              {t('wizard.review.setupFee', { amount: money(product.setupFee, product.currency) })}
              <br />
              {t('wizard.review.monthly', { amount: money(product.recurringPrice, product.currency) })}
            </>
          )}
        </dd>
        {product.category === 'plan' && (
          <>
            <dt>{t('wizard.review.autoRenew')}</dt>
            <dd data-testid="review-autorenew">{(result?.autoRenew ?? choices.autoRenew) ? t('app.yes') : t('app.no')}</dd>
          </>
        )}
        {(site || contact(choices.billingContactId) || fields.length > 0) && (
          <>
            <dt>{t('wizard.review.options')}</dt>
            <dd>
              <ul className="plain">
                {site && (
                  <li>
                    {t('wizard.details.site')}
                    {t('app.colon')} {site.name} - {site.addressLine1}
                  </li>
                )}
                {contact(choices.billingContactId) && (
                  <li>
                    {t('wizard.details.billingContact')}
                    {t('app.colon')} {contact(choices.billingContactId)!.name}
                  </li>
                )}
                {contact(choices.technicalContactId) && (
                  <li>
                    {t('wizard.details.technicalContact')}
                    {t('app.colon')} {contact(choices.technicalContactId)!.name}
                  </li>
                )}
                {fields.map((f) => (
                  <li key={f.name}>
                    {local.field(product, f).label}
                    {t('app.colon')} {choices.customFields[f.name]}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>

      <section aria-labelledby="checks-title" className="checks">
        <h5 id="checks-title">{t('wizard.review.checks')}</h5>
        {preflight.isPending && <p role="status">{t('wizard.review.checking')}</p>}
        <ErrorNote error={preflight.error} onRetry={() => preflight.mutate(input)} />
        {result && <CheckSummary result={result} />}
      </section>
      <ErrorNote error={start.error} />
      <WizardFooter>
        <button type="button" className="btn" onClick={onCancel}>
          {t('wizard.cancel')}
        </button>
        <span className="spacer" />
        <button type="button" className="btn" onClick={onBack} disabled={start.isPending}>
          {t('wizard.back')}
        </button>
        <button type="button" className="btn btn-primary" disabled={!result?.ok || start.isPending || start.isSuccess} onClick={confirm}>
          {start.isPending ? t('wizard.review.confirming') : t('wizard.review.confirm')}
        </button>
      </WizardFooter>
    </div>
  );
}

/**
 * The checks of R6.3 as one line ("8 of 8 checks passed") that opens on demand, and opens by
 * itself when one fails, so that the review fits the screen and a failure cannot be missed.
 */
function CheckSummary({ result }: { result: PreflightResult }) {
  const { t } = useTranslation();
  const local = useLocal();
  const checkText = useCheckText();
  // A check that waits for another to pass is not a failure of its own: it shows as not checked.
  const waiting = (c: PreflightResult['checks'][number]) => !c.ok && c.text.length > 0 && c.text.every((x) => x.key.startsWith('notChecked.'));
  const failed = result.checks.filter((c) => !c.ok && !waiting(c)).length;
  const [open, setOpen] = useState(failed > 0);
  useEffect(() => {
    if (failed > 0) setOpen(true);
  }, [failed]);
  const tasks = result.taskNames[local.lang] ?? result.tasks;
  return (
    <>
      <details className="checks-detail" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary className={result.ok ? 'ok-text' : 'error-text'} data-testid="checks-summary">
          <span aria-hidden="true">{result.ok ? '✓' : '✗'}</span>{' '}
          <span role="status">{result.ok ? t('wizard.review.allGood', { total: result.checks.length }) : t('wizard.review.problems', { failed, total: result.checks.length })}</span>
        </summary>
        <ul className="check-list">
          {result.checks.map((c) => {
            const said = checkText(c);
            return (
              <li key={c.id} className={c.ok ? 'check-ok' : waiting(c) ? 'check-waiting' : 'check-fail'} data-check={c.id}>
                <span aria-hidden="true">{c.ok ? '✓' : waiting(c) ? '–' : '✗'}</span> <strong>{t(`wizard.checks.${c.id}`)}</strong>
                {t('app.colon')} {said.message}
                {!c.ok && said.hint && <span className="hint"> {said.hint}</span>}
              </li>
            );
          })}
        </ul>
      </details>
      {tasks.length > 0 && (
        <details>
          <summary>{t('wizard.review.tasks', { count: tasks.length })}</summary>
          <ol>
            {tasks.map((name, i) => (
              <li key={i}>{name}</li>
            ))}
          </ol>
        </details>
      )}
    </>
  );
}
