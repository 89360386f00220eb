import { i18next } from './i18n';

const locale = () => (i18next.language === 'fr' ? 'fr-FR' : 'en-GB');

export function money(minor: number, currency: string): string {
  return new Intl.NumberFormat(locale(), { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).format(minor / 100);
}

export function number(n: number): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(n);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function date(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso));
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale(), { timeStyle: 'short' }).format(new Date(iso));
}

/** A time left as people say it: "45 s", "2 min 5 s", "1 h 12 min". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return i18next.t('bulk.duration.seconds', { s });
  if (s < 3600) return i18next.t('bulk.duration.minutes', { m: Math.floor(s / 60), s: s % 60 });
  return i18next.t('bulk.duration.hours', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
}
