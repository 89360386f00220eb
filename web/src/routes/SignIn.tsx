import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSignIn } from '../api/session';
import { ErrorNote, Field } from '../components/common';
import { type Language, languages, setLanguage } from '../i18n';

export function SignIn() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const signIn = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  return (
    <main id="main" className="sign-in">
      <form
        className="card form"
        aria-labelledby={`${id}-title`}
        onSubmit={(e) => {
          e.preventDefault();
          signIn.mutate({ email, password });
        }}
      >
        <h1 id={`${id}-title`}>{t('signIn.title')}</h1>
        <Field id={`${id}-email`} label={t('signIn.email')} required>
          <input id={`${id}-email`} type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field id={`${id}-password`} label={t('signIn.password')} required>
          <input id={`${id}-password`} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <ErrorNote error={signIn.error} />
        <button type="submit" className="btn btn-primary" disabled={signIn.isPending}>
          {signIn.isPending ? t('signIn.working') : t('signIn.submit')}
        </button>
        <p className="muted small">{t('signIn.demo')}</p>
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
      </form>
    </main>
  );
}
