import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import { useProviders, useSecondFactor, useSignIn } from '../api/session';
import { ErrorNote, Field } from '../components/common';
import { emptyFactor, FactorField, factorOf, type FactorValue } from '../components/FactorField';
import { type Language, languages, setLanguage } from '../i18n';

/** What single sign-on can come back with (`/?signInError=CODE`, src/users/oidc.service.ts). */
const ssoErrors = ['SSO_FAILED', 'SSO_NO_ROLE', 'SSO_ACCOUNT_DISABLED', 'SSO_EXPIRED'] as const;
type SsoError = (typeof ssoErrors)[number];

type Step = { name: 'password'; expired: boolean } | { name: 'second_factor'; challenge: string };

/**
 * Signing in: the e-mail address and password, then (with two-factor sign-in) the code from the
 * app or a recovery code; or the company's single sign-on. What single sign-on came back with is
 * said here, then taken out of the address.
 */
export function SignIn() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const providers = useProviders();
  const signIn = useSignIn();
  const secondFactor = useSecondFactor();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const [ssoError] = useState(() => params.get('signInError'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [step, setStep] = useState<Step>({ name: 'password', expired: false });
  const [factor, setFactor] = useState<FactorValue>(emptyFactor);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!params.has('signInError')) return;
    const rest = new URLSearchParams(params);
    rest.delete('signInError');
    setParams(rest, { replace: true });
  }, [params, setParams]);

  // Back from the second step: the password again, with the focus there.
  useEffect(() => {
    if (step.name === 'password' && step.expired) passwordRef.current?.focus();
  }, [step]);

  const passwordAllowed = providers.data?.password ?? true;
  const sso = providers.data?.singleSignOn ?? null;
  const here = new URLSearchParams(location.search);
  here.delete('signInError');
  const returnTo = `${location.pathname}${here.toString() ? `?${here.toString()}` : ''}`;

  const submitPassword = (e: FormEvent) => {
    e.preventDefault();
    secondFactor.reset();
    signIn.mutate(
      { email, password },
      {
        onSuccess: (r) => {
          if (r.step === 'second_factor') {
            setFactor(emptyFactor);
            setStep({ name: 'second_factor', challenge: r.challenge });
          }
        },
      },
    );
  };

  const submitFactor = (e: FormEvent) => {
    e.preventDefault();
    if (step.name !== 'second_factor') return;
    secondFactor.mutate(
      { challenge: step.challenge, ...factorOf(factor) },
      {
        onError: (err) => {
          // Expired, or five wrong codes: this sign-in is over, the password is asked again.
          if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') {
            signIn.reset();
            setPassword('');
            setStep({ name: 'password', expired: true });
            return;
          }
          setFactor((f) => ({ ...f, code: '', recoveryCode: '' }));
          requestAnimationFrame(() => document.getElementById(`${id}-factor-${factor.recovery ? 'recovery' : 'code'}`)?.focus());
        },
      },
    );
  };

  return (
    <main id="main" className="sign-in">
      <div className="card form sign-in-card">
        {step.name === 'password' ? (
          <>
            <h1 id={`${id}-title`}>{t('signIn.title')}</h1>
            {ssoError && <SsoErrorNote code={ssoError} />}
            {step.expired && (
              <div className="note note-warning" role="alert">
                <p>{t('signIn.second.expired')}</p>
              </div>
            )}
            {passwordAllowed && (
              <form className="form" aria-labelledby={`${id}-title`} onSubmit={submitPassword}>
                <Field id={`${id}-email`} label={t('signIn.email')} required>
                  <input id={`${id}-email`} type="email" autoComplete="username" required autoFocus={!step.expired} value={email} onChange={(e) => setEmail(e.target.value)} />
                </Field>
                <Field id={`${id}-password`} label={t('signIn.password')} required>
                  <input ref={passwordRef} id={`${id}-password`} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
                </Field>
                <ErrorNote error={signIn.error} />
                <button type="submit" className="btn btn-primary" disabled={signIn.isPending}>
                  {signIn.isPending ? t('signIn.working') : t('signIn.submit')}
                </button>
              </form>
            )}
            {sso && (
              <>
                {passwordAllowed && (
                  <p className="or" aria-hidden="true">
                    <span>{t('signIn.or')}</span>
                  </p>
                )}
                {!passwordAllowed && <p className="muted">{t('signIn.ssoOnly')}</p>}
                <a className="btn btn-sso" href={`${sso.start}?returnTo=${encodeURIComponent(returnTo)}`}>
                  {t('signIn.sso', { name: sso.name })}
                </a>
              </>
            )}
            {passwordAllowed && <p className="muted small">{t('signIn.demo')}</p>}
          </>
        ) : (
          <form className="form" aria-labelledby={`${id}-second-title`} aria-describedby={`${id}-second-intro`} onSubmit={submitFactor}>
            <h1 id={`${id}-second-title`}>{t('signIn.second.title')}</h1>
            <p id={`${id}-second-intro`}>{factor.recovery ? t('signIn.second.recoveryIntro') : t('signIn.second.intro')}</p>
            <FactorField id={`${id}-factor`} value={factor} onChange={setFactor} autoFocus />
            <ErrorNote error={secondFactor.error} />
            <div className="row">
              <button type="submit" className="btn btn-primary" disabled={secondFactor.isPending}>
                {secondFactor.isPending ? t('signIn.second.working') : t('signIn.second.submit')}
              </button>
              <button
                type="button"
                className="btn"
                onClick={() => {
                  secondFactor.reset();
                  signIn.reset();
                  setPassword('');
                  setStep({ name: 'password', expired: false });
                }}
              >
                {t('signIn.second.startOver')}
              </button>
            </div>
          </form>
        )}
        <label className="lang">
          {t('app.language')}{' '}
          <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
            {Object.entries(languages).map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </div>
    </main>
  );
}

/** What single sign-on came back with, and what to do. */
function SsoErrorNote({ code }: { code: string }) {
  const { t } = useTranslation();
  const known = (ssoErrors as readonly string[]).includes(code) ? (code as SsoError) : null;
  return (
    <div className="note note-error" role="alert" data-sign-in-error={code}>
      <p>
        <strong>{t('app.errorLabel')}</strong> {known ? t(`signIn.ssoErrors.${known}.message`) : t('signIn.ssoErrors.other.message', { code: code.slice(0, 40) })}
      </p>
      <p>
        <strong>{t('app.hintLabel')}</strong> {known ? t(`signIn.ssoErrors.${known}.hint`) : t('signIn.ssoErrors.other.hint')}
      </p>
    </div>
  );
}
