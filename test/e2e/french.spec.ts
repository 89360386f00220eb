import { expect, test } from '@playwright/test';
import { adminApi, pickItem, provisionMobileByApi, shot, signIn } from './helpers.js';

/** The same wizard in French, the language of the operator's documentation. */
test('the assignment wizard in French, from the catalog to « 6 des 6 tâches complétées »', async ({ page }) => {
  await signIn(page);
  await page.getByRole('combobox', { name: 'Language' }).selectOption('fr');
  await expect(page.getByRole('link', { name: 'Produits' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Catalogue de produits' })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Plans de service' })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Individuel' })).toBeVisible();
  await shot(page, 'fr-01-catalogue');

  // The catalog in French: the product's name, features and terms as the operator gave them (R13).
  const card = page.getByRole('article').filter({ has: page.getByRole('heading', { name: 'Mobile - forfait 20 Go' }) });
  await expect(card).toContainText('15,00 £ / mois');
  await expect(card).toContainText('Appels et SMS illimités au Royaume-Uni');
  await expect(card).toContainText('Carte SIM, Numéro de mobile');
  await card.getByRole('button', { name: 'Attribuer au client' }).click();
  const wizard = page.getByRole('dialog', { name: 'Attribuer un plan' });
  await wizard.getByRole('combobox', { name: 'Rechercher des clients' }).fill('john.doe@');
  await wizard.getByRole('option', { name: /John Doe \(ID : 101\)/ }).click();
  await expect(wizard.getByRole('note')).toContainText('mauvais client nécessite une intervention manuelle');
  await wizard.getByRole('button', { name: 'Continuer' }).click();

  await expect(wizard.getByRole('heading', { name: "Éléments d'inventaire requis" })).toBeVisible();
  await pickItem(wizard, /^Carte SIM/);
  await expect(wizard.getByText(/Réservé pour cette attribution/)).toHaveCount(1);
  await pickItem(wizard, /^Numéro de mobile/);
  await expect(wizard.getByText(/Réservé pour cette attribution/)).toHaveCount(2);
  await shot(page, 'fr-02-inventaire');
  await wizard.getByRole('button', { name: 'Continuer' }).click();

  await expect(wizard.getByRole('group', { name: 'Souhaitez-vous activer le renouvellement automatique pour ce service ?' })).toBeVisible();
  await wizard.getByRole('radio', { name: /^Oui/ }).check();
  await wizard.getByRole('button', { name: 'Continuer' }).click();

  await expect(wizard.getByRole('heading', { name: 'Examiner et confirmer' })).toBeVisible();
  await expect(wizard.getByText('8 vérifications sur 8 réussies')).toBeVisible();
  // What each check found, in French too (R6.3).
  await expect(wizard.locator('[data-check="customer"]')).toContainText('Compte client : John Doe (ID : 101) est actif.');
  await expect(wizard.locator('[data-check="eligibility"]')).toContainText('Mobile - forfait 20 Go est proposé aux clients particuliers.');
  await expect(wizard.getByTestId('review-product')).toHaveText('Mobile - forfait 20 Go');
  await expect(wizard.getByTestId('review-inventory')).toContainText('Carte SIM : SIM-');
  await expect(wizard.getByTestId('wizard-customer')).toHaveText('Client : John Doe (ID : 101)');
  await expect(wizard.locator('[data-check="inventory"]')).toContainText('Réservé pour cette attribution');
  await expect(wizard.getByTestId('review-pricing')).toContainText("Frais d'installation : 0,00 £");
  await expect(wizard.getByTestId('review-pricing')).toContainText('Coût mensuel : 15,00 £');
  await expect(wizard.getByRole('button', { name: 'Annuler' })).toBeVisible();
  await shot(page, 'fr-03-revision');
  await wizard.getByRole('button', { name: 'Confirmer & Provisionner' }).click();

  await expect(wizard.getByTestId('progress-summary')).toHaveText('6 des 6 tâches complétées', { timeout: 30_000 });
  // The seed's six task names, in French, with the run's SIM and number.
  await expect(wizard.getByRole('list', { name: 'Avancement du provisionnement' }).locator('.task-name')).toHaveText([
    'Validation du compte client',
    /^Attribution de la carte SIM \(ICCID : 8944\d{16}\)$/,
    /^Attribution du numéro de mobile \(\+44 7700 9\d{5}\)$/,
    'Configuration du compte OCS',
    "Création de l'enregistrement de service",
    "Envoi de l'e-mail de bienvenue",
  ]);
  await expect(wizard.getByText('Service provisionné avec succès pour John Doe')).toBeVisible();
  await expect(wizard.getByText('ID de service')).toBeVisible();
  await expect(wizard.getByText('Nom de service')).toBeVisible();
  await expect(wizard.getByRole('button', { name: 'Voir le service' })).toBeVisible();
  await expect(wizard.getByRole('button', { name: 'Fermer', exact: true })).toBeVisible();
  await shot(page, 'fr-04-succes');
  // The service page in French: the balance in Go, the stock by its French names, dates in one style.
  await wizard.getByRole('button', { name: 'Voir le service' }).click();
  await expect(page.getByTestId('service-status')).toHaveText('Actif');
  await expect(page.getByTestId('balance')).toHaveText('20 Go de données');
  await expect(page.getByTestId('service-inventory')).toContainText('Carte SIM : SIM-');
  await expect(page.getByTestId('service-inventory')).toContainText('Numéro de mobile : +44 7700');
  await expect(page.getByTestId('service-charges')).toContainText('Mensuel · Mobile - forfait 20 Go · ');
  await expect(page.getByTestId('service-charges')).not.toContainText(/\d{4}-\d{2}-\d{2}/);
  await shot(page, 'fr-06-service');
  await page.getByRole('combobox', { name: 'Langue' }).selectOption('en');
});

/** The server explains errors in English; a French reader gets them in French, the server's words kept as the detail. */
test('an error in French: a wrong password at sign-in', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Language' }).selectOption('fr');
  await page.getByLabel(/^Adresse e-mail/).fill('agent@switchboard.local');
  await page.getByLabel(/^Mot de passe/).fill('not-the-password');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  const error = page.getByRole('alert');
  await expect(error).toContainText('Erreur : Adresse e-mail ou mot de passe incorrect.');
  await expect(error).toContainText('Que faire : Vérifiez-les, puis réessayez.');
  await expect(error).toContainText('Détail (message du serveur) :');
  await shot(page, 'fr-05-erreur');
});

test("a customer's language of e-mails: shown and changed on the details tab, and the welcome e-mail written in it", async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const claire = ((await (await api.get('/api/customers/search?q=Claire%20Dubois')).json()) as { items: { id: number }[] }).items[0]!.id;
  await provisionMobileByApi(api, claire);
  await signIn(page);
  await page.getByRole('combobox', { name: 'Language' }).selectOption('fr');
  await page.goto(`/customers/${claire}?tab=details`);
  const language = page.getByRole('combobox', { name: 'Langue des e-mails' });
  await expect(language).toHaveValue('fr');
  // The welcome e-mail she was sent is in French.
  await expect(page.getByText(/Bienvenue sur votre nouvelle ligne mobile/).first()).toBeVisible();
  await language.selectOption('en');
  await expect(page.getByRole('status').filter({ hasText: 'Enregistré : les prochains e-mails seront rédigés dans cette langue.' })).toBeVisible();
  expect(((await (await api.get(`/api/customers/${claire}`)).json()) as { language: string }).language).toBe('en');
  await language.selectOption('fr');
  await expect.poll(async () => ((await (await api.get(`/api/customers/${claire}`)).json()) as { language: string }).language).toBe('fr');
  await page.getByRole('combobox', { name: 'Langue' }).first().selectOption('en');
});
