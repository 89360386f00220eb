import { type RefObject, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { type BatchParams, useCommitBatch, useDryRun } from '../api/bulk';
import { useProducts } from '../api/catalog';
import { useSession } from '../api/session';
import type { DryRunReport, Product } from '../api/types';
import { ErrorNote, Field } from '../components/common';
import { number } from '../format';
import { fieldProblem } from '../wizard/AssignWizard';
import { useClauseText } from '../i18n/local';

type CustomField = Product['customFields'][number];

/**
 * What decides a dry run's answer: the file and the parameters the rows are checked with. The
 * batch name and the concurrency change nothing in the report, so changing them needs no new check.
 */
const checkKey = (file: File, p: BatchParams) => JSON.stringify([file.name, file.size, file.lastModified, p.product ?? null, p.autoRenew ?? null, p.fields]);

/**
 * Bulk assignment (R11.5): a CSV file and what its rows leave out (product, auto-renew, custom-field
 * defaults, runs at once), checked first (nothing is written), then committed as a batch.
 */
export function BulkImport() {
  const { t } = useTranslation();
  const id = useId();
  const navigate = useNavigate();
  const session = useSession();
  const plans = useProducts({ category: 'plan' });
  const dryRun = useDryRun();
  const commit = useCommitBatch();
  const committing = useRef(false);
  // One key per checked file: committing it twice (a retry after a lost answer) makes one batch.
  const commitKey = useRef('');
  const reportHeading = useRef<HTMLHeadingElement>(null);

  const [file, setFile] = useState<File | null>(null);
  const [product, setProduct] = useState('');
  const [autoRenew, setAutoRenew] = useState<'' | 'true' | 'false'>('');
  const [concurrency, setConcurrency] = useState('');
  const [fieldValues, setFieldValues] = useState<Record<string, string>>({});
  const [name, setName] = useState('');
  const [nameEdited, setNameEdited] = useState(false);

  const chosen = plans.data?.find((p) => p.slug === product);
  // The chosen product's fields; when the file names the products, those of every plan.
  const fields: CustomField[] = chosen ? chosen.customFields : uniqueFields(plans.data ?? []);
  const problems = fields.map((f) => [f, fieldProblem({ ...f, required: false }, fieldValues[f.name] ?? '')] as const).filter(([, p]) => p);

  const params: BatchParams = {
    product: product || undefined,
    autoRenew: autoRenew === '' ? undefined : autoRenew === 'true',
    concurrency: concurrency ? Number(concurrency) : undefined,
    fields: Object.fromEntries(fields.map((f) => [f.name, (fieldValues[f.name] ?? '').trim()]).filter(([, v]) => v)),
    name: name.trim() || file?.name,
  };
  const report: DryRunReport | undefined = dryRun.data;
  const checkedNow = Boolean(file && report && dryRun.variables && checkKey(dryRun.variables.file, dryRun.variables.params) === checkKey(file, params));
  const canCommit = checkedNow && (report?.good ?? 0) > 0 && !dryRun.isPending && !commit.isPending && !commit.isSuccess;

  // The report takes the focus when it arrives, so it is read next.
  useEffect(() => {
    if (dryRun.data) reportHeading.current?.focus();
  }, [dryRun.data]);

  if (session.data?.role === 'viewer') {
    return (
      <section aria-labelledby="bulk-title">
        <h1 id="bulk-title">{t('bulk.import.title')}</h1>
        <p className="note note-warning">{t('bulk.import.forbidden')}</p>
      </section>
    );
  }

  const start = () => {
    if (!file || !canCommit || committing.current) return;
    committing.current = true;
    commit.mutate(
      { file, params, key: commitKey.current },
      {
        onSuccess: (r) => void navigate(`/bulk/${r.batch.id}`),
        onSettled: () => {
          committing.current = false;
        },
      },
    );
  };

  return (
    <section aria-labelledby="bulk-title">
      <h1 id="bulk-title">{t('bulk.import.title')}</h1>
      <p className="muted intro">{t('bulk.import.intro')}</p>
      <form
        className="card form bulk-form"
        aria-label={t('bulk.import.form')}
        onSubmit={(e) => {
          e.preventDefault();
          if (!file || problems.length) return;
          commit.reset();
          commitKey.current = crypto.randomUUID();
          dryRun.mutate({ file, params });
        }}
      >
        <Field id={`${id}-file`} label={t('bulk.import.file')} required hint={t('bulk.import.fileHelp')}>
          <input
            id={`${id}-file`}
            type="file"
            accept=".csv,text/csv"
            required
            aria-describedby={`${id}-file-hint`}
            onChange={(e) => {
              const f = e.target.files?.[0] ?? null;
              setFile(f);
              if (f && !nameEdited) setName(f.name);
            }}
          />
        </Field>
        <div className="form-grid">
          <div className="span-2">
            <Field id={`${id}-product`} label={t('bulk.import.product')} hint={t('bulk.import.productHelp')}>
              <select id={`${id}-product`} value={product} aria-describedby={`${id}-product-hint`} onChange={(e) => setProduct(e.target.value)}>
                <option value="">{t('bulk.import.productFromFile')}</option>
                {plans.data?.map((p) => (
                  <option key={p.slug} value={p.slug}>
                    {p.name} ({p.slug})
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <Field id={`${id}-renew`} label={t('bulk.import.autoRenew')} hint={t('bulk.import.autoRenewHelp')}>
            <select id={`${id}-renew`} value={autoRenew} aria-describedby={`${id}-renew-hint`} onChange={(e) => setAutoRenew(e.target.value as '' | 'true' | 'false')}>
              <option value="">{t('bulk.import.autoRenewDefault')}</option>
              <option value="true">{t('bulk.import.autoRenewOn')}</option>
              <option value="false">{t('bulk.import.autoRenewOff')}</option>
            </select>
          </Field>
          <Field id={`${id}-concurrency`} label={t('bulk.import.concurrency')} hint={t('bulk.import.concurrencyHelp')}>
            <input
              id={`${id}-concurrency`}
              type="number"
              inputMode="numeric"
              min={1}
              max={500}
              step={1}
              placeholder={t('bulk.import.concurrencyPlaceholder')}
              aria-describedby={`${id}-concurrency-hint`}
              value={concurrency}
              onChange={(e) => setConcurrency(e.target.value)}
            />
          </Field>
          <div className="span-2">
            <Field id={`${id}-name`} label={t('bulk.import.name')} hint={t('bulk.import.nameHelp')}>
              <input
                id={`${id}-name`}
                type="text"
                maxLength={200}
                aria-describedby={`${id}-name-hint`}
                value={name}
                onChange={(e) => {
                  setName(e.target.value);
                  setNameEdited(e.target.value !== '');
                }}
              />
            </Field>
          </div>
        </div>
        {fields.length > 0 && (
          <fieldset>
            <legend>{chosen ? t('bulk.import.fields') : t('bulk.import.fieldsAll')}</legend>
            <p className="field-hint">{t('bulk.import.fieldsHelp')}</p>
            <div className="form-grid">
              {fields.map((f) => {
                const problem = problems.find(([x]) => x.name === f.name)?.[1];
                const fid = `${id}-f-${f.name}`;
                return (
                  <Field key={f.name} id={fid} label={f.label} hint={f.help} error={problem ? t('wizard.details.invalid', { label: f.label }) : undefined}>
                    <input
                      id={fid}
                      name={f.name}
                      type={f.type === 'date' ? 'date' : f.type === 'number' ? 'number' : 'text'}
                      pattern={f.pattern}
                      aria-invalid={Boolean(problem)}
                      aria-describedby={[f.help && `${fid}-hint`, problem && `${fid}-error`].filter(Boolean).join(' ') || undefined}
                      value={fieldValues[f.name] ?? ''}
                      onChange={(e) => setFieldValues({ ...fieldValues, [f.name]: e.target.value })}
                    />
                  </Field>
                );
              })}
            </div>
          </fieldset>
        )}
        <ErrorNote error={dryRun.error ?? commit.error} />
        {file && report && !checkedNow && !dryRun.isPending && (
          <p className="note note-warning" role="status">
            {t('bulk.import.stale')}
          </p>
        )}
        <div className="row">
          <button type="submit" className="btn" disabled={dryRun.isPending || commit.isPending}>
            {dryRun.isPending ? t('bulk.import.checking') : t('bulk.import.check')}
          </button>
          <button type="button" className="btn btn-primary" disabled={!canCommit} aria-describedby={checkedNow ? undefined : `${id}-needs-check`} onClick={start}>
            {commit.isPending || commit.isSuccess ? t('bulk.import.committing') : checkedNow && report ? t('bulk.import.commit', { count: report.good }) : t('bulk.import.commitNone')}
          </button>
          {!checkedNow && (
            <span id={`${id}-needs-check`} className="muted small">
              {t('bulk.import.needsCheck')}
            </span>
          )}
        </div>
      </form>
      {report && <Report report={report} headingRef={reportHeading} />}
    </section>
  );
}

/** The custom fields of every plan, once each (for a file whose rows name their products). */
function uniqueFields(plans: Product[]): CustomField[] {
  const seen = new Map<string, CustomField>();
  for (const p of plans) for (const f of p.customFields) if (!seen.has(f.name)) seen.set(f.name, f);
  return [...seen.values()];
}

/** The dry run's answer (R11.2): how many rows are good, the stock they need, and why each bad row is bad. */
function Report({ report, headingRef }: { report: DryRunReport; headingRef: RefObject<HTMLHeadingElement | null> }) {
  const { t } = useTranslation();
  const clause = useClauseText();
  return (
    <section className="card report" aria-labelledby="report-title" data-testid="dry-run-report">
      <h2 id="report-title" ref={headingRef} tabIndex={-1}>
        {t('bulk.report.title')}
      </h2>
      <p className="muted">{t('bulk.report.checked', { count: report.rows, rows: number(report.rows), seconds: number(report.seconds) })}</p>
      <dl className="stats">
        <div className="stat">
          <dt>{t('bulk.report.rows')}</dt>
          <dd data-testid="report-rows">{number(report.rows)}</dd>
        </div>
        <div className={`stat${report.good > 0 ? ' stat-ok' : ''}`}>
          <dt>{t('bulk.report.good')}</dt>
          <dd data-testid="report-good">{number(report.good)}</dd>
        </div>
        <div className={`stat${report.bad > 0 ? ' stat-bad' : ''}`}>
          <dt>{t('bulk.report.bad')}</dt>
          <dd data-testid="report-bad">{number(report.bad)}</dd>
        </div>
      </dl>
      {report.products.length > 0 && (
        <p className="small">{t('bulk.report.products', { list: report.products.map((p) => t('bulk.report.productRows', { slug: p.slug, count: p.rows })).join(' · ') })}</p>
      )}
      {report.good === 0 && (
        <p className="note note-error" role="alert">
          {t('bulk.report.nothingGood')}
        </p>
      )}
      {report.inventory.length > 0 && (
        <>
          <h3 id="report-inventory">{t('bulk.report.inventory')}</h3>
          <table className="table" aria-labelledby="report-inventory" data-testid="report-inventory">
            <thead>
              <tr>
                <th scope="col">{t('bulk.report.template')}</th>
                <th scope="col" className="num">
                  {t('bulk.report.needed')}
                </th>
                <th scope="col" className="num">
                  {t('bulk.report.available')}
                </th>
                <th scope="col" className="num">
                  {t('bulk.report.missing')}
                </th>
              </tr>
            </thead>
            <tbody>
              {report.inventory.map((i) => (
                <tr key={i.template} className={i.missing > 0 ? 'row-missing' : undefined}>
                  <th scope="row">{i.template}</th>
                  <td className="num">{number(i.needed)}</td>
                  <td className="num">
                    {number(i.available)}
                    {i.promisedToOtherBatches > 0 && <span className="small muted"> {t('bulk.report.promised', { count: i.promisedToOtherBatches })}</span>}
                  </td>
                  <td className="num">{i.missing > 0 ? <strong className="error-text">{t('bulk.report.missingLabel', { count: i.missing })}</strong> : number(0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {report.errors.length > 0 ? (
        <>
          <h3 id="report-errors">{t('bulk.report.errors')}</h3>
          {report.errorsTruncated && (
            <p className="note note-warning">{t('bulk.report.truncated', { count: report.errors.length })}</p>
          )}
          <div className="table-scroll">
            <table className="table" aria-labelledby="report-errors" data-testid="report-errors">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    {t('bulk.report.line')}
                  </th>
                  <th scope="col">{t('bulk.report.column')}</th>
                  <th scope="col">{t('bulk.report.message')}</th>
                </tr>
              </thead>
              <tbody>
                {report.errors.map((e, i) => (
                  <tr key={`${e.line}-${e.column}-${i}`}>
                    <td className="num">{e.line}</td>
                    <td>
                      <code>{e.column}</code>
                    </td>
                    <td>{clause(e)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : (
        report.good > 0 && <p className="ok-text">{t('bulk.report.allGood')}</p>
      )}
    </section>
  );
}
