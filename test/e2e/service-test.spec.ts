import { expect, test } from '@playwright/test';
import { JOHN, adminApi, provisionMobileByApi, setSimulator, shot, signIn } from './helpers.js';

/** "Test service" (issue 13, the seed's last check): each check's result on the service page, kept on its history. */
test('Test service on a mobile line: both checks pass; with the OCS down one fails and says why; in French too', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const mobile = await provisionMobileByApi(api, JOHN);
  await signIn(page);
  await page.goto(`/services/${mobile.id}`);
  const section = page.getByRole('region', { name: 'Test service' });
  await section.getByRole('button', { name: 'Test service' }).click();
  await expect(section.getByTestId('test-summary')).toHaveText('All 2 checks passed.');
  const results = section.getByTestId('test-results').getByRole('listitem');
  await expect(results).toHaveCount(2);
  await expect(results.nth(0)).toContainText(/SIM known to the HLR\/HSS, device attached \(IMSI \d{15}\)/);
  await expect(results.nth(1)).toContainText('OCS account active, balance readable');
  await expect(results.nth(1)).toContainText(/balance read: data MB 20480/);
  await expect(page.getByTestId('service-history')).toContainText('Service test');
  await shot(page, 'service-test-01-passed');

  await setSimulator(api, 'ocs', { failure: 'unreachable' });
  try {
    await section.getByRole('button', { name: 'Test service' }).click();
    await expect(section.getByTestId('test-summary')).toHaveText('1 of 2 checks failed: see why above.');
    await expect(results.nth(1)).toHaveAttribute('data-status', 'ignored');
    await expect(results.nth(1)).toContainText('Unable to connect to OCS');
    await expect(results.nth(0)).toHaveAttribute('data-status', 'succeeded');
  } finally {
    await setSimulator(api, 'ocs', { failure: null });
  }

  await page.getByRole('combobox', { name: 'Language' }).selectOption('fr');
  const fr = page.getByRole('region', { name: 'Tester le service' });
  await fr.getByRole('button', { name: 'Tester le service' }).click();
  await expect(fr.getByTestId('test-summary')).toHaveText('Les 2 vérifications sont réussies.');
  await expect(fr.getByTestId('test-results')).toContainText('Carte SIM connue du HLR/HSS, appareil attaché');
  await expect(fr.getByTestId('test-results')).toContainText('Compte OCS actif, solde lisible');
  await expect(page.getByTestId('service-history')).toContainText('Test du service');
  await shot(page, 'fr-07-test-service');

  // A check that fails says why, and what to do, in French (the suspended line's OCS account).
  const suspend = (await (await api.post(`/api/services/${mobile.id}/suspend`, { data: { reason: 'test' } })).json()) as { id: string };
  await expect.poll(async () => ((await (await api.get(`/api/provisions/${suspend.id}`)).json()) as { status: string }).status, { timeout: 30_000 }).toBe('succeeded');
  await page.reload();
  await fr.getByRole('button', { name: 'Tester le service' }).click();
  await expect(fr.getByTestId('test-summary')).toHaveText('1 vérification(s) sur 2 en échec : voir pourquoi ci-dessus.');
  await expect(fr.getByTestId('check-failure')).toContainText(/Le compte OCS \S+ est désactivé : appels et données sont refusés\. Réactivez le service s’il doit fonctionner\./);
  await page.getByRole('combobox', { name: 'Langue' }).selectOption('en');
  await expect(section.getByTestId('check-failure')).toContainText('is disabled: calls and data are refused. Unsuspend the service if it should work.');
});
