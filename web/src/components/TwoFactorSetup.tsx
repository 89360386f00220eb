import { type ComponentProps, type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBeginTotp, useConfirmTotp } from '../api/session';
import { dateTime } from '../format';
import { ErrorNote, Loading } from './common';
import { CopyStatus, useCopy } from './Copy';
import { emptyFactor, FactorField, type FactorValue } from './FactorField';

type Level = 2 | 3;
const Heading = ({ level, ...rest }: { level: Level } & ComponentProps<'h2'>) => (level === 2 ? <h2 {...rest} /> : <h3 {...rest} />);

/** A base32 key as people copy it: groups of four. */
export const groupInFours = (s: string) => (s.match(/.{1,4}/g) ?? []).join(' ');

/**
 * Setting up two-factor sign-in, the same whether the role requires it (the only screen then) or
 * the staff member chose it on their account page: the QR code for the app, the key as text to
 * type by hand, the first code, then the ten recovery codes, shown once.
 */
export function TwoFactorSetup({ email, level = 2, onConfirmed, onDone, onCancel }: { email: string; level?: Level; onConfirmed?: () => void; onDone: () => void; onCancel?: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const begin = useBeginTotp();
  const confirm = useConfirmTotp();
  const [factor, setFactor] = useState<FactorValue>(emptyFactor);
  // One key per set-up: asking twice would make the first QR code useless.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    begin.mutate();
  }, [begin]);

  if (confirm.data) return <RecoveryCodes codes={confirm.data.recoveryCodes} email={email} level={level} onDone={onDone} />;
  if (begin.error) {
    return (
      <>
        <ErrorNote error={begin.error} onRetry={() => begin.mutate()} />
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            {t('app.cancel')}
          </button>
        )}
      </>
    );
  }
  if (!begin.data) return <Loading />;
  const { secret, qrCode } = begin.data;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    confirm.mutate(factor.code, {
      onSuccess: () => onConfirmed?.(),
      onError: () => {
        setFactor(emptyFactor);
        requestAnimationFrame(() => document.getElementById(`${id}-first-code`)?.focus());
      },
    });
  };

  return (
    <div className="totp-setup">
      <p className="intro">{t('twoFactor.setup.intro')}</p>
      <ol className="setup-steps">
        <li>
          <Heading level={level} id={`${id}-scan`}>
            {t('twoFactor.setup.scan')}
          </Heading>
          <div className="totp-key">
            <img className="qr" src={qrCode} alt={t('twoFactor.setup.qrAlt')} width={200} height={200} />
            <div>
              <p id={`${id}-manual`}>{t('twoFactor.setup.manual')}</p>
              <p className="secret-line">
                <code className="secret" data-testid="totp-secret" aria-describedby={`${id}-manual`}>
                  {groupInFours(secret)}
                </code>
              </p>
              <dl className="summary small">
                <dt>{t('twoFactor.setup.account')}</dt>
                <dd>{email}</dd>
                <dt>{t('twoFactor.setup.type')}</dt>
                <dd>{t('twoFactor.setup.timeBased')}</dd>
              </dl>
            </div>
          </div>
        </li>
        <li>
          <Heading level={level} id={`${id}-enter`}>
            {t('twoFactor.setup.enter')}
          </Heading>
          <form className="form" aria-labelledby={`${id}-enter`} onSubmit={submit}>
            <FactorField id={`${id}-first`} value={factor} onChange={setFactor} allowRecovery={false} />
            <ErrorNote error={confirm.error} />
            <div className="row">
              <button type="submit" className="btn btn-primary" disabled={confirm.isPending}>
                {confirm.isPending ? t('twoFactor.setup.confirming') : t('twoFactor.setup.confirm')}
              </button>
              {onCancel && (
                <button type="button" className="btn" onClick={onCancel}>
                  {t('app.cancel')}
                </button>
              )}
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}

/** The ten recovery codes, shown once: copy them, download them, then say they are saved. */
export function RecoveryCodes({ codes, email, level = 2, onDone }: { codes: string[]; email: string; level?: Level; onDone: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const { copied, copy } = useCopy();
  const [made] = useState(() => new Date().toISOString());
  useEffect(() => heading.current?.focus(), []);

  const text = [t('twoFactor.recovery.fileHeader', { email, date: dateTime(made) }), '', ...codes, ''].join('\n');
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'switchboard-recovery-codes.txt';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  };

  return (
    <section className="recovery-codes" aria-labelledby={`${id}-title`}>
      <Heading level={level} id={`${id}-title`} ref={heading} tabIndex={-1}>
        {t('twoFactor.recovery.title')}
      </Heading>
      <p className="intro">{t('twoFactor.recovery.intro')}</p>
      <ol className="codes" aria-label={t('twoFactor.recovery.listLabel')} data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <div className="row">
        <button type="button" className="btn" onClick={() => void copy(codes.join('\n'))}>
          {t('twoFactor.recovery.copy')}
        </button>
        <button type="button" className="btn" onClick={download}>
          {t('twoFactor.recovery.download')}
        </button>
        <CopyStatus copied={copied} done={t('twoFactor.recovery.copied')} failed={t('twoFactor.recovery.copyFailed')} />
      </div>
      <button type="button" className="btn btn-primary" onClick={onDone}>
        {t('twoFactor.recovery.saved')}
      </button>
    </section>
  );
}
