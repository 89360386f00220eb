import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorStatus } from '../../../src/shared/errors';
import { en } from './en';
import { fr } from './fr';
import { serverErrorsFr } from './server-errors';
import { readServerError } from './server-text';

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
      message: "Cet article n'est plus disponible : une autre attribution le détient.",
      hint: 'Choisissez-en un autre dans la liste.',
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
