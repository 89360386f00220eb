import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useAddItems, useItems, useStockSummary, useTemplates } from '../api/inventory';
import { useSession } from '../api/session';
import type { ItemStatus, TemplateSummary } from '../api/types';
import { ErrorNote, Field, Loaded, StatusBadge } from '../components/common';
import { date, number } from '../format';
import { useLocal } from '../i18n/local';

const statuses: ItemStatus[] = ['new', 'in_stock', 'reserved', 'assigned', 'quarantined', 'retired'];
const PAGE = 50;

/** Stock by template (a summary), its items a page at a time with filters, and a form to add items in bulk. */
export function Inventory() {
  const { t } = useTranslation();
  const local = useLocal();
  const id = useId();
  const templates = useTemplates();
  const session = useSession();
  const [template, setTemplate] = useState('');
  const [status, setStatus] = useState<ItemStatus | ''>('');
  const [q, setQ] = useState('');
  const [offset, setOffset] = useState(0);
  const items = useItems({ template: template || undefined, status: status || undefined, q: q.trim() || undefined, limit: PAGE, offset });
  // A filter changed: back to the first page.
  const filter = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setOffset(0);
  };
  return (
    <section aria-labelledby="inv-title">
      <h1 id="inv-title">{t('inventory.title')}</h1>
      <StockSummary onTemplate={(name) => { filter(setTemplate)(name); setStatus(''); }} />
      <h2 id="inv-items">{t('inventory.items')}</h2>
      <div className="toolbar">
        <Field id={`${id}-t`} label={t('inventory.template')}>
          <select id={`${id}-t`} value={template} onChange={(e) => filter(setTemplate)(e.target.value)}>
            <option value="">{t('inventory.allTemplates')}</option>
            {templates.data?.map((tpl) => (
              <option key={tpl.id} value={tpl.name}>
                {local.template(tpl.name)}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-s`} label={t('inventory.status')}>
          <select id={`${id}-s`} value={status} onChange={(e) => filter(setStatus)(e.target.value as ItemStatus | '')}>
            <option value="">{t('inventory.allStatuses')}</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-q`} label={t('inventory.filter')}>
          <input id={`${id}-q`} type="search" value={q} onChange={(e) => filter(setQ)(e.target.value)} />
        </Field>
      </div>
      <Loaded query={items}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">{t('inventory.none')}</p>
          ) : (
            <>
              <table className="table" aria-labelledby="inv-items" data-testid="inventory-items">
                <thead>
                  <tr>
                    <th scope="col">{t('inventory.columns.reference')}</th>
                    <th scope="col">{t('inventory.template')}</th>
                    <th scope="col">{t('inventory.columns.details')}</th>
                    <th scope="col">{t('inventory.columns.status')}</th>
                    <th scope="col">{t('inventory.columns.service')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((i) => (
                    <tr key={i.id} data-reference={i.reference}>
                      <td>{i.reference}</td>
                      <td>{local.template(i.templateName)}</td>
                      <td className="small">
                        {Object.entries(i.attributes)
                          .map(([k, v]) => `${k.toUpperCase()} ${v}`)
                          .join(' · ')}
                      </td>
                      <td>
                        <StatusBadge status={i.status} />
                        {i.quarantinedUntil && <span className="small"> {t('inventory.until', { date: date(i.quarantinedUntil) })}</span>}
                      </td>
                      <td>{i.serviceId ? <Link to={`/services/${i.serviceId}`}>{i.serviceId}</Link> : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="row pager">
                <span className="small" data-testid="inventory-range">
                  {t('inventory.range', { from: number(page.offset + 1), to: number(page.offset + page.items.length), total: number(page.total) })}
                </span>
                <span className="spacer" />
                <button type="button" className="btn btn-small" disabled={page.offset === 0} onClick={() => setOffset(Math.max(0, page.offset - PAGE))}>
                  {t('inventory.previous')}
                </button>
                <button type="button" className="btn btn-small" disabled={page.offset + page.items.length >= page.total} onClick={() => setOffset(page.offset + PAGE)}>
                  {t('inventory.next')}
                </button>
              </div>
            </>
          )
        }
      </Loaded>
      {session.data?.role === 'admin' && templates.data && <AddItems templates={templates.data} />}
    </section>
  );
}

/** Each template's items by status now, with when the first quarantined number comes back. */
function StockSummary({ onTemplate }: { onTemplate: (name: string) => void }) {
  const { t } = useTranslation();
  const local = useLocal();
  const summary = useStockSummary();
  const cols = ['reserved', 'assigned', 'retired', 'quarantined'] as const;
  return (
    <Loaded query={summary}>
      {(rows: TemplateSummary[]) => (
        <>
        <h2 id="inv-summary">{t('inventory.summaryTitle')}</h2>
        <table className="table" aria-labelledby="inv-summary" data-testid="inventory-summary">
          <thead>
            <tr>
              <th scope="col">{t('inventory.template')}</th>
              <th scope="col" className="num">
                {t('inventory.counts.available')}
              </th>
              {cols.map((c) => (
                <th key={c} scope="col" className="num">
                  {t(`status.${c}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.template.id} data-template={s.template.name}>
                <th scope="row">
                  <button type="button" className="btn-link" onClick={() => onTemplate(s.template.name)} title={t('inventory.showTemplate', { template: local.template(s.template.name) })}>
                    {local.template(s.template.name)}
                  </button>
                </th>
                <td className="num" data-count="available">
                  {number(s.available)}
                </td>
                {cols.map((c) => (
                  <td key={c} className="num" data-count={c}>
                    {number(s.counts[c])}
                    {c === 'quarantined' && s.nextReturn && <span className="small muted"> {t('inventory.nextReturn', { date: date(s.nextReturn) })}</span>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        </>
      )}
    </Loaded>
  );
}

function AddItems({ templates }: { templates: { name: string; attributes: { name: string; label: string }[] }[] }) {
  const { t } = useTranslation();
  const local = useLocal();
  const id = useId();
  const add = useAddItems();
  const [template, setTemplate] = useState(templates[0]?.name ?? '');
  const [text, setText] = useState('');
  const [status, setStatus] = useState<'new' | 'in_stock'>('new');
  const attrs = templates.find((x) => x.name === template)?.attributes ?? [];
  return (
    <form
      className="card form"
      aria-label={t('inventory.add')}
      onSubmit={(e) => {
        e.preventDefault();
        const items = text
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .map((line) => {
            const [reference, ...values] = line.split(',').map((v) => v.trim());
            return { reference: reference!, attributes: Object.fromEntries(attrs.map((a, i) => [a.name, values[i] ?? ''])), status };
          });
        add.mutate({ template, items }, { onSuccess: () => setText('') });
      }}
    >
      <h2>{t('inventory.add')}</h2>
      <Field id={`${id}-t`} label={t('inventory.template')}>
        <select id={`${id}-t`} value={template} onChange={(e) => setTemplate(e.target.value)}>
          {templates.map((tpl) => (
            <option key={tpl.name} value={tpl.name}>
              {local.template(tpl.name)}
            </option>
          ))}
        </select>
      </Field>
      <Field id={`${id}-s`} label={t('inventory.initialStatus')}>
        <select id={`${id}-s`} value={status} onChange={(e) => setStatus(e.target.value as 'new')}>
          <option value="new">{t('status.new')}</option>
          <option value="in_stock">{t('status.in_stock')}</option>
        </select>
      </Field>
      <Field id={`${id}-i`} label={t('inventory.items')} required hint={t('inventory.addHelp', { attributes: attrs.map((a) => a.label).join(', ') })}>
        <textarea id={`${id}-i`} required rows={5} value={text} onChange={(e) => setText(e.target.value)} aria-describedby={`${id}-i-hint`} />
      </Field>
      <ErrorNote error={add.error} />
      {add.data && <p role="status">{t('inventory.added', { count: add.data.created, template: add.data.template.name })}</p>}
      <button type="submit" className="btn btn-primary" disabled={add.isPending}>
        {t('inventory.add')}
      </button>
    </form>
  );
}
