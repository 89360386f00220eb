import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCustomer } from '../api/customers';
import { releaseAll } from '../api/inventory';
import { inventoryKeys } from '../api/inventory';
import type { Item, Product } from '../api/types';
import { ProductIcon } from '../components/ProductCard';
import { money } from '../format';
import { useLocal } from '../i18n/local';
import { CustomerStep } from './CustomerStep';
import { DetailsStep } from './DetailsStep';
import { InventoryStep } from './InventoryStep';
import { ProductStep } from './ProductStep';
import { ProgressStep } from './ProgressStep';
import { ReviewStep } from './ReviewStep';
import { ServiceStep } from './ServiceStep';
import type { WizardStart } from './WizardContext';
import { FooterSlot } from './WizardFooter';

export type StepId = 'customer' | 'product' | 'service' | 'inventory' | 'details' | 'review' | 'progress';

/** Everything the staff member has chosen so far. */
export interface Choices {
  product: Product | null;
  customerId: number | null;
  serviceId: number | null;
  items: Record<string, Item>;
  siteId: number | null;
  billingContactId: number | null;
  technicalContactId: number | null;
  customFields: Record<string, string>;
  autoRenew: boolean | null;
}

export interface StepProps {
  choices: Choices;
  /**
   * A patch, or a function of the choices as they are when it applies: what an answer from the
   * server changes must be built on the latest choices, not on those of the render that asked.
   */
  update: (patch: Partial<Choices> | ((now: Choices) => Partial<Choices>)) => void;
  holder: string;
}

/** The custom fields a product asks of this kind of customer. */
export const fieldsFor = (product: Product | null, customerType: 'individual' | 'business' | undefined) =>
  (product?.customFields ?? []).filter((f) => !f.customerTypes || !customerType || f.customerTypes.includes(customerType));

export function fieldProblem(f: Product['customFields'][number], value: string): 'missing' | 'invalid' | null {
  const v = value.trim();
  if (!v) return f.required ? 'missing' : null;
  if (f.pattern && !new RegExp(`^(?:${f.pattern})$`).test(v)) return 'invalid';
  if (f.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) return 'invalid';
  return null;
}

/**
 * The assignment wizard (R1.2): a modal that works the same for every service type. It skips
 * what its starting point already knows, reserves inventory as it is chosen, releases it when
 * cancelled, and ends on the live progress of the run it starts.
 */
export function AssignWizard({ start, onClose }: { start: WizardStart; onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const holder = useMemo(() => crypto.randomUUID(), []);
  const [provisionId, setProvisionId] = useState<string | null>(null);
  const [choices, setChoices] = useState<Choices>({
    product: start.product ?? null,
    customerId: start.customerId ?? null,
    serviceId: start.serviceId ?? null,
    items: {},
    siteId: null,
    billingContactId: null,
    technicalContactId: null,
    customFields: {},
    autoRenew: null,
  });
  const update: StepProps['update'] = (patch) => setChoices((c) => ({ ...c, ...(typeof patch === 'function' ? patch(c) : patch) }));
  const customer = useCustomer(choices.customerId ?? undefined);
  const local = useLocal();
  const [footer, setFooter] = useState<HTMLElement | null>(null);
  const category = choices.product?.category ?? start.category ?? 'plan';

  const steps = useMemo<StepId[]>(() => {
    const s: StepId[] = [];
    if (!start.customerId) s.push('customer');
    if (!start.product) s.push('product');
    if (category === 'addon' && !start.serviceId) s.push('service');
    if (!choices.product || choices.product.inventoryTemplates.length > 0) s.push('inventory');
    s.push('details', 'review');
    return s;
  }, [start, category, choices.product]);
  const [index, setIndex] = useState(0);
  const step: StepId = provisionId ? 'progress' : (steps[Math.min(index, steps.length - 1)] ?? 'review');

  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  // On each new step, focus goes to its first field (where a person starts typing or choosing)
  // or, on steps with nothing to fill in, to its heading, so a screen reader says where we are.
  const body = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const t = setTimeout(() => {
      const fields = step === 'review' || step === 'progress' ? null : body.current;
      const first = fields?.querySelector<HTMLElement>('[data-autofocus]:not([disabled])') ?? fields?.querySelector<HTMLElement>('input:not([disabled]), select:not([disabled]), textarea');
      (first ?? heading.current)?.focus();
    }, 0);
    return () => clearTimeout(t);
  }, [step]);

  // Whatever this wizard reserved goes back when it closes without confirming: by Cancel, by
  // Escape, or by the page going away (a request the browser sends even while unloading).
  const confirmed = useRef(false);
  confirmed.current = provisionId !== null;
  useEffect(() => {
    const release = () => {
      if (!confirmed.current) void fetch(`/api/inventory/reservations/${encodeURIComponent(holder)}`, { method: 'DELETE', keepalive: true, credentials: 'same-origin' });
    };
    window.addEventListener('pagehide', release);
    return () => window.removeEventListener('pagehide', release);
  }, [holder]);
  const close = () => {
    if (!confirmed.current) void releaseAll(holder).finally(() => qc.invalidateQueries({ queryKey: inventoryKeys.all }));
    dialog.current?.close();
    onClose();
  };

  const canContinue = (() => {
    const ct = customer.data?.type;
    switch (step) {
      case 'customer':
        return Boolean(customer.data) && (!choices.product || choices.product.customerTypes.includes(customer.data!.type));
      case 'product':
        return Boolean(choices.product);
      case 'service':
        return Boolean(choices.serviceId);
      case 'inventory':
        return Boolean(choices.product) && choices.product!.inventoryTemplates.every((tpl) => choices.items[tpl]);
      case 'details':
        return fieldsFor(choices.product, ct).every((f) => !fieldProblem(f, choices.customFields[f.name] ?? ''));
      default:
        return false;
    }
  })();

  const stepName = t(`wizard.steps.${step}`);
  const title = category === 'addon' ? t('wizard.titleAddon') : t('wizard.title');
  const props: StepProps = { choices, update, holder };

  return (
    <dialog
      ref={dialog}
      className="wizard"
      aria-labelledby="wizard-title"
      onCancel={(e) => {
        e.preventDefault();
        if (!provisionId) close();
      }}
    >
      <header className="wizard-head">
        <h2 id="wizard-title">{title}</h2>
        <button type="button" className="btn btn-ghost" onClick={close} aria-label={t('wizard.closeDialog')}>
          ✕
        </button>
      </header>
      {(choices.product || customer.data) && (
        <div className="wizard-context">
          {choices.product && (
            <p className="wizard-product" data-testid="wizard-product">
              <ProductIcon product={choices.product} />
              <strong>{local.productText(choices.product).name}</strong>
              <span className="muted">
                {choices.product.billing === 'one_off'
                  ? `${money(choices.product.setupFee, choices.product.currency)} · ${t('catalog.oneOff').toLowerCase()}`
                  : t('catalog.perMonth', { price: money(choices.product.recurringPrice, choices.product.currency) })}
              </span>
            </p>
          )}
          {/* R3.2: the chosen customer, prominently, on every step, however the wizard was started. */}
          {customer.data && (
            <p className="wizard-customer" data-testid="wizard-customer">
              {t('wizard.customerLine')} <strong>{t('customers.resultLine', { name: customer.data.name, id: customer.data.id })}</strong>
            </p>
          )}
        </div>
      )}
      {step !== 'progress' && (
        <ol className="wizard-steps" aria-label={title}>
          {steps.map((s, i) => (
            <li key={s} aria-current={i === index ? 'step' : undefined} className={i < index ? 'done' : i === index ? 'current' : ''}>
              {t(`wizard.steps.${s}`)}
            </li>
          ))}
        </ol>
      )}
      <FooterSlot.Provider value={footer}>
      <div className="wizard-body" ref={body}>
        <h3 ref={heading} tabIndex={-1} className="sr-only-focusable">
          {step === 'progress' ? stepName : t('wizard.stepOf', { n: index + 1, total: steps.length, name: stepName })}
        </h3>
        {step === 'customer' && <CustomerStep {...props} />}
        {step === 'product' && <ProductStep {...props} customerType={customer.data?.type} category={category} />}
        {step === 'service' && <ServiceStep {...props} />}
        {step === 'inventory' && <InventoryStep {...props} />}
        {step === 'details' && <DetailsStep {...props} customer={customer.data} />}
        {step === 'review' && <ReviewStep {...props} customer={customer.data} onStarted={setProvisionId} onCancel={close} onBack={() => setIndex(index - 1)} />}
        {step === 'progress' && provisionId && <ProgressStep provisionId={provisionId} onClose={close} />}
      </div>
      </FooterSlot.Provider>
      <footer className="wizard-foot" ref={setFooter}>
        {step !== 'review' && step !== 'progress' && (
          <>
            <button type="button" className="btn" onClick={close}>
              {t('wizard.cancel')}
            </button>
            <span className="spacer" />
            {index > 0 && (
              <button type="button" className="btn" onClick={() => setIndex(index - 1)}>
                {t('wizard.back')}
              </button>
            )}
            <button type="button" className="btn btn-primary" disabled={!canContinue} onClick={() => setIndex(index + 1)}>
              {t('wizard.next')}
            </button>
          </>
        )}
      </footer>
    </dialog>
  );
}
