import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useAddItems, useItems, useTemplates } from '../api/inventory';
import { useSession } from '../api/session';
import type { ItemStatus } from '../api/types';
import { ErrorNote, Field, Loaded, StatusBadge } from '../components/common';
import { useLocal } from '../i18n/local';

const statuses: ItemStatus[] = ['new', 'in_stock', 'reserved', 'assigned', 'retired'];

/** Stock by template and status, and a form to add items in bulk. */
export function Inventory() {
  const { t } = useTranslation();
  const local = useLocal();
  const id = useId();
  const templates = useTemplates();
  const session = useSession();
  const [template, setTemplate] = useState('');
  const [status, setStatus] = useState<ItemStatus | ''>('');
  const [q, setQ] = useState('');
  const [limit, setLimit] = useState(100);
  const items = useItems({ template: template || undefined, status: status || undefined, q: q || undefined, limit });
  return (
    <section aria-labelledby="inv-title">
      <h1 id="inv-title">{t('inventory.title')}</h1>
      <div className="toolbar">
        <Field id={`${id}-t`} label={t('inventory.template')}>
          <select id={`${id}-t`} value={template} onChange={(e) => setTemplate(e.target.value)}>
            <option value="">{t('inventory.allTemplates')}</option>
            {templates.data?.map((tpl) => (
              <option key={tpl.id} value={tpl.name}>
                {local.template(tpl.name)}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-s`} label={t('inventory.status')}>
          <select id={`${id}-s`} value={status} onChange={(e) => setStatus(e.target.value as ItemStatus | '')}>
            <option value="">{t('inventory.allStatuses')}</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-q`} label={t('inventory.filter')}>
          <input id={`${id}-q`} type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </Field>
      </div>
      <Loaded query={items}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">{t('inventory.none')}</p>
          ) : (
            <>
              <table className="table">
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
                  {list.map((i) => (
                    <tr key={i.id}>
                      <td>{i.reference}</td>
                      <td>{local.template(i.templateName)}</td>
                      <td className="small">
                        {Object.entries(i.attributes)
                          .map(([k, v]) => `${k.toUpperCase()} ${v}`)
                          .join(' · ')}
                      </td>
                      <td>
                        <StatusBadge status={i.status} />
                      </td>
                      <td>{i.serviceId ? <Link to={`/services/${i.serviceId}`}>{i.serviceId}</Link> : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {list.length === limit && (
                <button type="button" className="btn" onClick={() => setLimit(limit + 100)}>
                  {t('inventory.more')}
                </button>
              )}
            </>
          )
        }
      </Loaded>
      {session.data?.role === 'admin' && templates.data && <AddItems templates={templates.data} />}
    </section>
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
