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

/** "December 2026" / "décembre 2026" from "2026-12". */
export function month(yyyyMm: string | null | undefined): string {
  if (!yyyyMm) return '';
  const m = /^(\d{4})-(\d{2})$/.exec(yyyyMm);
  if (!m) return yyyyMm;
  return new Intl.DateTimeFormat(locale(), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)));
}

/** A period from one day to another, as dates are written everywhere else: "3 Dec 2026 – 3 Jan 2027". */
export function dateRange(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return date(start ?? end);
  const at = (iso: string) => new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).formatRange(at(start), at(end));
}

const brands: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', maestro: 'Maestro' };

/** One way to name a card everywhere: "Visa ending 4242" / "Visa se terminant par 4242". */
export function cardName(brand: string, last4: string): string {
  return i18next.t('format.card', { brand: brands[brand.toLowerCase()] ?? brand.charAt(0).toUpperCase() + brand.slice(1), last4 });
}

/** The same from a payment's "visa 4242". */
export function cardOf(text: string): string {
  const m = /^(\S+)\s+(\d{4})$/.exec(text.trim());
  return m ? cardName(m[1]!, m[2]!) : text;
}

/**
 * An amount of balance as people say it: whole gigabytes as GB ("20 GB", "20 Go"), other data in
 * MB, minutes and messages as counts; the unit in the reader's language.
 */
export function balanceAmount(amount: number, unit: string): string {
  const u = unit.toUpperCase();
  if (u === 'MB' && amount >= 1024 && amount % 1024 === 0) return new Intl.NumberFormat(locale(), { style: 'unit', unit: 'gigabyte' }).format(amount / 1024);
  if (u === 'MB') return new Intl.NumberFormat(locale(), { style: 'unit', unit: 'megabyte' }).format(amount);
  if (u === 'GB') return new Intl.NumberFormat(locale(), { style: 'unit', unit: 'gigabyte' }).format(amount);
  if (u === 'MIN' || u === 'MINUTES') return new Intl.NumberFormat(locale(), { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(amount);
  return `${number(amount)} ${unit}`;
}
