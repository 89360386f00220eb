import { useTranslation } from 'react-i18next';
import type { Factor } from '../api/session';
import { Field } from './common';

/** What a staff member types to prove it is them: the app's six digits, or one recovery code. */
export interface FactorValue {
  recovery: boolean;
  code: string;
  recoveryCode: string;
}

export const emptyFactor: FactorValue = { recovery: false, code: '', recoveryCode: '' };

export const factorOf = (v: FactorValue): Factor => (v.recovery ? { recoveryCode: v.recoveryCode.trim() } : { code: v.code.replace(/\s/g, '') });

/**
 * The code field of two-factor sign-in (numeric, six digits, filled by the phone's one-time-code
 * suggestion), or the recovery code field, with the switch between them.
 */
export function FactorField({ id, value, onChange, allowRecovery = true, autoFocus }: { id: string; value: FactorValue; onChange: (v: FactorValue) => void; allowRecovery?: boolean; autoFocus?: boolean }) {
  const { t } = useTranslation();
  const switchTo = (recovery: boolean) => {
    onChange({ ...value, recovery });
    // The field that replaces the other one takes the focus (the switch button is gone).
    requestAnimationFrame(() => document.getElementById(`${id}-${recovery ? 'recovery' : 'code'}`)?.focus());
  };
  return (
    <>
      {value.recovery ? (
        <Field id={`${id}-recovery`} label={t('twoFactor.factor.recoveryCode')} hint={t('twoFactor.factor.recoveryHint')} required>
          <input
            id={`${id}-recovery`}
            type="text"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            required
            maxLength={40}
            autoFocus={autoFocus}
            aria-describedby={`${id}-recovery-hint`}
            className="code-input"
            value={value.recoveryCode}
            onChange={(e) => onChange({ ...value, recoveryCode: e.target.value })}
          />
        </Field>
      ) : (
        <Field id={`${id}-code`} label={t('twoFactor.factor.code')} hint={t('twoFactor.factor.codeHint')} required>
          <input
            id={`${id}-code`}
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
            required
            autoFocus={autoFocus}
            aria-describedby={`${id}-code-hint`}
            className="code-input"
            value={value.code}
            onChange={(e) => onChange({ ...value, code: e.target.value.replace(/\D/g, '').slice(0, 6) })}
          />
        </Field>
      )}
      {allowRecovery && (
        <button type="button" className="btn btn-link" onClick={() => switchTo(!value.recovery)}>
          {value.recovery ? t('twoFactor.factor.useCode') : t('twoFactor.factor.useRecovery')}
        </button>
      )}
    </>
  );
}
