import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { inventoryKeys, releaseItem, reserveItem, useAvailable } from '../api/inventory';
import type { Item } from '../api/types';
import { ErrorNote, Field, Loading } from '../components/common';
import { time } from '../format';
import type { StepProps } from './AssignWizard';

/** R4: one required selector per template the product needs, listing only available items. */
export function InventoryStep({ choices, update, holder }: StepProps) {
  const { t } = useTranslation();
  const templates = choices.product?.inventoryTemplates ?? [];
  return (
    <div>
      <h4>{t('wizard.inventory.heading')}</h4>
      {templates.length === 0 && <p>{t('wizard.inventory.notNeeded')}</p>}
      {templates.map((template, i) => (
        <InventorySelector
          key={template}
          first={i === 0}
          template={template}
          holder={holder}
          selected={choices.items[template] ?? null}
          onSelected={(item) => {
            const items = { ...choices.items };
            if (item) items[template] = item;
            else delete items[template];
            update({ items });
          }}
        />
      ))}
    </div>
  );
}

/**
 * Choosing an item reserves it for this assignment (R4.3); choosing another releases the first.
 * If someone else got it first, the selector says so and shows what is still available.
 */
function InventorySelector({ template, holder, selected, onSelected, first }: { template: string; holder: string; selected: Item | null; onSelected: (item: Item | null) => void; first: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  const qc = useQueryClient();
  const [filter, setFilter] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const available = useAvailable(template, filter);
  const options = available.data?.items ?? [];

  const choose = async (itemId: number | null) => {
    setError(null);
    setBusy(true);
    try {
      if (selected && selected.id !== itemId) await releaseItem(selected.id, holder);
      if (itemId === null) onSelected(null);
      else onSelected(await reserveItem(itemId, holder));
    } catch (e) {
      setError(e);
      onSelected(null);
    } finally {
      setBusy(false);
      void qc.invalidateQueries({ queryKey: inventoryKeys.all });
    }
  };

  const summary = available.data?.summary;
  const empty = available.data && available.data.available === 0 && !selected && !filter;
  return (
    <div className="inventory-selector">
      <Field id={`${id}-item`} label={template} required error={error instanceof ApiError && error.code === 'INVENTORY_UNAVAILABLE' ? t('wizard.inventory.taken') : undefined}>
        {(available.data?.available ?? 0) > 10 && (
          <input
            type="search"
            className="inventory-filter"
            aria-label={t('wizard.inventory.filter', { template })}
            placeholder={t('wizard.inventory.filter', { template })}
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
        )}
        <select
          id={`${id}-item`}
          data-autofocus={first ? '' : undefined}
          required
          aria-required="true"
          aria-describedby={selected ? `${id}-held` : undefined}
          value={selected?.id ?? ''}
          disabled={busy}
          onChange={(e) => void choose(e.target.value ? Number(e.target.value) : null)}
        >
          <option value="">{t('wizard.choose')}</option>
          {selected && !options.some((o) => o.id === selected.id) && <option value={selected.id}>{selected.label}</option>}
          {options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
      </Field>
      {available.isPending && <Loading />}
      {busy && <p className="muted">{t('wizard.inventory.reserving')}</p>}
      {selected?.reservation?.expiresAt && (
        <p className="muted small" id={`${id}-held`}>
          ✓ {t('wizard.inventory.reserved', { time: time(selected.reservation.expiresAt) })}
        </p>
      )}
      <ErrorNote error={error} />
      <ErrorNote error={available.error} onRetry={() => void available.refetch()} />
      {empty && summary && (
        <div className="note note-empty" role="status">
          <p>
            <strong>{t('wizard.inventory.none')}</strong>
          </p>
          <p>{t('wizard.inventory.noneCause', { template, assigned: summary.assigned, reserved: summary.reserved, retired: summary.retired })}</p>
          <p>{t('wizard.inventory.noneFixes', { template })}</p>
        </div>
      )}
    </div>
  );
}
