import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { useSession } from '../api/session';
import type { WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint, WebhookEndpointWithSecret, WebhookEventType } from '../api/types';
import { useCreateEndpoint, useDeleteEndpoint, useDeliveries, useResend, useRotateSecret, useSendTest, useUpdateEndpoint, useWebhookEndpoints, webhookEvents } from '../api/webhooks';
import { ErrorNote, Field, Loaded } from '../components/common';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { CopyStatus, useCopy } from '../components/Copy';
import { dateTime } from '../format';

const deliveryBadge: Record<WebhookDeliveryStatus, string> = { pending: 'badge-paused', sending: 'badge-running', delivered: 'badge-active', failed: 'badge-failed' };

/**
 * For administrators (issue 12): the endpoints other systems get Switchboard's events at, each
 * with its delivery log; a secret is shown once, when it is made.
 */
export function Webhooks() {
  const { t } = useTranslation();
  const session = useSession();
  const selected = useParams().id ?? null;
  const [secret, setSecret] = useState<WebhookEndpointWithSecret | null>(null);
  if (session.data?.role !== 'admin') {
    return (
      <section>
        <h1>{t('webhooks.title')}</h1>
        <p className="note note-empty">{t('webhooks.adminsOnly')}</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">{t('webhooks.title')}</h1>
      <p className="intro">{t('webhooks.intro')}</p>
      {secret && <SecretOnce endpoint={secret} onDone={() => setSecret(null)} />}
      <EndpointList selected={selected} onSecret={setSecret} />
      {selected && <DeliveryLog endpointId={selected} />}
      <NewEndpoint onCreated={setSecret} />
    </section>
  );
}

/** The signing secret, the one time it is shown: to copy into the receiver's configuration. */
function SecretOnce({ endpoint, onDone }: { endpoint: WebhookEndpointWithSecret; onDone: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const { copied, copy } = useCopy();
  useEffect(() => heading.current?.focus(), [endpoint.secret]);
  return (
    <section className="card webhook-secret" aria-labelledby={`${id}-title`} data-testid="webhook-secret">
      <h2 id={`${id}-title`} ref={heading} tabIndex={-1}>
        {t('webhooks.secret.title')}
      </h2>
      <p>{t('webhooks.secret.intro', { url: endpoint.url })}</p>
      <p>
        <code className="secret" aria-label={t('webhooks.secret.label')}>
          {endpoint.secret}
        </code>
      </p>
      <div className="row">
        <button type="button" className="btn" onClick={() => void copy(endpoint.secret)}>
          {t('webhooks.secret.copy')}
        </button>
        <CopyStatus copied={copied} done={t('webhooks.secret.copied')} failed={t('webhooks.secret.copyFailed')} />
        <span className="spacer" />
        <button type="button" className="btn btn-primary" onClick={onDone}>
          {t('webhooks.secret.done')}
        </button>
      </div>
    </section>
  );
}

type Asking = { kind: 'disable' | 'rotate' | 'delete'; endpoint: WebhookEndpoint };

function EndpointList({ selected, onSecret }: { selected: string | null; onSecret: (e: WebhookEndpointWithSecret) => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const endpoints = useWebhookEndpoints();
  const update = useUpdateEndpoint();
  const rotate = useRotateSecret();
  const remove = useDeleteEndpoint();
  const test = useSendTest();
  const [asking, setAsking] = useState<Asking | null>(null);
  const [said, setSaid] = useState('');
  const busy = update.isPending || rotate.isPending || remove.isPending || test.isPending;
  const confirm = () => {
    if (!asking) return;
    const { kind, endpoint: e } = asking;
    setAsking(null);
    setSaid('');
    if (kind === 'disable') update.mutate({ id: e.id, change: { enabled: false } }, { onSuccess: () => setSaid(t('webhooks.list.disabledDone', { url: e.url })) });
    if (kind === 'rotate') rotate.mutate(e.id, { onSuccess: onSecret });
    if (kind === 'delete')
      remove.mutate(e.id, {
        onSuccess: () => {
          setSaid(t('webhooks.list.deletedDone', { url: e.url }));
          if (selected === e.id) void navigate('/webhooks');
        },
      });
  };
  return (
    <section aria-labelledby="webhooks-list-title">
      <h2 id="webhooks-list-title">{t('webhooks.list.title')}</h2>
      <p role="status" className="ok-text">
        {said}
      </p>
      <ErrorNote error={update.error ?? rotate.error ?? remove.error ?? test.error} />
      <Loaded query={endpoints}>
        {(list) =>
          list.length === 0 ? (
            <p className="note note-empty">{t('webhooks.list.none')}</p>
          ) : (
            <Table labelledBy="webhooks-list-title" columns={(['url', 'events', 'state', 'last', 'actions'] as const).map((c) => t(`webhooks.list.columns.${c}`))}>
              {list.map((e) => (
                <tr key={e.id} data-url={e.url} aria-current={selected === e.id ? 'true' : undefined}>
                  <th scope="row">
                    <span className="block webhook-url">{e.url}</span>
                    {e.description && <span className="muted small block">{e.description}</span>}
                  </th>
                  <td>
                    <ul className="plain small">
                      {e.events.map((ev) => (
                        <li key={ev}>
                          <code>{ev}</code>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <span className={`badge ${e.enabled ? 'badge-active' : 'badge-off'}`}>{e.enabled ? t('webhooks.list.enabled') : t('webhooks.list.disabled')}</span>
                  </td>
                  <td className="small">
                    {e.lastDelivery ? (
                      <>
                        <span className={`badge ${deliveryBadge[e.lastDelivery.status]}`}>{t(`webhooks.status.${e.lastDelivery.status}`)}</span>{' '}
                        {dateTime(e.lastDelivery.at)}
                      </>
                    ) : (
                      <span className="muted">{t('webhooks.list.never')}</span>
                    )}
                  </td>
                  <td>
                    <span className="badges">
                      <Link className="btn btn-small" to={`/webhooks/${e.id}`} aria-label={t('webhooks.list.logFor', { url: e.url })}>
                        {t('webhooks.list.log')}
                      </Link>
                      <button type="button" className="btn btn-small" disabled={busy || !e.enabled} onClick={() => test.mutate(e.id, { onSuccess: () => setSaid(t('webhooks.list.testSent', { url: e.url })) })}>
                        {t('webhooks.list.test')}
                      </button>
                      {e.enabled ? (
                        <button type="button" className="btn btn-small" disabled={busy} aria-label={t('webhooks.list.disableFor', { url: e.url })} onClick={() => setAsking({ kind: 'disable', endpoint: e })}>
                          {t('webhooks.list.disable')}
                        </button>
                      ) : (
                        <button type="button" className="btn btn-small" disabled={busy} aria-label={t('webhooks.list.enableFor', { url: e.url })} onClick={() => update.mutate({ id: e.id, change: { enabled: true } }, { onSuccess: () => setSaid(t('webhooks.list.enabledDone', { url: e.url })) })}>
                          {t('webhooks.list.enable')}
                        </button>
                      )}
                      <button type="button" className="btn btn-small" disabled={busy} aria-label={t('webhooks.list.rotateFor', { url: e.url })} onClick={() => setAsking({ kind: 'rotate', endpoint: e })}>
                        {t('webhooks.list.rotate')}
                      </button>
                      <button type="button" className="btn btn-small btn-danger-outline" disabled={busy} aria-label={t('webhooks.list.deleteFor', { url: e.url })} onClick={() => setAsking({ kind: 'delete', endpoint: e })}>
                        {t('webhooks.list.delete')}
                      </button>
                    </span>
                  </td>
                </tr>
              ))}
            </Table>
          )
        }
      </Loaded>
      {asking && (
        <ConfirmDialog
          title={t(`webhooks.confirm.${asking.kind}.title`)}
          message={t(`webhooks.confirm.${asking.kind}.message`, { url: asking.endpoint.url })}
          confirmLabel={t(`webhooks.confirm.${asking.kind}.yes`)}
          danger={asking.kind !== 'rotate'}
          onCancel={() => setAsking(null)}
          onConfirm={confirm}
        />
      )}
    </section>
  );
}

/** A table with its column headings, scrolling sideways on a narrow screen. */
function Table({ labelledBy, columns, children }: { labelledBy: string; columns: string[]; children: ReactNode }) {
  return (
    <div className="table-scroll">
      <table className="table" aria-labelledby={labelledBy}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** An endpoint's delivery log: each event, where its delivery is, what the receiver last said; Send again. */
function DeliveryLog({ endpointId }: { endpointId: string }) {
  const { t } = useTranslation();
  const [limit, setLimit] = useState(20);
  const endpoints = useWebhookEndpoints();
  const log = useDeliveries(endpointId, limit);
  const resend = useResend();
  const endpoint = endpoints.data?.find((e) => e.id === endpointId);
  return (
    <section aria-labelledby="webhooks-log-title" className="card" data-testid="delivery-log">
      <h2 id="webhooks-log-title">{t('webhooks.log.title', { url: endpoint?.url ?? endpointId })}</h2>
      <ErrorNote error={resend.error} />
      <Loaded query={log}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="note note-empty">{t('webhooks.log.none')}</p>
          ) : (
            <>
              <Table labelledBy="webhooks-log-title" columns={(['event', 'status', 'attempts', 'answer', 'next', 'actions'] as const).map((c) => t(`webhooks.log.columns.${c}`))}>
                {page.items.map((d) => (
                  <DeliveryRow key={d.id} d={d} onResend={() => resend.mutate({ endpointId, id: d.id })} busy={resend.isPending} />
                ))}
              </Table>
              {page.hasMore && (
                <button type="button" className="btn" onClick={() => setLimit((n) => n + 20)}>
                  {t('webhooks.log.more')}
                </button>
              )}
            </>
          )
        }
      </Loaded>
    </section>
  );
}

function DeliveryRow({ d, onResend, busy }: { d: WebhookDelivery; onResend: () => void; busy: boolean }) {
  const { t } = useTranslation();
  const finished = d.status === 'delivered' || d.status === 'failed';
  return (
    <tr data-delivery={d.id} data-status={d.status}>
      <td>
        <code>{d.event.type}</code>
        <span className="muted small block">
          {dateTime(d.event.timestamp)} · <code>{d.event.id}</code>
        </span>
      </td>
      <td>
        <span className={`badge ${deliveryBadge[d.status]}`} data-testid="delivery-status">
          {t(`webhooks.status.${d.status}`)}
        </span>
      </td>
      <td>{d.attempts}</td>
      <td className="small">
        {d.lastAttemptAt ? (
          <details>
            <summary>
              {d.lastStatus !== null ? t('webhooks.log.http', { status: d.lastStatus }) : t('webhooks.log.noAnswer')}
              {d.lastDurationMs !== null && ` · ${t('webhooks.log.ms', { ms: d.lastDurationMs })}`}
            </summary>
            {d.lastError && <p className="error-text">{d.lastError}</p>}
            <p className="muted">{t('webhooks.log.at', { at: dateTime(d.lastAttemptAt) })}</p>
            {d.lastResponse ? <pre className="task-log webhook-response">{d.lastResponse}</pre> : <p className="muted">{t('webhooks.log.emptyResponse')}</p>}
          </details>
        ) : (
          <span className="muted">{t('webhooks.log.notYet')}</span>
        )}
      </td>
      <td className="small">{d.status === 'pending' && d.nextAttemptAt ? dateTime(d.nextAttemptAt) : d.deliveredAt ? t('webhooks.log.deliveredAt', { at: dateTime(d.deliveredAt) }) : ''}</td>
      <td>
        {finished && (
          <button type="button" className="btn btn-small" disabled={busy} onClick={onResend} aria-label={t('webhooks.log.resendFor', { id: d.event.id })}>
            {t('webhooks.log.resend')}
          </button>
        )}
      </td>
    </tr>
  );
}

function NewEndpoint({ onCreated }: { onCreated: (e: WebhookEndpointWithSecret) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const create = useCreateEndpoint();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['provision.succeeded', 'provision.failed']);
  const fieldError = (field: string) => {
    const e = create.error as { details?: { fields?: { field: string; message: string }[] } } | null;
    return e?.details?.fields?.find((f) => f.field === `body.${field}` || f.field.startsWith(`body.${field}.`))?.message;
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { url, description, events },
      {
        onSuccess: (created) => {
          setUrl('');
          setDescription('');
          onCreated(created);
        },
      },
    );
  };
  return (
    <section aria-labelledby={`${id}-title`} className="card">
      <h2 id={`${id}-title`}>{t('webhooks.add.title')}</h2>
      <form className="form" onSubmit={submit} noValidate>
        <Field id={`${id}-url`} label={t('webhooks.add.url')} required hint={t('webhooks.add.urlHint')} error={fieldError('url')}>
          <input id={`${id}-url`} type="url" value={url} required maxLength={2000} placeholder="https://crm.example.net/hooks/switchboard" onChange={(e) => setUrl(e.target.value)} aria-describedby={`${id}-url-hint`} />
        </Field>
        <Field id={`${id}-description`} label={t('webhooks.add.description')} hint={t('webhooks.add.descriptionHint')}>
          <input id={`${id}-description`} value={description} maxLength={500} onChange={(e) => setDescription(e.target.value)} aria-describedby={`${id}-description-hint`} />
        </Field>
        <fieldset aria-describedby={`${id}-events-hint`}>
          <legend>{t('webhooks.add.events')}</legend>
          {webhookEvents.map((ev) => (
            <label key={ev} className="check">
              <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents((list) => (e.target.checked ? [...list, ev] : list.filter((x) => x !== ev)))} /> <code>{ev}</code> <span className="muted small">{t(`webhooks.events.${ev.replace('.', '_')}` as 'webhooks.events.stock_low')}</span>
            </label>
          ))}
          <p className="field-hint" id={`${id}-events-hint`}>
            {fieldError('events') ?? t('webhooks.add.eventsHint')}
          </p>
        </fieldset>
        <ErrorNote error={create.error} />
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={create.isPending || events.length === 0}>
            {create.isPending ? t('webhooks.add.adding') : t('webhooks.add.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
