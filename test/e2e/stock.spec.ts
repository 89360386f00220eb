import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { JOHN, adminApi, provisionMobileByApi, shot, signIn } from './helpers.js';

/**
 * Issue 13 in the browser: the inventory page (a summary per template, filters, server-side
 * paging), a terminated service's number in quarantine with its date of return, and the final
 * bill quoted in the terminate dialog then shown as a credit on the billing tab; in English and
 * in French.
 */
const fmtDate = (iso: string, lang: 'en' | 'fr') => new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso));
const fmtMoney = (minor: number, lang: 'en' | 'fr') => new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { style: 'currency', currency: 'GBP', currencyDisplay: 'narrowSymbol' }).format(minor / 100);
const fmtNumber = (n: number, lang: 'en' | 'fr') => new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB').format(n);
const toFrench = (page: Page) => page.getByRole('combobox', { name: /^(Language|Langue)$/ }).selectOption('fr');

async function summary(api: APIRequestContext, template: string) {
  const all = ((await (await api.get('/api/inventory/summary')).json()) as { templates: { template: { name: string }; available: number; counts: Record<string, number>; nextReturn: string | null }[] }).templates;
  return all.find((s) => s.template.name === template)!;
}
const totalOf = async (api: APIRequestContext, query: string) => ((await (await api.get(`/api/inventory/items?${query}&limit=1`)).json()) as { total: number }).total;

async function terminateByApi(api: APIRequestContext, serviceId: number) {
  const res = await api.post(`/api/services/${serviceId}/terminate`, { data: {} });
  expect(res.ok()).toBe(true);
  const { id } = (await res.json()) as { id: string };
  await expect.poll(async () => ((await (await api.get(`/api/provisions/${id}`)).json()) as { status: string }).status, { timeout: 30_000 }).toBe('succeeded');
}

test('inventory page: a summary per template above the list, filters, and pages of 50 with the total', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  await signIn(page);
  await page.getByRole('navigation').getByRole('link', { name: 'Inventory' }).click();
  await expect(page.getByRole('heading', { name: 'Inventory', level: 1 })).toBeVisible();

  const table = page.getByTestId('inventory-summary');
  await expect(page.getByRole('heading', { name: 'Stock by template', level: 2 })).toBeVisible();
  for (const name of ['SIM Card', 'Mobile Number', 'CPE Modem']) {
    const s = await summary(api, name);
    const row = table.locator(`tr[data-template="${name}"]`);
    await expect(row.locator('[data-count="available"]')).toHaveText(fmtNumber(s.available, 'en'));
    await expect(row.locator('[data-count="assigned"]')).toHaveText(fmtNumber(s.counts.assigned!, 'en'));
  }
  await expect(table.getByRole('columnheader')).toHaveText(['Template', 'Available', 'Reserved', 'Assigned', 'Retired', 'Quarantined']);

  // Paging on the server: 50 a page, with the total.
  const range = page.getByTestId('inventory-range');
  const rows = page.getByTestId('inventory-items').locator('tbody tr');
  await page.getByLabel('Template', { exact: true }).selectOption('SIM Card');
  const sims = await totalOf(api, 'template=SIM%20Card');
  await expect(range).toHaveText(`Items 1 to 50 of ${fmtNumber(sims, 'en')}`);
  await expect(rows).toHaveCount(50);
  await expect(page.getByRole('button', { name: 'Previous page' })).toBeDisabled();
  const firstRef = await rows.first().getAttribute('data-reference');
  await page.getByRole('button', { name: 'Next page' }).click();
  await expect(range).toHaveText(`Items 51 to 100 of ${fmtNumber(sims, 'en')}`);
  await expect(rows.first()).not.toHaveAttribute('data-reference', firstRef!);
  await shot(page, 'inventory-01-summary-paging', { fullPage: true });

  // A filter takes the list back to its first page; a status, then a search by number.
  await page.getByLabel('Status', { exact: true }).selectOption('in_stock');
  await page.getByLabel('Template', { exact: true }).selectOption('Mobile Number');
  const inStock = await totalOf(api, 'template=Mobile%20Number&status=in_stock');
  await expect(range).toHaveText(`Items 1 to ${Math.min(50, inStock)} of ${fmtNumber(inStock, 'en')}`);
  await page.getByLabel('Status', { exact: true }).selectOption('');
  await page.getByLabel('ICCID, number or serial').fill('7700900150');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-reference', '+44 7700 900150');
  await expect(range).toHaveText('Items 1 to 1 of 1');
  // An ICCID (an attribute, not the reference).
  await page.getByLabel('Template', { exact: true }).selectOption('');
  await page.getByLabel('ICCID, number or serial').fill('89440000000000000149');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-reference', 'SIM-00249');

  // A template's name in the summary shows its items.
  await page.getByLabel('ICCID, number or serial').fill('');
  await table.getByRole('button', { name: 'CPE Modem' }).click();
  await expect(page.getByLabel('Template', { exact: true })).toHaveValue('CPE Modem');
  await expect(range).toContainText(`of ${fmtNumber(await totalOf(api, 'template=CPE%20Modem'), 'en')}`);
});

test("a terminated service's number is in quarantine, with its date of return, in English and in French", async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const mobile = await provisionMobileByApi(api, JOHN);
  const [number] = ((await (await api.get(`/api/services/${mobile.id}/inventory`)).json()) as { items: { id: number; reference: string; templateName: string }[] }).items.filter((i) => i.templateName === 'Mobile Number');
  await terminateByApi(api, mobile.id);
  const item = (await (await api.get(`/api/inventory/items/${number!.id}`)).json()) as { status: string; quarantinedUntil: string };
  expect(item.status).toBe('quarantined');

  await signIn(page);
  await page.goto('/inventory');
  await page.getByLabel('Status', { exact: true }).selectOption('quarantined');
  await page.getByLabel('ICCID, number or serial').fill(number!.reference);
  const row = page.getByTestId('inventory-items').locator(`tr[data-reference="${number!.reference}"]`);
  await expect(row).toContainText(`Quarantined until ${fmtDate(item.quarantinedUntil, 'en')}`);
  const s = await summary(api, 'Mobile Number');
  const mobileRow = page.getByTestId('inventory-summary').locator('tr[data-template="Mobile Number"]');
  await expect(mobileRow.locator('[data-count="quarantined"]')).toHaveText(`${fmtNumber(s.counts.quarantined!, 'en')} (next back ${fmtDate(s.nextReturn!, 'en')})`);
  await shot(page, 'inventory-02-quarantine');

  await toFrench(page);
  await expect(page.getByRole('heading', { name: 'Stock par modèle' })).toBeVisible();
  await expect(row).toContainText(`En quarantaine jusqu’au ${fmtDate(item.quarantinedUntil, 'fr')}`);
  await expect(mobileRow.locator('th')).toHaveText('Numéro de mobile');
  await expect(mobileRow.locator('[data-count="quarantined"]')).toContainText(`(prochain retour le ${fmtDate(s.nextReturn!, 'fr')})`);
  await shot(page, 'inventory-03-quarantaine');
});

test('terminate: the confirm dialog quotes the credit and the early termination charge; the billing tab shows the credit line', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const mobile = await provisionMobileByApi(api, JOHN);
  const quote = (await (await api.get(`/api/services/${mobile.id}/termination-quote`)).json()) as {
    credit: { amount: number; unusedDays: number; periodDays: number } | null;
    earlyTermination: { amount: number; minimumTermEnd: string } | null;
    total: number;
  };
  // mobile-20gb, just activated: inside its 12-month minimum term, its period not used yet.
  expect(quote.earlyTermination?.amount).toBe(4500);
  expect(quote.credit).not.toBeNull();

  await signIn(page);
  await page.goto(`/services/${mobile.id}`);
  await page.getByRole('button', { name: 'Terminate' }).click();
  const dialog = page.getByRole('dialog', { name: 'Terminate' });
  const shown = dialog.getByTestId('termination-quote');
  await expect(shown.locator('[data-line="credit"]')).toHaveText(`Credit for the unused part of the current period (${quote.credit!.unusedDays} of ${quote.credit!.periodDays} days): ${fmtMoney(quote.credit!.amount, 'en')}`);
  await expect(shown.locator('[data-line="early"]')).toHaveText(`Early termination charge (the minimum term runs until ${fmtDate(quote.earlyTermination!.minimumTermEnd, 'en')}): ${fmtMoney(4500, 'en')}`);
  await expect(shown.locator('[data-line="total"]')).toHaveText(quote.total > 0 ? `The customer pays ${fmtMoney(quote.total, 'en')}.` : `The customer is owed ${fmtMoney(-quote.total, 'en')}.`);
  await shot(page, 'lifecycle-04-termination-quote');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await toFrench(page);
  await page.getByRole('button', { name: 'Résilier' }).click();
  const fr = page.getByRole('dialog', { name: 'Résilier' });
  await expect(fr.locator('[data-line="credit"]')).toHaveText(`Avoir pour la partie non utilisée de la période en cours (${quote.credit!.unusedDays} jours sur ${quote.credit!.periodDays}) : ${fmtMoney(quote.credit!.amount, 'fr')}`);
  await expect(fr.locator('[data-line="early"]')).toHaveText(`Frais de résiliation anticipée (l’engagement court jusqu’au ${fmtDate(quote.earlyTermination!.minimumTermEnd, 'fr')}) : ${fmtMoney(4500, 'fr')}`);
  await shot(page, 'fr-07-devis-resiliation');
  await fr.getByRole('button', { name: 'Oui, résilier' }).click();
  await expect(page.getByTestId('service-status')).toHaveText('Résilié', { timeout: 30_000 });

  // What the dialog said is what was written: the credit line and the charge on the billing tab.
  await page.goto(`/customers/${JOHN}`);
  await page.getByRole('tab', { name: 'Facturation' }).click();
  const charges = page.getByTestId('billing-charges');
  const credit = charges.locator('tr', { hasText: 'Avoir' }).filter({ hasText: fmtMoney(-quote.credit!.amount, 'fr') });
  await expect(credit.first()).toContainText('Dû au client');
  await expect(charges.locator('tr', { hasText: 'Frais de résiliation anticipée' }).first()).toContainText(fmtMoney(4500, 'fr'));
  await shot(page, 'fr-08-avoir');
});
