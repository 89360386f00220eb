import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { REFRESH_MS, useOverview } from '../api/operations';
import type { OperationsWindow } from '../api/types';
import { Loaded, Loading } from '../components/common';
import { Tabs } from '../components/Tabs';
import { time } from '../format';
import { Triage } from './Triage';

// recharts is the page's alone: loaded with it, not with the rest of the console.
const OperationsCharts = lazy(() => import('./OperationsCharts'));

type Tab = 'charts' | 'triage';

/**
 * Operations (issue 12): how provisioning is going, as charts of the last hour or day (outcomes,
 * failures by task and by outside system, durations, queue depth, stock), and the triage of the
 * runs that need someone. Read again every 30 s. Viewers may watch; agents and admins act.
 */
export function Operations() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const tab: Tab = params.get('tab') === 'triage' ? 'triage' : 'charts';
  const window: OperationsWindow = params.get('window') === 'day' ? 'day' : 'hour';
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };
  return (
    <section aria-labelledby="ops-title">
      <h1 id="ops-title">{t('operations.title')}</h1>
      <Tabs
        label={t('operations.title')}
        tabs={[
          ['charts', t('operations.tabs.charts')],
          ['triage', t('operations.tabs.triage')],
        ]}
        current={tab}
        onChange={(next) => set({ tab: next === 'charts' ? null : next })}
      >
        {tab === 'charts' ? <Overview window={window} onWindow={(w) => set({ window: w === 'hour' ? null : w })} /> : <Triage />}
      </Tabs>
    </section>
  );
}

function Overview({ window, onWindow }: { window: OperationsWindow; onWindow: (w: OperationsWindow) => void }) {
  const { t } = useTranslation();
  const overview = useOverview(window);
  return (
    <>
      <div className="toolbar ops-toolbar">
        <div className="segmented" role="group" aria-label={t('operations.windowLabel')}>
          {(['hour', 'day'] as const).map((w) => (
            <button key={w} type="button" className={w === window ? 'on' : undefined} aria-pressed={w === window} onClick={() => onWindow(w)}>
              {t(`operations.windows.${w}`)}
            </button>
          ))}
        </div>
        {overview.data && (
          <p className="small muted" data-testid="operations-updated">
            {t('operations.updated', { time: time(overview.data.generatedAt), seconds: REFRESH_MS / 1000 })}
          </p>
        )}
      </div>
      <Loaded query={overview}>
        {(data) => (
          <Suspense fallback={<Loading />}>
            <OperationsCharts data={data} window={data.window} />
          </Suspense>
        )}
      </Loaded>
    </>
  );
}
