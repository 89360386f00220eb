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

/** A thing a preflight check says, by key (src/provisioning/preflight-texts.ts). */
export interface Said {
  key: string;
  params: Record<string, string | number | string[]>;
}

/** The kind of code a value holds, by the value's name (see preflight-texts.ts). */
const valueKinds: Record<string, string> = { status: 'status', customerType: 'customerType', serviceType: 'serviceType', targetType: 'serviceType', role: 'role', wanted: 'role', catalog: 'catalog', by: 'customerRef' };

/** The operator's own names in a clause (a product's, a template's) in the reader's language. */
export type DataNames = { product?: (name: string) => string; template?: (name: string) => string };

function renderSaid(i18n: I18n, group: 'checks' | 'hints', said: Said, names: DataNames = {}): string | null {
  const key = `serverTexts.${group}.${said.key}`;
  if (!i18n.exists(key)) return null;
  const lang = i18n.resolvedLanguage ?? i18n.language;
  const params: Record<string, string> = {};
  for (const [name, v] of Object.entries(said.params)) {
    const kind = valueKinds[name];
    if (Array.isArray(v)) params[name] = new Intl.ListFormat(lang, { style: 'long', type: 'conjunction' }).format(v);
    else if (kind && i18n.exists(`serverTexts.values.${kind}.${v}`)) params[name] = i18n.t(`serverTexts.values.${kind}.${v}` as never);
    else if (name === 'product' && names.product) params[name] = names.product(String(v));
    else if (name === 'template' && names.template) params[name] = names.template(String(v));
    else params[name] = String(v);
  }
  return (i18n.t as unknown as (k: string, p: Record<string, string>) => string)(key, params);
}

/**
 * What a preflight check found and what to do, in the reader's language: the server's English,
 * or the check's clauses in another language (joined with « ; », capitalised, a full stop at the
 * end). A key this console does not know leaves the whole check in the server's words.
 */
export function readCheck(i18n: I18n, check: { message: string; hint?: string | undefined; text: Said[]; hintText?: Said | undefined }, names: DataNames = {}): { message: string; hint: string | null } {
  const asSent = { message: check.message, hint: check.hint ?? null };
  if ((i18n.resolvedLanguage ?? i18n.language) === 'en') return asSent;
  const clauses = check.text.map((s) => renderSaid(i18n, 'checks', s, names));
  if (!clauses.length || clauses.some((c) => c === null)) return asSent;
  const joined = clauses.join('\u202f; ');
  const message = `${joined.charAt(0).toLocaleUpperCase()}${joined.slice(1)}${/[.!?]$/.test(joined) ? '' : '.'}`;
  const hint = check.hintText ? (renderSaid(i18n, 'hints', check.hintText, names) ?? check.hint ?? null) : (check.hint ?? null);
  return { message, hint };
}

/** A bulk row's error (R11.2) in the reader's language: one clause, as the server wrote it in English. */
export function readClause(i18n: I18n, e: { message: string; text?: Said | undefined }, names: DataNames = {}): string {
  if ((i18n.resolvedLanguage ?? i18n.language) === 'en' || !e.text) return e.message;
  return renderSaid(i18n, 'checks', e.text, names) ?? e.message;
}
