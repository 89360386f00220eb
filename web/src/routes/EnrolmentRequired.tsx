import { useTranslation } from 'react-i18next';
import { type Me, useSignOut } from '../api/session';
import { TwoFactorSetup } from '../components/TwoFactorSetup';
import { type Language, languages, setLanguage } from '../i18n';

/**
 * The only screen of a session whose role requires two-factor sign-in before it is set up: the
 * server answers nothing else (403 MFA_ENROLMENT_REQUIRED) until it is done.
 */
export function EnrolmentRequired({ user, onConfirmed, onDone }: { user: Me; onConfirmed: () => void; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const signOut = useSignOut();
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="top">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            ☰
          </span>{' '}
          {t('app.name')}
        </span>
        <span className="spacer" />
        <label className="lang">
          <span className="sr-only">{t('app.language')}</span>
          <select aria-label={t('app.language')} value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
            {Object.entries(languages).map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <span className="who muted small">{t('app.signedInAs', { name: user.name, role: t(`app.roles.${user.role}`) })}</span>
        <button type="button" className="btn btn-ghost" onClick={() => signOut.mutate()}>
          {t('app.signOut')}
        </button>
      </header>
      <main id="main" tabIndex={-1} className="enrolment">
        <h1>{t('twoFactor.forced.title')}</h1>
        <div className="note note-warning" data-testid="enrolment-required">
          <p>{t('twoFactor.forced.intro', { role: t(`app.roles.${user.role}`) })}</p>
        </div>
        <section className="card">
          <TwoFactorSetup email={user.email} onConfirmed={onConfirmed} onDone={onDone} />
        </section>
      </main>
    </>
  );
}
