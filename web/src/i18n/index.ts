import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { fr } from './fr';
import { serverErrorsFr } from './server-errors';
import { serverTextsFr } from './server-texts-fr';

export const languages = { en: 'English', fr: 'Français' } as const;
export type Language = keyof typeof languages;

const stored = typeof localStorage !== 'undefined' ? localStorage.getItem('switchboard.language') : null;
const initial: Language = stored === 'fr' || stored === 'en' ? stored : navigator.language.toLowerCase().startsWith('fr') ? 'fr' : 'en';

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, fr: { translation: { ...fr, serverErrors: serverErrorsFr, serverTexts: serverTextsFr } } },
  lng: initial,
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = initial;

export function setLanguage(lang: Language): void {
  localStorage.setItem('switchboard.language', lang);
  document.documentElement.lang = lang;
  void i18next.changeLanguage(lang);
}

export { i18next };
