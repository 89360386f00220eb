import { useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { inventoryKeys, releaseItem, reserveItem, useAvailable } from '../api/inventory';
import type { Item } from '../api/types';
import { Combobox } from '../components/Combobox';
import { ErrorNote, Field, Loading } from '../components/common';
import { time } from '../format';
import { useLocal } from '../i18n/local';
import type { StepProps } from './AssignWizard';

/** R4: one required picker per template the product needs, searching only available items. */
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
          // Built on the choices as they are when the answer comes, not as they were when the item
          // was picked: another picker's reservation may have answered in between (issue 13).
          onSelected={(item) =>
            update((now) => {
              const items = { ...now.items };
              if (item) items[template] = item;
              else delete items[template];
              return { items };
            })
          }
        />
      ))}
    </div>
  );
}

/**
 * Choosing an item reserves it for this assignment (R4.3); choosing another releases the first.
 * If someone else got it first, the picker says so and shows what is still available. The list
 * is searched on the server as one types (an ICCID, a number, a serial), 50 at a time.
 */
function InventorySelector({ template, holder, selected, onSelected, first }: { template: string; holder: string; selected: Item | null; onSelected: (item: Item | null) => void; first: boolean }) {
  const { t } = useTranslation();
  const local = useLocal();
  const id = useId();
  const qc = useQueryClient();
  const [query, setQuery] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const available = useAvailable(template, query.trim());
  const options = (available.data?.items ?? []).filter((o) => o.id !== selected?.id);
  // The item held now, whatever render this answer belongs to.
  const held = useRef(selected);
  held.current = selected;

  const choose = async (item: Item) => {
    if (busy) return;
    setError(null);
    setBusy(true);
    try {
      const before = held.current;
      if (before && before.id !== item.id) await releaseItem(before.id, holder);
      onSelected(await reserveItem(item.id, holder));
    } catch (e) {
      setError(e);
      onSelected(null);
    } finally {
      setBusy(false);
      void qc.invalidateQueries({ queryKey: inventoryKeys.all });
    }
  };

  const name = local.template(template);
  const summary = available.data?.summary;
  const total = available.data?.available ?? 0;
  const empty = available.data && total === 0 && !selected && !query;
  const taken = error instanceof ApiError && error.code === 'INVENTORY_UNAVAILABLE';
  return (
    <div className="inventory-selector">
      <Field id={`${id}-item`} label={name} required hint={t('wizard.inventory.searchHint')} error={taken ? t('wizard.inventory.taken') : undefined}>
        <Combobox
          id={`${id}-item`}
          query={query}
          onQueryChange={setQuery}
          options={options}
          optionKey={(o) => o.id}
          renderOption={(o) => local.itemLabel(o)}
          onPick={(o) => void choose(o)}
          chosenText={selected ? local.itemLabel(selected) : ''}
          listLabel={t('wizard.inventory.list', { template: name })}
          listFooter={total > options.length ? t('wizard.inventory.shown', { shown: options.length, total }) : undefined}
          placeholder={t('wizard.choose')}
          describedBy={[`${id}-item-hint`, selected ? `${id}-held` : ''].filter(Boolean).join(' ')}
          required
          disabled={busy}
          autofocusTarget={first}
        />
      </Field>
      {available.isPending && <Loading />}
      {busy && (
        <p className="muted" role="status">
          {t('wizard.inventory.reserving')}
        </p>
      )}
      {selected?.reservation?.expiresAt && (
        <p className="muted small" id={`${id}-held`} data-testid="held">
          ✓ {t('wizard.inventory.reserved', { time: time(selected.reservation.expiresAt) })}
        </p>
      )}
      {query && available.data && available.data.items.length === 0 && <p className="muted">{t('wizard.inventory.noMatch', { query })}</p>}
      <ErrorNote error={error} />
      <ErrorNote error={available.error} onRetry={() => void available.refetch()} />
      {empty && summary && (
        <div className="note note-empty" role="status">
          <p>
            <strong>{t('wizard.inventory.none')}</strong>
          </p>
          <p>{t('wizard.inventory.noneCause', { template: name, assigned: summary.assigned, reserved: summary.reserved, retired: summary.retired })}</p>
          <p>{t('wizard.inventory.noneFixes', { template: name })}</p>
        </div>
      )}
    </div>
  );
}
