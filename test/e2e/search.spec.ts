import { expect, test } from '@playwright/test';
import { adminApi, JOHN, shot, signIn, startMobileByApi } from './helpers.js';

/** The top bar's search (issue 13): "/" from any page; customers, services by number, runs by ID. */
test('"/" opens the search from any page; a customer, a line by its number and a run by its ID are each one Enter away, in English and French', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const runId = await startMobileByApi(api, JOHN);
  await expect.poll(async () => ((await (await api.get(`/api/provisions/${runId}`)).json()) as { status: string }).status, { timeout: 30_000 }).toBe('succeeded');
  const run = (await (await api.get(`/api/provisions/${runId}`)).json()) as { service: { id: number }; inventory?: unknown };
  const items = (await (await api.get(`/api/inventory/items?serviceId=${run.service.id}`)).json()) as { items: { reference: string; template: string }[] };
  const number = items.items.find((i) => i.reference.startsWith('+'))!.reference;

  await signIn(page, 'agent');
  await page.getByRole('link', { name: 'Inventory' }).click();
  const box = page.getByRole('combobox', { name: 'Search everything' });
  // "/" from the page (not from inside a field) puts the cursor in the search.
  await page.locator('main').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  await expect(box).toBeFocused();
  await expect(box).toHaveValue('');

  await page.keyboard.type('John Sm');
  const results = page.getByRole('listbox', { name: 'Customers, services and runs found' });
  await expect(results.getByRole('option').first()).toContainText('John Smith');
  await expect(results.getByRole('option').first()).toContainText('Customer');
  await shot(page, 'search-01-customer');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/customers/${JOHN}$`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText('John Smith');

  // A line by its number typed the national way, without spaces.
  const national = `0${number.replace(/[^0-9]/g, '').slice(2)}`;
  await page.keyboard.press('/');
  await page.keyboard.type(national);
  const service = results.getByRole('option', { name: new RegExp(`#${run.service.id}`) });
  await expect(service).toContainText('Service');
  await expect(service).toContainText(number);
  await service.click();
  await expect(page).toHaveURL(new RegExp(`/services/${run.service.id}$`));

  // A run by the start of its provisioning ID.
  await page.keyboard.press('/');
  await page.keyboard.type(runId.slice(0, 8));
  await expect(results.getByRole('option').first()).toContainText('Run');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/provisioning/${runId}$`));

  // Nothing found says so; "/" typed inside a field is just a character.
  await page.keyboard.press('/');
  await page.keyboard.type('zzzz-nobody');
  await expect(page.getByTestId('search-none')).toHaveText('No customer, service or run matches “zzzz-nobody”.');
  await box.fill('');
  await box.press('/');
  await expect(box).toHaveValue('/');
  await box.fill('');

  await page.getByRole('combobox', { name: 'Language' }).selectOption('fr');
  const recherche = page.getByRole('combobox', { name: 'Recherche globale' });
  await recherche.fill(number);
  const found = page.getByRole('listbox', { name: 'Clients, services et provisionnements trouvés' }).getByRole('option', { name: new RegExp(`n° ${run.service.id}`) });
  await expect(found).toContainText('Service');
  await expect(found).toContainText('Actif');
  await expect(found).toContainText(`Numéro de mobile ${number}`);
  await shot(page, 'search-02-number-fr');
  await recherche.fill('zzzz-personne');
  await expect(page.getByTestId('search-none')).toHaveText('Aucun client, service ou provisionnement ne correspond à « zzzz-personne ».');
  await page.getByRole('combobox', { name: 'Langue' }).selectOption('en');
});
