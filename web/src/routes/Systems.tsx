import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Failure, type OutsideSystem, useSetSimulator, useSystems } from '../api/systems';
import { ErrorNote, Loaded } from '../components/common';
import { number } from '../format';

const failures: (Failure | '')[] = ['', 'unreachable', 'error', 'timeout'];

/**
 * Outside systems (admins, issue 13): which are the built-in simulators and which are real (and
 * where), and for each simulator its latency and the failure it plays, which staff set here for
 * training and tests instead of calling PUT /api/simulators/* by hand.
 */
export function Systems() {
  const { t } = useTranslation();
  const systems = useSystems();
  return (
    <section aria-labelledby="systems-title">
      <h1 id="systems-title">{t('systems.title')}</h1>
      <p className="muted">{t('systems.intro')}</p>
      <Loaded query={systems}>
        {(list) => (
          <table className="table" data-testid="systems">
            <thead>
              <tr>
                <th scope="col">{t('systems.columns.system')}</th>
                <th scope="col">{t('systems.columns.mode')}</th>
                <th scope="col">{t('systems.columns.settings')}</th>
                <th scope="col">{t('systems.columns.load')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.system} data-system={s.system}>
                  <th scope="row">
                    {t(`systems.names.${s.system}`, { defaultValue: s.label })}
                    <div className="small muted">{s.system}</div>
                  </th>
                  <td>
                    {s.mode === 'real' ? (
                      <>
                        <span className="badge badge-active">{t('systems.real')}</span>
                        {s.url && <div className="small">{s.url}</div>}
                      </>
                    ) : (
                      <span className="badge">{t('systems.simulator')}</span>
                    )}
                  </td>
                  <td>{s.simulator ? <SimulatorForm system={s} /> : <span className="muted small">{t('systems.realNoSettings')}</span>}</td>
                  <td className="small">{t('systems.load', { now: number(s.inFlight), peak: number(s.peakInFlight) })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}

function SimulatorForm({ system }: { system: OutsideSystem }) {
  const { t } = useTranslation();
  const id = useId();
  const set = useSetSimulator();
  const [latency, setLatency] = useState(String(system.simulator!.latencyMs));
  const [failure, setFailure] = useState<Failure | ''>(system.simulator!.failure ?? '');
  const name = t(`systems.names.${system.system}`, { defaultValue: system.label });
  const latencyMs = Number(latency);
  const valid = latency.trim() !== '' && Number.isInteger(latencyMs) && latencyMs >= 0 && latencyMs <= 600_000;
  const changed = latencyMs !== system.simulator!.latencyMs || (failure || null) !== system.simulator!.failure;
  return (
    <form
      className="simulator-form"
      aria-label={t('systems.formLabel', { system: name })}
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) set.mutate({ system: system.system, latencyMs, failure: failure || null });
      }}
    >
      <label htmlFor={`${id}-latency`}>{t('systems.latency')}</label>
      <input id={`${id}-latency`} type="number" min={0} max={600000} step={1} value={latency} aria-invalid={!valid} onChange={(e) => setLatency(e.target.value)} />
      <label htmlFor={`${id}-failure`}>{t('systems.failure')}</label>
      <select id={`${id}-failure`} value={failure} onChange={(e) => setFailure(e.target.value as Failure | '')}>
        {failures.map((f) => (
          <option key={f} value={f}>
            {t(`systems.failures.${f || 'none'}`)}
          </option>
        ))}
      </select>
      <button type="submit" className="btn" disabled={!valid || !changed || set.isPending}>
        {t('systems.save')}
      </button>
      {!valid && <p className="field-error">{t('systems.latencyInvalid')}</p>}
      {set.isSuccess && !changed && (
        <span className="ok-text small" role="status">
          {t('systems.saved')}
        </span>
      )}
      <ErrorNote error={set.error} />
    </form>
  );
}
