import { type FormEvent, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session';
import { type Role, roles, type SecuritySettings, useResetTwoFactor, useSaveSecuritySettings, useSecuritySettings, useStaff } from '../api/staff';
import type { User } from '../api/types';
import { ErrorNote, Loaded } from '../components/common';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { date } from '../format';

/** For administrators: the staff accounts with how they sign in, and the security settings. */
export function Staff() {
  const { t } = useTranslation();
  const session = useSession();
  if (session.data?.role !== 'admin') {
    return (
      <section>
        <h1>{t('staff.title')}</h1>
        <p className="note note-empty">{t('staff.adminsOnly')}</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="staff-title">
      <h1 id="staff-title">{t('staff.title')}</h1>
      <StaffList />
      <Security />
    </section>
  );
}

function StaffList() {
  const { t } = useTranslation();
  const staff = useStaff();
  const reset = useResetTwoFactor();
  const [asking, setAsking] = useState<User | null>(null);
  const [said, setSaid] = useState('');
  return (
    <section aria-labelledby="staff-list-title">
      <h2 id="staff-list-title">{t('staff.list')}</h2>
      <p role="status" className="ok-text">
        {said}
      </p>
      <ErrorNote error={reset.error} />
      <Loaded query={staff}>
        {(list) => (
          <table className="table staff-table">
            <thead>
              <tr>
                <th scope="col">{t('staff.columns.name')}</th>
                <th scope="col">{t('staff.columns.role')}</th>
                <th scope="col">{t('staff.columns.signIn')}</th>
                <th scope="col">{t('staff.columns.since')}</th>
                <th scope="col">{t('staff.columns.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((u) => (
                <tr key={u.id} data-email={u.email}>
                  <th scope="row">
                    {u.name}
                    <span className="muted small block">{u.email}</span>
                  </th>
                  <td>{t(`app.roles.${u.role}`)}</td>
                  <td>
                    <span className="badges">
                      <span className={`badge ${u.disabled ? 'badge-failed' : 'badge-active'}`}>{u.disabled ? t('staff.badges.disabled') : t('staff.badges.enabled')}</span>
                      <span className={`badge ${u.twoFactor ? 'badge-active' : 'badge-off'}`} data-testid="badge-two-factor">
                        {u.twoFactor ? t('staff.badges.twoFactorOn') : t('staff.badges.twoFactorOff')}
                      </span>
                      {u.singleSignOn && <span className="badge badge-new">{t('staff.badges.sso')}</span>}
                    </span>
                  </td>
                  <td>{date(u.createdAt)}</td>
                  <td>
                    {u.twoFactor && (
                      <button
                        type="button"
                        className="btn btn-small btn-danger-outline"
                        aria-label={t('staff.resetFor', { name: u.name })}
                        disabled={reset.isPending}
                        onClick={() => {
                          setSaid('');
                          setAsking(u);
                        }}
                      >
                        {t('staff.reset')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      {asking && (
        <ConfirmDialog
          title={t('staff.resetTitle')}
          message={t('staff.resetMessage', { name: asking.name, email: asking.email })}
          confirmLabel={t('staff.resetYes')}
          danger
          onCancel={() => setAsking(null)}
          onConfirm={() => {
            const u = asking;
            setAsking(null);
            reset.mutate(u, { onSuccess: () => setSaid(t('staff.resetDone', { name: u.name })) });
          }}
        />
      )}
    </section>
  );
}

function Security() {
  const { t } = useTranslation();
  const settings = useSecuritySettings();
  return (
    <section aria-labelledby="security-title" className="card">
      <h2 id="security-title">{t('staff.security.title')}</h2>
      <Loaded query={settings}>{(s) => <SecurityForm settings={s} />}</Loaded>
    </section>
  );
}

function SecurityForm({ settings }: { settings: SecuritySettings }) {
  const { t } = useTranslation();
  const id = useId();
  const save = useSaveSecuritySettings();
  const [wanted, setWanted] = useState<Role[]>(settings.mfaRequiredRoles);
  const [saved, setSaved] = useState(false);
  // Saved elsewhere (another administrator, a reload): the boxes follow.
  useEffect(() => setWanted(settings.mfaRequiredRoles), [settings.mfaRequiredRoles]);
  const changed = [...wanted].sort().join() !== [...settings.mfaRequiredRoles].sort().join();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    save.mutate(wanted, { onSuccess: () => setSaved(true) });
  };
  return (
    <>
      {!settings.secretKeySet && (
        <div className="note note-warning" data-testid="no-secret-key">
          <p>
            <strong>{t('staff.security.warning')}</strong> {t('staff.security.noSecretKey')}
          </p>
        </div>
      )}
      <dl className="summary">
        <dt>{t('staff.security.passwords')}</dt>
        <dd>{settings.passwordSignIn ? t('staff.security.passwordsOn') : t('staff.security.passwordsOff')}</dd>
        <dt>{t('staff.security.sso')}</dt>
        <dd>{settings.singleSignOn ? t('staff.security.ssoOn', { name: settings.singleSignOn.name, issuer: settings.singleSignOn.issuer }) : t('staff.security.ssoOff')}</dd>
      </dl>
      <form className="form" onSubmit={submit}>
        <fieldset aria-describedby={`${id}-hint`}>
          <legend>{t('staff.security.require')}</legend>
          {roles.map((r) => (
            <label key={r} className="check">
              <input
                type="checkbox"
                checked={wanted.includes(r)}
                onChange={(e) => {
                  setSaved(false);
                  setWanted((w) => (e.target.checked ? [...w, r] : w.filter((x) => x !== r)));
                }}
              />{' '}
              {t(`staff.security.roles.${r}`)}
            </label>
          ))}
          <p className="field-hint" id={`${id}-hint`}>
            {t('staff.security.requireHint')}
          </p>
        </fieldset>
        <ErrorNote error={save.error} />
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            {save.isPending ? t('staff.security.saving') : t('app.save')}
          </button>
          <span role="status" className="ok-text">
            {saved && !changed ? t('staff.security.saved') : ''}
          </span>
        </div>
      </form>
    </>
  );
}
