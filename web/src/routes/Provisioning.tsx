import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { batchLive, useBatches } from '../api/bulk';
import { useCancelProvision, useLogs, useProgress, useProvisions, useRetry } from '../api/provisioning';
import type { Batch, ProvisionStatus } from '../api/types';
import { ErrorNote, Loaded, ServerDetail, StatusBadge } from '../components/common';
import { dateTime } from '../format';
import { useServerError } from '../i18n/server-text';
import { TaskList, TaskLogs } from '../wizard/ProgressStep';
import { BatchProgress } from './BulkBatch';
import { useLocal } from '../i18n/local';

const statuses: ProvisionStatus[] = ['queued', 'running', 'failed', 'timed_out', 'succeeded', 'cancelled'];

/** What is running, what failed (R13): recent runs, each opening its progress and logs. */
export function Provisioning() {
  const { t } = useTranslation();
  const local = useLocal();
  const [params, setParams] = useSearchParams();
  const status = (params.get('status') as ProvisionStatus | null) ?? undefined;
  const list = useProvisions({ status });
  return (
    <section aria-labelledby="prov-title">
      <h1 id="prov-title">{t('provisioning.title')}</h1>
      <Batches />
      <h2 id="runs-title">{t('provisioning.recent')}</h2>
      <div className="toolbar">
        <label>
          {t('provisioning.filter')}{' '}
          <select value={status ?? ''} onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {}, { replace: true })}>
            <option value="">{t('provisioning.all')}</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Loaded query={list}>
        {(items) =>
          items.length === 0 ? (
            <p className="muted">{t('provisioning.none')}</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('provisioning.columns.when')}</th>
                  <th scope="col">{t('provisioning.columns.customer')}</th>
                  <th scope="col">{t('provisioning.columns.product')}</th>
                  <th scope="col">{t('provisioning.columns.status')}</th>
                  <th scope="col">{t('provisioning.columns.progress')}</th>
                  <th scope="col">{t('provisioning.columns.by')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <Link to={`/provisioning/${p.id}`} aria-label={t('provisioning.open', { customer: p.customerName })}>
                        {dateTime(p.createdAt)}
                      </Link>
                    </td>
                    <td>
                      <Link to={`/customers/${p.customerId}`}>{p.customerName}</Link>
                    </td>
                    <td>{local.productName({ name: p.productName })}</td>
                    <td>
                      <StatusBadge status={p.status} />
                      {p.error && <div className="small error-text">{p.error}</div>}
                    </td>
                    <td>{t('wizard.progress.summary', { completed: p.completed, total: p.total })}</td>
                    <td className="small">{p.requestedBy}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}

/** How many finished batches the queue shows below the ones going. */
const FINISHED_SHOWN = 5;

/** The bulk queue (R11.5): batches running or paused, then the latest finished, each opening its page. */
function Batches() {
  const { t } = useTranslation();
  const list = useBatches(20);
  return (
    <section aria-labelledby="batches-title" className="batches">
      <div className="row">
        <h2 id="batches-title">{t('bulk.list.title')}</h2>
        <span className="spacer" />
        <Link to="/bulk/new" className="btn">
          {t('bulk.list.import')}
        </Link>
      </div>
      <Loaded query={list}>
        {(items) => {
          const going = items.filter(batchLive);
          const finished = items.filter((b) => !batchLive(b)).slice(0, FINISHED_SHOWN);
          if (items.length === 0) return <p className="muted">{t('bulk.list.none')}</p>;
          return (
            <>
              {going.length > 0 && <BatchTable id="batches-going" title={t('bulk.list.going')} items={going} />}
              {finished.length > 0 && <BatchTable id="batches-finished" title={t('bulk.list.finished')} items={finished} />}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function BatchTable({ id, title, items }: { id: string; title: string; items: Batch[] }) {
  const { t } = useTranslation();
  return (
    <>
      <h3 id={id} className="eyebrow">
        {title}
      </h3>
      <table className="table" aria-labelledby={id}>
        <thead>
          <tr>
            <th scope="col">{t('bulk.list.columns.name')}</th>
            <th scope="col">{t('bulk.list.columns.status')}</th>
            <th scope="col">{t('bulk.list.columns.progress')}</th>
            <th scope="col">{t('bulk.list.columns.by')}</th>
            <th scope="col">{t('bulk.list.columns.when')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((b) => (
            <tr key={b.id}>
              <td>
                <Link to={`/bulk/${b.id}`} aria-label={t('bulk.list.open', { name: b.name })}>
                  {b.name}
                </Link>
              </td>
              <td>
                <StatusBadge status={b.status} />
              </td>
              <td>
                <BatchProgress batch={b} />
              </td>
              <td className="small">{b.createdBy}</td>
              <td className="small">{dateTime(b.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** One run: its live task list, its error, its logs, and Retry / Cancel when it failed. */
export function ProvisionDetail() {
  const { t } = useTranslation();
  const local = useLocal();
  const id = useParams().id!;
  const progress = useProgress(id);
  const logs = useLogs(id);
  const retry = useRetry();
  const cancel = useCancelProvision();
  const readable = useServerError();
  const p = progress.data;
  const failure = p?.error && readable(p.error);
  // The logs follow the run as it goes.
  useEffect(() => {
    void logs.refetch();
  }, [p?.completed, p?.status, p?.attempt]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <Loaded query={progress}>
      {() => (
        <section aria-labelledby="run-title">
          <h1 id="run-title">
            {t('provisioning.run')} <StatusBadge status={p!.status} />
          </h1>
          <p className="muted">
            {local.productName(p!.product)} · <Link to={`/customers/${p!.customer.id}`}>{p!.customer.name}</Link>
            {p!.service && (
              <>
                {' '}
                · <Link to={`/services/${p!.service.id}`}>{p!.service.name}</Link>
              </>
            )}{' '}
            · {t('wizard.progress.provisioningId')}
            {t('app.colon')} {p!.id}
          </p>
          <TaskList progress={p!} />
          <p role="status" aria-live="polite">
            {t('wizard.progress.summary', { completed: p!.completed, total: p!.total })}
          </p>
          {failure && (
            <div className="note note-error" role="alert">
              <p>
                <strong>{t('wizard.progress.failureTitle', { message: failure.message })}</strong>
              </p>
              {failure.hint && <p>{failure.hint}</p>}
              <ServerDetail error={failure} />
            </div>
          )}
          {(p!.status === 'failed' || p!.status === 'timed_out') && (
            <div className="row">
              <button type="button" className="btn btn-primary" disabled={retry.isPending} onClick={() => retry.mutate({ id, attempt: p!.attempt })}>
                {t('wizard.progress.retry')}
              </button>
              {p!.kind === 'new_service' && p!.service?.status !== 'active' && (
                <button type="button" className="btn" disabled={cancel.isPending} onClick={() => cancel.mutate(id)}>
                  {t('app.cancel')}
                </button>
              )}
            </div>
          )}
          <ErrorNote error={retry.error ?? cancel.error} />
          <TaskLogs logs={logs.data} loading={logs.isPending} headingLevel={2} />
          {logs.data && (
            <details>
              <summary>{t('provisioning.events')}</summary>
              <ol className="small">
                {logs.data.events.map((e) => (
                  <li key={e.id}>
                    {dateTime(e.occurredAt)} · {e.taskSeq ? `#${e.taskSeq} ` : ''}
                    {t(`status.${e.status}` as 'status.active', { defaultValue: e.status })} {e.message ? `· ${e.message}` : ''}
                  </li>
                ))}
              </ol>
            </details>
          )}
        </section>
      )}
    </Loaded>
  );
}
