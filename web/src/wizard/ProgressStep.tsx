import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ended, useLogs, useProgress, useRetry } from '../api/provisioning';
import type { Progress, ProvisionLogs, TaskStatus } from '../api/types';
import { ErrorNote, Loading, ServerDetail, StatusBadge } from '../components/common';
import { balanceAmount, dateTime } from '../format';
import { useLocal } from '../i18n/local';
import { useServerError } from '../i18n/server-text';
import { WizardFooter } from './WizardFooter';

/** The marks of R7.1 (done, running, pending, failed) as drawings: no glyph depends on a font. */
const markPaths: Record<TaskStatus, string> = {
  succeeded: 'M4 12.5l5 5L20 6.5',
  running: 'M12 3a9 9 0 1 1-9 9',
  pending: 'M12 7a5 5 0 1 0 0 10 5 5 0 1 0 0-10z',
  failed: 'M6 6l12 12M18 6L6 18',
  ignored: 'M12 5v9M12 18.5v.5',
  skipped: 'M6 12h12',
  rolled_back: 'M9 7L4 12l5 5M4 12h10a6 6 0 0 1 0 12',
};
function Mark({ status }: { status: TaskStatus }) {
  return (
    <svg className="task-mark" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={markPaths[status]} />
    </svg>
  );
}

/** R7 and R8: the live task list, then success or failure with the way out. */
export function ProgressStep({ provisionId, onClose }: { provisionId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const progress = useProgress(provisionId);
  const [showLogs, setShowLogs] = useState(false);
  const p = progress.data;
  // The log follows the run: read again whenever the run moves (a retry, each task), while it is shown.
  const logs = useLogs(provisionId, showLogs || (p?.kind === 'addon' && p.status === 'succeeded'), p?.version);
  const local = useLocal();
  const retry = useRetry();
  const readable = useServerError();

  if (!p) return progress.error ? <ErrorNote error={progress.error} /> : <Loading />;
  const done = ended(p.status);
  const failure = p.error && readable(p.error);
  const failedTask = p.tasks.find((x) => x.seq === p.error?.taskSeq);

  return (
    <div className="progress">
      <h4>{t('wizard.progress.heading')}</h4>
      <TaskList progress={p} />
      <p className="progress-summary" role="status" aria-live="polite" data-testid="progress-summary">
        {t('wizard.progress.summary', { completed: p.completed, total: p.total })}
      </p>
      {!done && <p className="muted small">{progress.mode === 'live' ? t('wizard.progress.live') : t('wizard.progress.polling')}</p>}

      {p.status === 'succeeded' && <Success progress={p} logs={logs.data} />}
      {(p.status === 'failed' || p.status === 'timed_out') && failure && (
        <section className="outcome outcome-failure" role="alert" aria-labelledby="failure-title">
          <h5 id="failure-title">{t('wizard.progress.failureTitle', { message: failure.message })}</h5>
          {p.status === 'timed_out' && <p>{t('wizard.progress.timedOut')}</p>}
          <p data-testid="failure-text">
            {p.kind === 'addon' || !p.service
              ? t('wizard.progress.failureTextAddon')
              : p.service.status === 'active'
                ? t('wizard.progress.failureActive', { service: p.service.name })
                : t('wizard.progress.failureNotActive', { service: p.service.name, status: t(`status.${p.service.status}`, { defaultValue: p.service.status }) })}
          </p>
          {failure.hint && (
            <p>
              <strong>{t('app.hintLabel')}</strong> {failure.hint}
            </p>
          )}
          <ServerDetail error={failure} />
          <dl className="summary">
            <dt>{t('wizard.progress.provisioningId')}</dt>
            <dd data-testid="provisioning-id">{p.id}</dd>
            {(failedTask || p.error?.task) && (
              <>
                <dt>{t('wizard.progress.failedTask')}</dt>
                <dd>{failedTask ? local.task(failedTask) : p.error?.task}</dd>
              </>
            )}
          </dl>
        </section>
      )}

      {showLogs && <TaskLogs logs={logs.data} loading={logs.isPending} />}
      <ErrorNote error={retry.error} />

      <WizardFooter>
        {(p.status === 'failed' || p.status === 'timed_out') && (
          <>
            <button type="button" className="btn" onClick={() => setShowLogs(true)}>
              {t('wizard.progress.viewLogs')}
            </button>
            <button type="button" className="btn btn-primary" disabled={retry.isPending} onClick={() => retry.mutate({ id: p.id, attempt: p.attempt })}>
              {retry.isPending ? t('wizard.progress.retrying') : t('wizard.progress.retry')}
            </button>
          </>
        )}
        {!done && (
          <button type="button" className="btn" aria-expanded={showLogs} onClick={() => setShowLogs(!showLogs)}>
            {showLogs ? t('wizard.progress.hideDetails') : t('wizard.progress.details')}
          </button>
        )}
        <span className="spacer" />
        {p.status === 'succeeded' && p.service && (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              onClose();
              navigate(`/services/${p.service!.id}`);
            }}
          >
            {t('wizard.progress.viewService')}
          </button>
        )}
        <button type="button" className="btn" onClick={onClose}>
          {t('wizard.close')}
        </button>
      </WizardFooter>
    </div>
  );
}

export function TaskList({ progress }: { progress: Progress }) {
  const { t } = useTranslation();
  const local = useLocal();
  return (
    <ol className="task-list" aria-label={t('wizard.progress.heading')}>
      {progress.tasks.map((task) => (
        <li key={task.seq} className={`task task-${task.status}`} data-status={task.status}>
          <Mark status={task.status} />
          <span className="task-name">{local.task(task)}</span>
          <span className="sr-only"> ({t(`wizard.progress.marks.${task.status}`)})</span>
          {task.status === 'running' && <span className="muted small"> {t('status.running')}…</span>}
        </li>
      ))}
    </ol>
  );
}

/** R8.1 (and R9.3 for add-ons: the balance before and after). */
function Success({ progress: p, logs }: { progress: Progress; logs: ProvisionLogs | undefined }) {
  const { t } = useTranslation();
  const local = useLocal();
  const balance = logs?.tasks.find((x) => x.action === 'ocs.add_balance')?.output as { before?: number; after?: number; unit?: string; type?: string } | null | undefined;
  return (
    <section className="outcome outcome-success" role="status" aria-labelledby="success-title">
      <h5 id="success-title">
        {p.kind === 'addon' && p.service
          ? t('wizard.progress.addonTitle', { product: local.productName(p.product), service: p.service.name, customer: p.customer.name })
          : t('wizard.progress.successTitle', { customer: p.customer.name })}
      </h5>
      {p.service && (
        <dl className="summary">
          <dt>{t('wizard.progress.serviceId')}</dt>
          <dd data-testid="service-id">{p.service.id}</dd>
          <dt>{t('wizard.progress.serviceName')}</dt>
          <dd data-testid="service-name">{p.service.name}</dd>
          <dt>{t('wizard.progress.status')}</dt>
          <dd>
            <StatusBadge status={p.service.status} />
          </dd>
        </dl>
      )}
      {balance && balance.after !== undefined && (
        <p className="balance-change" data-testid="balance-change">
          {t('wizard.progress.balanceChange', {
            type: t(`service.balanceTypes.${(balance.type ?? 'data') as 'data'}`),
            before: balanceAmount(balance.before ?? 0, balance.unit ?? ''),
            after: balanceAmount(balance.after, balance.unit ?? ''),
          })}
        </p>
      )}
    </section>
  );
}

/** R7.3: each task's output and log. */
export function TaskLogs({ logs, loading, headingLevel = 5 }: { logs: ProvisionLogs | undefined; loading: boolean; headingLevel?: 2 | 5 }) {
  const { t } = useTranslation();
  const local = useLocal();
  const Heading = headingLevel === 2 ? 'h2' : 'h5';
  if (loading || !logs) return <Loading />;
  return (
    <section className="task-logs" aria-label={t('provisioning.logs')}>
      <Heading>{t('provisioning.logs')}</Heading>
      {logs.tasks.map((task) => (
        <details key={task.seq} open={task.status === 'failed'} className={`task-log task-${task.status}`}>
          <summary>
            {task.seq}. {local.task(task)} · <StatusBadge status={task.status} /> · {t('provisioning.attempts', { count: task.attempts })}
          </summary>
          {task.error && <p className="error-text">{task.error}</p>}
          <pre className="log">{task.log.map((l) => `${dateTime(l.at)}  ${l.line}`).join('\n') || '—'}</pre>
          {task.output && (
            <>
              <p className="eyebrow">{t('provisioning.output')}</p>
              <pre className="log">{JSON.stringify(task.output, null, 2)}</pre>
            </>
          )}
        </details>
      ))}
    </section>
  );
}
