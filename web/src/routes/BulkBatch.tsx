import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { type RowFilter, batchLive, bulkKeys, failedOf, rowFilters, useBatch, useBatchAction, useBatchRows } from '../api/bulk';
import { useSession } from '../api/session';
import type { Batch } from '../api/types';
import { ErrorNote, Field, Loaded, Loading, StatusBadge } from '../components/common';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { dateTime, duration, number } from '../format';
import { useServerError } from '../i18n/server-text';
import { useClauseText } from '../i18n/local';

/** Rows that will be run (every row but the invalid ones), and how many of them have finished. */
export function progressOf(b: Batch) {
  const c = b.counts;
  const total = c.pending + c.queued + c.running + c.succeeded + c.failed + c.timed_out + c.cancelled;
  const done = c.succeeded + c.failed + c.timed_out + c.cancelled;
  return { done, total, percent: total ? Math.floor((done * 100) / total) : 100 };
}

/** A batch's progress as a bar and in words. */
export function BatchProgress({ batch }: { batch: Batch }) {
  const { t } = useTranslation();
  const { done, total, percent } = progressOf(batch);
  const text = t('bulk.batch.progressText', { count: done, done: number(done), total: number(total), percent });
  return (
    <div className="batch-progress">
      <progress max={Math.max(total, 1)} value={total ? done : 1} aria-label={t('bulk.batch.progress')} aria-valuetext={text} />
      <span className="small" data-testid="batch-progress-text">
        {text}
      </span>
    </div>
  );
}

/** The counts a batch shows, in the order rows go through (failed includes timed out). */
const countKeys = ['pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'invalid'] as const;
const countOf = (b: Batch, k: (typeof countKeys)[number]) => (k === 'failed' ? failedOf(b) : b.counts[k]);

/**
 * One batch (R11.4): its progress, counts by status, rate and time left, refreshed every second
 * while it runs; pause, resume, cancel, retry the failed rows, the results as CSV; and its rows.
 */
export function BatchDetail() {
  const { t } = useTranslation();
  const id = useParams().id!;
  const batch = useBatch(id);
  const session = useSession();
  const action = useBatchAction(id);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const canAct = session.data?.role === 'agent' || session.data?.role === 'admin';

  return (
    <Loaded query={batch}>
      {(b) => {
        const failed = failedOf(b);
        return (
          <section aria-labelledby="batch-title">
            <h1 id="batch-title">
              {b.name} <StatusBadge status={b.status} />
            </h1>
            <p className="muted">
              {t('bulk.batch.created', { name: b.createdBy, date: dateTime(b.createdAt) })}
              {b.finishedAt && <> · {t('bulk.batch.finished', { date: dateTime(b.finishedAt) })}</>}
              {b.params.product && <> · {t('bulk.batch.product', { product: b.params.product })}</>} · {t('bulk.batch.concurrency', { count: b.concurrency })}
            </p>
            <div className="card">
              <BatchProgress batch={b} />
              <h2 className="sr-only">{t('bulk.batch.counts')}</h2>
              <dl className="stats" data-testid="batch-counts">
                {countKeys.map((k) => (
                  <div key={k} className={`stat stat-${k}${countOf(b, k) > 0 ? ' stat-some' : ''}`}>
                    <dt>{t(`bulk.batch.count.${k}`)}</dt>
                    <dd data-testid={`count-${k}`}>{number(countOf(b, k))}</dd>
                  </div>
                ))}
              </dl>
              <dl className="summary">
                <dt>{t('bulk.batch.rate')}</dt>
                <dd data-testid="batch-rate">{t('bulk.batch.ratePerMinute', { rate: number(b.ratePerMinute) })}</dd>
                {batchLive(b) && (
                  <>
                    <dt>{t('bulk.batch.timeLeft')}</dt>
                    <dd data-testid="batch-eta">
                      {b.status === 'paused' ? t('bulk.batch.whilePaused') : b.etaSeconds === null ? t('bulk.batch.unknown') : b.etaSeconds === 0 ? t('bulk.batch.done') : duration(b.etaSeconds)}
                    </dd>
                  </>
                )}
              </dl>
              <div className="row">
                {canAct && b.status === 'running' && (
                  <button type="button" className="btn" disabled={action.isPending} onClick={() => action.mutate('pause')}>
                    {t('bulk.batch.pause')}
                  </button>
                )}
                {canAct && b.status === 'paused' && (
                  <button type="button" className="btn btn-primary" disabled={action.isPending} onClick={() => action.mutate('resume')}>
                    {t('bulk.batch.resume')}
                  </button>
                )}
                {canAct && failed > 0 && b.status !== 'cancelled' && (
                  <button type="button" className="btn" disabled={action.isPending} onClick={() => action.mutate('retry-failed')}>
                    {t('bulk.batch.retryFailed')}
                  </button>
                )}
                {canAct && (b.status === 'running' || b.status === 'paused') && (
                  <button type="button" className="btn btn-danger-outline" disabled={action.isPending} onClick={() => setConfirmCancel(true)}>
                    {t('bulk.batch.cancel')}
                  </button>
                )}
                <span className="spacer" />
                <a className="btn" href={`/api/batches/${b.id}/results.csv`} download>
                  {t('bulk.batch.download')}
                </a>
              </div>
              <ErrorNote error={action.error} />
              {action.data?.retried !== undefined && (
                <p role="status" className="ok-text">
                  {t('bulk.batch.retried', { count: action.data.retried })}
                </p>
              )}
            </div>
            {confirmCancel && (
              <ConfirmDialog
                title={t('bulk.batch.cancelTitle')}
                message={t('bulk.batch.cancelMessage')}
                confirmLabel={t('bulk.batch.cancelYes')}
                danger
                onCancel={() => setConfirmCancel(false)}
                onConfirm={() => {
                  setConfirmCancel(false);
                  action.mutate('cancel');
                }}
              />
            )}
            <Rows batch={b} />
          </section>
        );
      }}
    </Loaded>
  );
}

/** The rows, filtered by status, a page at a time; each opens its run and its service. */
function Rows({ batch }: { batch: Batch }) {
  const { t } = useTranslation();
  const clause = useClauseText();
  const readable = useServerError();
  const id = useId();
  const qc = useQueryClient();
  const [status, setStatus] = useState<RowFilter | ''>('');
  const rows = useBatchRows(batch.id, status || undefined);

  // The rows are read again whenever the counts move (a row changed status), not on a timer.
  const signature = `${batch.status}|${batch.finishedAt ?? ''}|${Object.values(batch.counts).join(',')}`;
  const last = useRef(signature);
  useEffect(() => {
    if (last.current === signature) return;
    last.current = signature;
    void qc.invalidateQueries({ queryKey: [...bulkKeys.all, 'rows', batch.id] });
  }, [signature, batch.id, qc]);

  const items = rows.data?.pages.flat() ?? [];
  return (
    <section aria-labelledby="rows-title">
      <h2 id="rows-title">{t('bulk.batch.rows')}</h2>
      <div className="toolbar">
        <Field id={`${id}-status`} label={t('bulk.batch.filter')}>
          <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as RowFilter | '')}>
            <option value="">{t('bulk.batch.all')}</option>
            {rowFilters.map((s) => (
              <option key={s} value={s}>
                {t(`bulk.batch.count.${s}`)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {rows.error ? (
        <ErrorNote error={rows.error} onRetry={() => void rows.refetch()} />
      ) : rows.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted">{t('bulk.batch.noRows')}</p>
      ) : (
        <>
          <table className="table" aria-labelledby="rows-title" data-testid="batch-rows">
            <thead>
              <tr>
                <th scope="col" className="num">
                  {t('bulk.batch.columns.line')}
                </th>
                <th scope="col">{t('bulk.batch.columns.customer')}</th>
                <th scope="col">{t('bulk.batch.columns.status')}</th>
                <th scope="col">{t('bulk.batch.columns.links')}</th>
                <th scope="col">{t('bulk.batch.columns.error')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.line} data-line={r.line}>
                  <td className="num">{r.line}</td>
                  <td>
                    {r.customerId ? (
                      <>
                        <Link to={`/customers/${r.customerId}`}>{r.customerName ?? r.customerRef}</Link>
                        {r.customerName && (
                          <span className="muted small" title={t('bulk.batch.asInFile')}>
                            {' '}
                            ({r.customerRef})
                          </span>
                        )}
                      </>
                    ) : (
                      r.customerRef
                    )}
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>
                    {r.provisionId && (
                      <Link to={`/provisioning/${r.provisionId}`} aria-label={t('bulk.batch.openRun', { line: r.line })}>
                        {t('provisioning.run')}
                      </Link>
                    )}
                    {r.provisionId && r.serviceId && ' · '}
                    {r.serviceId && <Link to={`/services/${r.serviceId}`}>{t('bulk.batch.openService', { id: r.serviceId })}</Link>}
                  </td>
                  <td className="small error-text" title={r.error ?? undefined}>
                    {r.failedTask && <strong>{t('bulk.batch.failedAt', { seq: r.failedTask.seq, name: r.failedTask.name })}</strong>}
                    {r.error ? readable({ code: r.errorCode ?? '', message: r.error }).message : r.errors.map((e) => `${e.column}${t('app.colon')} ${clause(e)}`).join(' · ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.hasNextPage && (
            <button type="button" className="btn more" disabled={rows.isFetchingNextPage} onClick={() => void rows.fetchNextPage()}>
              {rows.isFetchingNextPage ? t('app.loading') : t('bulk.batch.more')}
            </button>
          )}
        </>
      )}
    </section>
  );
}
