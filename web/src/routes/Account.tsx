import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Factor, type Me, sessionKeys, useDisableTotp, useNewRecoveryCodes, useSession, useTwoFactorStatus } from '../api/session';
import { ErrorNote, Loaded } from '../components/common';
import { emptyFactor, FactorField, factorOf, type FactorValue } from '../components/FactorField';
import { RecoveryCodes, TwoFactorSetup } from '../components/TwoFactorSetup';
import { date } from '../format';

/** Your own account: who you are, and your two-factor sign-in (set up, new recovery codes, turn off). */
export function Account() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const session = useSession();
  const status = useTwoFactorStatus();
  const disable = useDisableTotp();
  const newCodes = useNewRecoveryCodes();
  const [settingUp, setSettingUp] = useState(false);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [said, setSaid] = useState('');
  const me = session.data;
  if (!me) return null;

  const done = (message: string) => {
    setSaid(message);
    void qc.invalidateQueries({ queryKey: sessionKeys.mfa });
  };

  return (
    <section aria-labelledby="account-title" className="account">
      <h1 id="account-title">{t('account.title')}</h1>
      <div className="card">
        <dl className="summary">
          <dt>{t('account.name')}</dt>
          <dd>{me.name}</dd>
          <dt>{t('account.email')}</dt>
          <dd>{me.email}</dd>
          <dt>{t('account.role')}</dt>
          <dd>{t(`app.roles.${me.role}`)}</dd>
          <dt>{t('account.sso')}</dt>
          <dd>{me.singleSignOn ? t('account.ssoLinked') : t('account.ssoNot')}</dd>
        </dl>
      </div>
      <section className="card" aria-labelledby="two-factor-title">
        <h2 id="two-factor-title">{t('account.twoFactor')}</h2>
        <p role="status" className="ok-text">
          {said}
        </p>
        <Loaded query={status}>
          {(s) =>
            settingUp ? (
              <TwoFactorSetup
                email={me.email}
                level={3}
                onCancel={() => setSettingUp(false)}
                onConfirmed={() => qc.setQueryData<Me | null>(sessionKeys.me, (m) => (m ? { ...m, twoFactor: true } : m))}
                onDone={() => {
                  setSettingUp(false);
                  done(t('account.turnedOn'));
                }}
              />
            ) : codes ? (
              <RecoveryCodes codes={codes} email={me.email} level={3} onDone={() => setCodes(null)} />
            ) : (
              <>
                <p data-testid="two-factor-status">
                  <span className={`badge ${s.enabled ? 'badge-active' : 'badge-off'}`}>{s.enabled ? t('account.on') : t('account.off')}</span>{' '}
                  {s.enabled ? t('account.onSince', { date: date(s.enabledAt) }) : t('account.offText')}
                </p>
                {s.enabled && <p className={s.recoveryCodesLeft <= 3 ? 'note note-warning' : 'muted'}>{t('account.codesLeft', { count: s.recoveryCodesLeft })}</p>}
                {me.singleSignOn && <p className="muted small">{t('account.ssoNote')}</p>}
                {s.required && (
                  <div className="note note-empty">
                    <p>{s.enabled ? t('account.requiredOn', { role: t(`app.roles.${me.role}`) }) : t('account.requiredOff', { role: t(`app.roles.${me.role}`) })}</p>
                  </div>
                )}
                {!s.enabled ? (
                  <button
                    type="button"
                    className="btn btn-primary"
                    onClick={() => {
                      setSaid('');
                      setSettingUp(true);
                    }}
                  >
                    {t('account.setUp')}
                  </button>
                ) : (
                  <div className="two-columns">
                    <ProveIt
                      title={t('account.newCodes')}
                      intro={t('account.newCodesIntro')}
                      submit={t('account.newCodesSubmit')}
                      pending={newCodes.isPending}
                      error={newCodes.error}
                      onSubmit={(factor, reset) => {
                        setSaid('');
                        newCodes.mutate(factor, {
                          onSuccess: (r) => {
                            reset();
                            setCodes(r.recoveryCodes);
                          },
                        });
                      }}
                    />
                    {s.required ? null : (
                      <ProveIt
                        title={t('account.turnOff')}
                        intro={t('account.turnOffIntro')}
                        submit={t('account.turnOffSubmit')}
                        danger
                        pending={disable.isPending}
                        error={disable.error}
                        onSubmit={(factor, reset) => {
                          setSaid('');
                          disable.mutate(factor, {
                            onSuccess: () => {
                              reset();
                              done(t('account.turnedOff'));
                            },
                          });
                        }}
                      />
                    )}
                  </div>
                )}
              </>
            )
          }
        </Loaded>
      </section>
    </section>
  );
}

/** A change that needs a code from the app (or a recovery code) first. */
function ProveIt({ title, intro, submit, danger, pending, error, onSubmit }: { title: string; intro: string; submit: string; danger?: boolean; pending: boolean; error: unknown; onSubmit: (factor: Factor, reset: () => void) => void }) {
  const id = useId();
  const { t } = useTranslation();
  const [factor, setFactor] = useState<FactorValue>(emptyFactor);
  const send = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(factorOf(factor), () => setFactor(emptyFactor));
  };
  return (
    <form className="form prove-it" aria-labelledby={`${id}-title`} aria-describedby={`${id}-intro`} onSubmit={send}>
      <h3 id={`${id}-title`}>{title}</h3>
      <p id={`${id}-intro`} className="muted">
        {intro}
      </p>
      <FactorField id={`${id}-factor`} value={factor} onChange={setFactor} />
      <ErrorNote error={error} />
      <div>
        <button type="submit" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled={pending}>
          {pending ? t('account.working') : submit}
        </button>
      </div>
    </form>
  );
}
