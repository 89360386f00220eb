import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorStatus } from '../../../src/shared/errors';
import { en } from './en';
import { fr } from './fr';
import { serverErrorsFr } from './server-errors';
import { advise, checkTexts, englishClause, englishHint, englishText, hintTexts, type Said, say } from '../../../src/provisioning/preflight-texts';
import { serverTextsFr } from './server-texts-fr';
import { readCheck, readClause, readServerError } from './server-text';

/** The server speaks English; a French reader gets what each error code means in French. */
describe('server errors in the reader language', () => {
  const i18n = i18next.createInstance();
  beforeAll(async () => {
    await i18n.init({ resources: { en: { translation: en }, fr: { translation: { ...fr, serverErrors: serverErrorsFr } } }, lng: 'fr', fallbackLng: 'en', interpolation: { escapeValue: false } });
  });
  const taken = { code: 'INVENTORY_UNAVAILABLE', message: 'SIM Card 8944000000000000001 is held by another assignment.', hint: 'Pick another one.' };

  it('has a French text for every code the API answers with', () => {
    expect(Object.keys(errorStatus).filter((code) => !(code in serverErrorsFr))).toEqual([]);
  });

  it('reads a known code in French and keeps the server words as the detail', async () => {
    await i18n.changeLanguage('fr');
    expect(readServerError(i18n, taken)).toEqual({
      message: "Article d'inventaire indisponible : une autre attribution le détient, ou le stock est épuisé.",
      hint: 'Choisissez-en un autre dans la liste, ou ajoutez du stock.',
      detail: taken.message,
    });
  });

  it('names the external system that is down (R8.2), known or not', async () => {
    await i18n.changeLanguage('fr');
    expect(readServerError(i18n, { code: 'OCS_UNREACHABLE', message: 'Unable to connect to OCS', hint: 'Check that OCS is online.' }).message).toBe("Impossible de joindre l'OCS.");
    expect(readServerError(i18n, { code: 'RADIUS_ERROR', message: 'RADIUS answered HTTP 502' }).message).toBe('Erreur renvoyée par le serveur RADIUS.');
    expect(readServerError(i18n, { code: 'BILLING_CRM_REFUSED', message: 'billing-crm refused the request' }).message).toBe('Demande refusée par « billing-crm ».');
  });

  it('leaves an unknown code as the server sent it, and English always', async () => {
    await i18n.changeLanguage('fr');
    expect(readServerError(i18n, { code: 'SOMETHING_NEW', message: 'Something new happened.' })).toEqual({ message: 'Something new happened.', hint: null, detail: null });
    await i18n.changeLanguage('en');
    expect(readServerError(i18n, taken)).toEqual({ message: taken.message, hint: taken.hint, detail: null });
  });
});

/** The preflight checks (R6.3) in French: every key the server can say, with the same values. */
describe('preflight checks in the reader language', () => {
  const i18n = i18next.createInstance();
  beforeAll(async () => {
    await i18n.init({ resources: { en: { translation: en }, fr: { translation: { ...fr, serverTexts: serverTextsFr } } }, lng: 'fr', fallbackLng: 'en', interpolation: { escapeValue: false } });
  });
  // The values an English text uses, read off its function (`p.name`), and those a template uses.
  const usedBy = (f: (p: never) => string) => [...new Set([...f.toString().matchAll(/\bp\.(\w+)/g)].map((m) => m[1]!))].sort();
  const placeholders = (s: string) => [...new Set([...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!))].sort();

  it('has a French template for every text and hint, with the same values', () => {
    for (const [group, english, french] of [
      ['checks', checkTexts, serverTextsFr.checks],
      ['hints', hintTexts, serverTextsFr.hints],
    ] as const) {
      expect(Object.keys(french).sort(), group).toEqual(Object.keys(english).sort());
      for (const [key, f] of Object.entries(english)) expect(placeholders((french as Record<string, string>)[key]!), `${group} ${key}`).toEqual(usedBy(f as (p: never) => string));
    }
  });

  it('says a failed check in French, codes and lists in French words', async () => {
    await i18n.changeLanguage('fr');
    const text: Said[] = [say('inventory.notReserved', { reference: '+44 7700 900123', status: 'in_stock' }), say('inventory.choose', { template: 'SIM Card' })];
    const check = { message: englishText(text), text, hint: englishHint(advise('site.chooseOne', { sites: ['London office', 'Manchester warehouse'] })), hintText: advise('site.chooseOne', { sites: ['London office', 'Manchester warehouse'] }) };
    expect(check.message).toBe('+44 7700 900123 is not reserved for this assignment (it is in stock); choose a SIM Card.');
    expect(readCheck(i18n, check)).toEqual({
      message: "+44 7700 900123 n'est pas réservé pour cette attribution (il est en stock)\u202f; choisissez un article « SIM Card ».",
      hint: "Choisissez l'un de ces sites : London office et Manchester warehouse.",
    });
    expect(readCheck(i18n, { message: 'x', text: [say('product.notOffered', { product: 'Fibre - 1Gbps', customerType: 'business' })] }).message).toBe("Fibre - 1Gbps n'est pas proposé aux clients professionnels.");
  });

  it("says a bulk file's bad row in French (R11.2)", async () => {
    await i18n.changeLanguage('fr');
    const text = say('row.customerNotFound', { by: 'email', ref: 'nobody@example.com' });
    expect(readClause(i18n, { message: englishClause(text), text })).toBe('client introuvable (e-mail nobody@example.com)');
    expect(readClause(i18n, { message: 'customer not found (email nobody@example.com)' })).toBe('customer not found (email nobody@example.com)');
  });

  it('keeps the server words for a key it does not know, and in English', async () => {
    await i18n.changeLanguage('fr');
    expect(readCheck(i18n, { message: 'Something new.', text: [{ key: 'something.new', params: {} }] })).toEqual({ message: 'Something new.', hint: null });
    await i18n.changeLanguage('en');
    const text = [say('customer.active', { name: 'John Smith', id: 100 })];
    expect(readCheck(i18n, { message: englishText(text), text })).toEqual({ message: 'John Smith (ID: 100) is active.', hint: null });
  });
});
