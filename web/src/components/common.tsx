import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { type ReadableError, useServerError } from '../i18n/server-text';

/** A status as a coloured label, in the reader's language. */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {t(`status.${status}` as 'status.active', { defaultValue: status })}
    </span>
  );
}

/** An error as staff need it: what happened and what to do (R13.1), in their language. */
export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const readable = useServerError();
  if (!error) return null;
  const e = error instanceof ApiError ? readable(error) : { message: (error as Error).message, hint: null, detail: null };
  return (
    <div className="note note-error" role="alert">
      <p>
        <strong>{t('app.errorLabel')}</strong> {e.message}
      </p>
      {e.hint && (
        <p>
          <strong>{t('app.hintLabel')}</strong> {e.hint}
        </p>
      )}
      <ServerDetail error={e} />
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          {t('app.retryLoad')}
        </button>
      )}
    </div>
  );
}

/** The server's own words under a translated error: they name the item, the field, the card. */
export function ServerDetail({ error }: { error: ReadableError }) {
  const { t } = useTranslation();
  if (!error.detail) return null;
  return <p className="small muted">{t('app.serverDetail', { message: error.detail })}</p>;
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="muted" role="status">
      {t('app.loading')}
    </p>
  );
}

/** A query's three states in one place: loading, failed (with a way to try again), loaded. */
export function Loaded<T>({ query, children }: { query: { data: T | undefined; error: unknown; isPending: boolean; refetch: () => unknown }; children: (data: T) => ReactNode }) {
  if (query.error) return <ErrorNote error={query.error} onRetry={() => void query.refetch()} />;
  if (query.isPending || query.data === undefined) return <Loading />;
  return <>{children(query.data)}</>;
}

export function Field({ label, required, hint, error, children, id }: { label: string; required?: boolean; hint?: string | undefined; error?: string | undefined; children: ReactNode; id: string }) {
  const { t } = useTranslation();
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {label}
        {required && (
          <span className="required" aria-hidden="true">
            {' '}
            *
          </span>
        )}
        {required && <span className="sr-only"> ({t('wizard.details.required')})</span>}
      </label>
      {children}
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
