import type { i18n as I18n } from 'i18next';
import { useTranslation } from 'react-i18next';

export interface ServerError {
  code: string;
  message: string;
  hint?: string | null | undefined;
}

/** An error as the reader sees it: in their language, with the server's own words as the detail. */
export interface ReadableError {
  message: string;
  hint: string | null;
  /** The server's message, when `message` is the translation of its code. */
  detail: string | null;
}

const families = ['UNREACHABLE', 'ERROR', 'REFUSED'] as const;

/**
 * See server-errors.ts: in English the server's words are the text; in another language, a known
 * code (or an external system's `<SYSTEM>_UNREACHABLE | _ERROR | _REFUSED`) reads in that
 * language, and an unknown one as the server sent it.
 */
export function readServerError(i18n: I18n, e: ServerError): ReadableError {
  const asSent: ReadableError = { message: e.message, hint: e.hint ?? null, detail: null };
  if ((i18n.resolvedLanguage ?? i18n.language) === 'en') return asSent;
  const t = i18n.t as unknown as (key: string, params?: Record<string, string>) => string;
  if (i18n.exists(`serverErrors.${e.code}.message`)) {
    return { message: t(`serverErrors.${e.code}.message`), hint: t(`serverErrors.${e.code}.hint`), detail: e.message };
  }
  const family = families.find((f) => e.code.endsWith(`_${f}`));
  if (!family) return asSent;
  const prefix = e.code.slice(0, -(family.length + 1));
  const system = i18n.exists(`serverErrors.systems.${prefix}`) ? t(`serverErrors.systems.${prefix}`) : `« ${prefix.toLowerCase().replace(/_/g, '-')} »`;
  return { message: t(`serverErrors.SYSTEM_${family}.message`, { system }), hint: t(`serverErrors.SYSTEM_${family}.hint`, { system }), detail: e.message };
}

export function useServerError(): (e: ServerError) => ReadableError {
  const { i18n } = useTranslation();
  return (e) => readServerError(i18n, e);
}
