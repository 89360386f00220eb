import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { type Selection, type TriageFilters, triageStates, useBulkAction, useTriage } from '../api/operations';
import { useSession } from '../api/session';
import type { BulkResult, RunOutcome, TriageList, TriageRow, TriageState } from '../api/types';
import { ErrorNote, Field, Loading, StatusBadge } from '../components/common';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { dateTime, duration, number } from '../format';
import { useServerError } from '../i18n/server-text';

const PAGE = 50;

/** The "Runs" filter: every state, the two that ended badly, or one. */
const stateChoices: Record<string, TriageState[] | undefined> = {
  '': undefined,
  ended: ['failed', 'timed_out'],
  ...Object.fromEntries(triageStates.map((s) => [s, [s]])),
};
const stateChoiceOf = (s: TriageState[] | undefined) => Object.entries(stateChoices).find(([, v]) => (v ?? []).join() === (s ?? []).join())?.[0] ?? '';

/** The "Age" filter, in minutes. */
const ages: Record<string, Pick<TriageFilters, 'newerThanMinutes' | 'olderThanMinutes'>> = {
  '': {},
  newer60: { newerThanMinutes: 60 },
  newer1440: { newerThanMinutes: 1440 },
  older60: { olderThanMinutes: 60 },
  older1440: { olderThanMinutes: 1440 },
};
const ageOf = (f: TriageFilters) => Object.entries(ages).find(([, v]) => v.newerThanMinutes === f.newerThanMinutes && v.olderThanMinutes === f.olderThanMinutes)?.[0] ?? '';

type Picked = { kind: 'some'; runs: Map<string, number> } | { kind: 'all' };
type Asking = { action: 'retry' | 'cancel'; count: number; selection: Selection } | null;

/**
 * Failed-run triage (issue 12): failed and timed-out runs and those running or queued too long,
 * filtered, a page at a time; some or all of them picked, then Retry selected or Cancel selected,
 * each confirmed, and what became of every run said.
 */
export function Triage() {
  const { t } = useTranslation();
  const id = useId();
  const session = useSession();
  const canAct = session.data?.role === 'agent' || session.data?.role === 'admin';
  const [filters, setFilters] = useState<TriageFilters>({});
  const [offset, setOffset] = useState(0);
  const [picked, setPicked] = useState<Picked>({ kind: 'some', runs: new Map() });
  const [asking, setAsking] = useState<Asking>(null);
  const list = useTriage(filters, { limit: PAGE, offset });
  const action = useBulkAction();

  const change = (f: Partial<TriageFilters>) => {
    setFilters((old) => ({ ...old, ...f }));
    setOffset(0);
    setPicked({ kind: 'some', runs: new Map() });
  };
  const data = list.data;
  const items = data?.items ?? [];
  const count = picked.kind === 'all' ? (data?.total ?? 0) : picked.runs.size;
  // "All matching" is what the list showed: runs that failed since are left for the next look.
  const selection: Selection = picked.kind === 'all' ? { filter: { ...filters, ...(data?.asOf && { asOf: data.asOf }) } } : { ids: [...picked.runs.keys()], attempts: Object.fromEntries(picked.runs) };
  const toggle = (r: TriageRow, on: boolean) =>
    setPicked((p) => {
      const runs = new Map(p.kind === 'some' ? p.runs : items.map((i) => [i.id, i.attempt]));
      if (on) runs.set(r.id, r.attempt);
      else runs.delete(r.id);
      return { kind: 'some', runs };
    });
  const isPicked = (r: TriageRow) => picked.kind === 'all' || picked.runs.has(r.id);
  const pageAll = items.length > 0 && items.every(isPicked);

  return (
    <section aria-labelledby={`${id}-title`} className="triage">
      <h2 id={`${id}-title`}>{t('operations.triage.title')}</h2>
      <p className="muted intro">{t('operations.triage.intro', { minutes: filters.longerThanMinutes ?? data?.longerThanMinutes ?? 10 })}</p>
      <Filters filters={filters} facets={data?.facets} onChange={change} />

      {canAct && (
        <div className="row triage-actions" data-testid="triage-actions">
          <span role="status" className="small">
            {picked.kind === 'all' ? t('operations.triage.allPicked', { count, n: number(count) }) : count ? t('operations.triage.picked', { count, n: number(count) }) : ''}
          </span>
          {data && data.total > items.length && picked.kind === 'some' && pageAll && (
            <button type="button" className="btn btn-link" onClick={() => setPicked({ kind: 'all' })}>
              {t('operations.triage.pickAll', { count: data.total, n: number(data.total) })}
            </button>
          )}
          {count > 0 && (
            <button type="button" className="btn btn-link" onClick={() => setPicked({ kind: 'some', runs: new Map() })}>
              {t('operations.triage.clear')}
            </button>
          )}
          <span className="spacer" />
          <button type="button" className="btn btn-primary" disabled={!count || action.isPending} onClick={() => setAsking({ action: 'retry', count, selection })}>
            {t('operations.triage.retry')}
          </button>
          <button type="button" className="btn btn-danger-outline" disabled={!count || action.isPending} onClick={() => setAsking({ action: 'cancel', count, selection })}>
            {t('operations.triage.cancel')}
          </button>
        </div>
      )}
      <ErrorNote error={action.error} />
      {action.data && <Outcome result={action.data} action={action.variables!.action} />}

      {list.error ? (
        <ErrorNote error={list.error} onRetry={() => void list.refetch()} />
      ) : !data ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="note note-empty" data-testid="triage-empty">
          {t('operations.triage.none')}
        </p>
      ) : (
        <>
          <Rows
            items={items}
            canAct={canAct}
            isPicked={isPicked}
            onToggle={toggle}
            pageAll={pageAll}
            onPage={(on) => setPicked(on ? { kind: 'some', runs: new Map(items.map((i) => [i.id, i.attempt])) } : { kind: 'some', runs: new Map() })}
          />
          <Pager total={data.total} offset={offset} shown={items.length} onOffset={setOffset} />
        </>
      )}

      {asking && (
        <ConfirmDialog
          title={t(`operations.triage.confirm.${asking.action}Title`, { count: asking.count, n: number(asking.count) })}
          message={`${t(`operations.triage.confirm.${asking.action}`, { count: asking.count, n: number(asking.count) })}${asking.count > 1000 ? ` ${t('operations.triage.confirm.first', { n: number(1000) })}` : ''}`}
          confirmLabel={t(`operations.triage.confirm.${asking.action}Yes`)}
          danger={asking.action === 'cancel'}
          onCancel={() => setAsking(null)}
          onConfirm={() => {
            const { action: what, selection: which } = asking;
            setAsking(null);
            action.mutate({ action: what, selection: which }, { onSuccess: () => setPicked({ kind: 'some', runs: new Map() }) });
          }}
        />
      )}
    </section>
  );
}

/** A filter whose values come from the runs themselves (the list's facets), with how many runs each. */
function FacetSelect({ id, label, values, value, onChange, name = (v) => v.value }: { id: string; label: string; values: { value: string; count: number; name?: string | null }[] | undefined; value: string | undefined; onChange: (v: string | undefined) => void; name?: (v: { value: string; name?: string | null }) => string }) {
  const { t } = useTranslation();
  const list = values ?? [];
  // The value chosen stays offered while the list is read again.
  const all = value && !list.some((v) => v.value === value) ? [{ value, count: 0 }, ...list] : list;
  return (
    <Field id={id} label={label}>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">{t('operations.triage.any')}</option>
        {all.map((v) => (
          <option key={v.value} value={v.value}>
            {name(v)}
            {v.count ? ` (${number(v.count)})` : ''}
          </option>
        ))}
      </select>
    </Field>
  );
}

function Filters({ filters, facets, onChange }: { filters: TriageFilters; facets: TriageList['facets'] | undefined; onChange: (f: Partial<TriageFilters>) => void }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="toolbar triage-filters">
      <Field id={`${id}-state`} label={t('operations.triage.filters.state')}>
        <select id={`${id}-state`} value={stateChoiceOf(filters.state)} onChange={(e) => onChange({ state: stateChoices[e.target.value] })}>
          {Object.keys(stateChoices).map((k) => (
            <option key={k} value={k}>
              {t(`operations.triage.states.${k || 'all'}`)}
            </option>
          ))}
        </select>
      </Field>
      <FacetSelect id={`${id}-code`} label={t('operations.triage.filters.errorCode')} values={facets?.errorCodes} value={filters.errorCode} onChange={(errorCode) => onChange({ errorCode })} />
      <FacetSelect id={`${id}-task`} label={t('operations.triage.filters.task')} values={facets?.tasks} value={filters.task} onChange={(task) => onChange({ task })} />
      <FacetSelect id={`${id}-playbook`} label={t('operations.triage.filters.playbook')} values={facets?.playbooks} value={filters.playbook} onChange={(playbook) => onChange({ playbook })} />
      <FacetSelect id={`${id}-batch`} label={t('operations.triage.filters.batch')} values={facets?.batches} value={filters.batchId} onChange={(batchId) => onChange({ batchId })} name={(b) => b.name ?? b.value.slice(0, 8)} />
      <Field id={`${id}-age`} label={t('operations.triage.filters.age')}>
        <select id={`${id}-age`} value={ageOf(filters)} onChange={(e) => onChange({ newerThanMinutes: undefined, olderThanMinutes: undefined, ...ages[e.target.value] })}>
          {Object.keys(ages).map((k) => (
            <option key={k} value={k}>
              {t(`operations.triage.ages.${k || 'any'}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field id={`${id}-longer`} label={t('operations.triage.filters.longer')}>
        <input
          id={`${id}-longer`}
          type="number"
          min={1}
          max={10080}
          inputMode="numeric"
          value={filters.longerThanMinutes ?? 10}
          onChange={(e) => {
            const n = Number(e.target.value);
            if (Number.isInteger(n) && n >= 1 && n <= 10080) onChange({ longerThanMinutes: n });
          }}
        />
      </Field>
    </div>
  );
}

function Rows({ items, canAct, isPicked, onToggle, pageAll, onPage }: { items: TriageRow[]; canAct: boolean; isPicked: (r: TriageRow) => boolean; onToggle: (r: TriageRow, on: boolean) => void; pageAll: boolean; onPage: (on: boolean) => void }) {
  const { t } = useTranslation();
  const readable = useServerError();
  const systemName = (s: string) => t(`operations.systems.${s}` as 'operations.systems.ocs', { defaultValue: s });
  return (
    <div className="table-wrap">
      <table className="table" data-testid="triage-rows">
        <caption className="sr-only">{t('operations.triage.title')}</caption>
        <thead>
          <tr>
            {canAct && (
              <th scope="col" className="pick">
                <input type="checkbox" checked={pageAll} onChange={(e) => onPage(e.target.checked)} aria-label={t('operations.triage.pickPage')} />
              </th>
            )}
            <th scope="col">{t('operations.triage.columns.since')}</th>
            <th scope="col">{t('operations.triage.columns.customer')}</th>
            <th scope="col">{t('operations.triage.columns.status')}</th>
            <th scope="col">{t('operations.triage.columns.task')}</th>
            <th scope="col">{t('operations.triage.columns.error')}</th>
            <th scope="col">{t('operations.triage.columns.batch')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => {
            const e = r.error && readable(r.error);
            return (
              <tr key={r.id} data-testid="triage-row" data-id={r.id} className={isPicked(r) ? 'picked' : undefined}>
                {canAct && (
                  <td className="pick">
                    <input type="checkbox" checked={isPicked(r)} onChange={(ev) => onToggle(r, ev.target.checked)} aria-label={t('operations.triage.pickOne', { customer: r.customer.name, product: r.product })} />
                  </td>
                )}
                <td>
                  <Link to={`/provisioning/${r.id}`} aria-label={t('operations.triage.open', { customer: r.customer.name, product: r.product })}>
                    {dateTime(r.since)}
                  </Link>
                  <div className="small muted">{t('operations.triage.ago', { time: duration(r.ageSeconds) })}</div>
                </td>
                <td>
                  <Link to={`/customers/${r.customer.id}`}>{r.customer.name}</Link>
                  <div className="small muted">
                    {r.product} · {r.playbook}
                  </div>
                </td>
                <td>
                  <StatusBadge status={r.status} />
                  <div className="small muted">{t('operations.triage.attempt', { n: r.attempt })}</div>
                </td>
                <td>
                  {r.task ? (
                    <>
                      {r.task.name}
                      <div className="small muted">{r.task.action}</div>
                    </>
                  ) : (
                    <span className="muted">–</span>
                  )}
                </td>
                <td>
                  {e ? (
                    <>
                      <span className="error-text">{e.message}</span>
                      <div className="small muted">
                        <code>{r.error!.code}</code>
                        {r.system && (
                          <>
                            {' '}
                            · {systemName(r.system)}
                          </>
                        )}
                      </div>
                    </>
                  ) : (
                    <span className="muted">{r.status === 'running' ? t('operations.triage.runningFor', { time: duration(r.ageSeconds) }) : t('operations.triage.queuedFor', { time: duration(r.ageSeconds) })}</span>
                  )}
                </td>
                <td>{r.batch ? <Link to={`/bulk/${r.batch.id}`}>{r.batch.name ?? r.batch.id.slice(0, 8)}</Link> : <span className="muted">–</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Pager({ total, offset, shown, onOffset }: { total: number; offset: number; shown: number; onOffset: (n: number) => void }) {
  const { t } = useTranslation();
  return (
    <div className="row pager">
      <span className="small" data-testid="triage-count">
        {t('operations.triage.range', { from: number(offset + 1), to: number(offset + shown), total: number(total) })}
      </span>
      <span className="spacer" />
      <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - PAGE))}>
        {t('operations.triage.previous')}
      </button>
      <button type="button" className="btn btn-small" disabled={offset + shown >= total} onClick={() => onOffset(offset + PAGE)}>
        {t('operations.triage.next')}
      </button>
    </div>
  );
}

/** What Retry selected or Cancel selected did: how many, and why each run left alone was. */
function Outcome({ result, action }: { result: BulkResult; action: 'retry' | 'cancel' }) {
  const { t } = useTranslation();
  const readable = useServerError();
  const left = result.results.filter((r): r is Extract<RunOutcome, { outcome: 'skipped' }> => r.outcome === 'skipped');
  return (
    <div className={`note ${left.length ? 'note-warning' : 'note-empty'}`} role="status" data-testid="triage-outcome">
      <p>
        <strong>{t(`operations.triage.done.${action}`, { count: result.done, n: number(result.done) })}</strong>
        {left.length > 0 && <> {t('operations.triage.done.skipped', { count: left.length, n: number(left.length) })}</>}
        {result.more && <> {t('operations.triage.done.more')}</>}
      </p>
      {left.length > 0 && (
        <ul className="small">
          {left.slice(0, 20).map((r) => {
            const why = readable({ code: r.code, message: r.reason, hint: r.hint });
            return (
              <li key={r.id}>
                <Link to={`/provisioning/${r.id}`}>{r.id.slice(0, 8)}</Link> {r.status && <StatusBadge status={r.status} />} {why.message}
                {why.hint && <span className="muted"> {why.hint}</span>}
              </li>
            );
          })}
          {left.length > 20 && <li>{t('operations.triage.done.andMore', { n: number(left.length - 20) })}</li>}
        </ul>
      )}
    </div>
  );
}
