import { Link, NavLink, Outlet, useMatch } from 'react-router';
import { GlobalSearch } from './GlobalSearch';
import { SimulatorBanner } from './SimulatorBanner';
import { useTranslation } from 'react-i18next';
import { useSignOut } from '../api/session';
import type { User } from '../api/types';
import { type Language, languages, setLanguage } from '../i18n';

/** The frame of every page: navigation, language, who is signed in. */
export function Layout({ user }: { user: User }) {
  const { t, i18n } = useTranslation();
  const signOut = useSignOut();
  // The import page and every batch page belong to "Bulk assignment".
  const inBulk = useMatch('/bulk/*');
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
        <nav aria-label={t('app.nav.main')}>
          <NavLink to="/products">{t('app.nav.products')}</NavLink>
          <NavLink to="/customers">{t('app.nav.customers')}</NavLink>
          <NavLink to="/inventory">{t('app.nav.inventory')}</NavLink>
          <NavLink to="/provisioning">{t('app.nav.provisioning')}</NavLink>
          <NavLink to="/bulk/new" className={({ isActive }) => (isActive || inBulk ? 'active' : undefined)}>
            {t('app.nav.bulk')}
          </NavLink>
          <NavLink to="/operations">{t('app.nav.operations')}</NavLink>
          {user.role === 'admin' && <NavLink to="/staff">{t('app.nav.staff')}</NavLink>}
          {user.role === 'admin' && <NavLink to="/webhooks">{t('app.nav.webhooks')}</NavLink>}
          {user.role === 'admin' && <NavLink to="/systems">{t('app.nav.systems')}</NavLink>}
        </nav>
        <span className="spacer" />
        <GlobalSearch />
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
        {/* Who is signed in, which opens their account (two-factor sign-in). */}
        <Link to="/account" className="who small" title={`${t('app.signedInAs', { name: user.name, role: t(`app.roles.${user.role}`) })}${t('app.colon')} ${t('app.account')}`}>
          {t('app.signedInAs', { name: user.name, role: t(`app.roles.${user.role}`) })}
        </Link>
        <button type="button" className="btn btn-ghost" onClick={() => signOut.mutate()}>
          {t('app.signOut')}
        </button>
      </header>
      <SimulatorBanner admin={user.role === 'admin'} />
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
