import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useFailingSimulators } from '../api/systems';

/**
 * On every page while a simulator is set to fail (issue 13): staff see at once that "Unable to
 * connect to OCS" is a drill, not the network; admins get a link to turn it off.
 */
export function SimulatorBanner({ admin }: { admin: boolean }) {
  const { t } = useTranslation();
  const failing = useFailingSimulators();
  const list = failing.data ?? [];
  if (!list.length) return null;
  return (
    <div className="banner banner-warning" role="status" data-testid="simulator-banner">
      <span aria-hidden="true">⚠</span>{' '}
      {t('systems.banner', {
        systems: list.map((s) => `${t(`systems.names.${s.system}`, { defaultValue: s.label })} (${t(`systems.failures.${s.failure}`)})`).join(', '),
      })}{' '}
      {admin && <Link to="/systems">{t('systems.bannerLink')}</Link>}
    </div>
  );
}
