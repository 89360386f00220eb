import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { adminApi, JOHN, pickItem, provisionMobileByApi, setSimulator, signIn } from './helpers.js';

/**
 * Every page and every step of the wizard, scanned by axe-core for WCAG 2.1 A and AA (R13,
 * issue 13), in English and in French: no violation, each one named with its page if any.
 */
const wcag = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

async function scan(page: Page, where: string, found: string[]) {
  // The page has settled: no "Loading…" left.
  await expect(page.getByText(/^(Loading|Chargement)…$/)).toHaveCount(0, { timeout: 15_000 });
  const result = await new AxeBuilder({ page }).withTags(wcag).analyze();
  for (const v of result.violations) {
    const first = v.nodes[0];
    found.push(`${where}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}: ${first?.html.slice(0, 120)} ${first?.failureSummary?.replace(/\s+/g, ' ').slice(0, 200)}`);
  }
}

for (const lang of ['en', 'fr'] as const) {
  test(`axe: no violation on any page nor any wizard step (${lang})`, async ({ page, baseURL }) => {
    const api = await adminApi(baseURL!);
    const service = await provisionMobileByApi(api, JOHN);
    const found: string[] = [];

    await page.goto('/');
    await page.evaluate((l) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('switchboard.language', l), lang);
    await page.goto('/');
    await scan(page, 'sign-in', found);
    await signIn(page, 'admin');

    const runs = ((await (await api.get(`/api/provisions?serviceId=${service.id}`)).json()) as { items: { id: string }[] }).items;
    const pages = [
      '/products',
      '/products?category=addon',
      '/customers',
      `/customers/${JOHN}`,
      `/customers/${JOHN}?tab=details`,
      `/customers/${JOHN}?tab=contacts`,
      `/customers/${JOHN}?tab=payment`,
      `/customers/${JOHN}?tab=billing`,
      `/services/${service.id}`,
      '/inventory',
      '/provisioning',
      `/provisioning/${runs[0]!.id}`,
      '/bulk/new',
      '/operations',
      '/account',
      '/staff',
      '/webhooks',
      '/systems',
    ];
    for (const path of pages) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await scan(page, path, found);
    }

    // The top bar's search with its results open.
    await page.goto('/customers');
    await page.getByRole('combobox', { name: lang === 'fr' ? 'Recherche globale' : 'Search everything' }).fill('John');
    await expect(page.getByRole('option').first()).toBeVisible();
    await scan(page, 'global search', found);
    await page.keyboard.press('Escape');
    // The terminate dialog with its quote (the final bill), and the inventory list filtered (issue 13).
    await page.goto(`/services/${service.id}`);
    await page.getByRole('button', { name: /^(Terminate|Résilier)$/ }).click();
    await expect(page.getByTestId('termination-quote')).toBeVisible();
    await scan(page, 'terminate: confirm with its quote', found);
    await page.getByRole('dialog').getByRole('button', { name: /^(Cancel|Annuler)$/ }).click();
    await page.goto('/inventory');
    // The list's filter (an admin also has the Add items form's template, after it).
    await page.getByRole('combobox', { name: /^(Template|Modèle)$/ }).first().selectOption('SIM Card');
    await expect(page.getByTestId('inventory-range')).toBeVisible();
    await scan(page, 'inventory: one template, paged', found);

    // The wizard, step by step, to the end of the run.
    await page.goto('/products');
    await page.getByRole('article').first().getByRole('button').last().click();
    const wizard = page.getByRole('dialog');
    await scan(page, 'wizard: customer', found);
    await wizard.getByRole('combobox').first().fill('john.smith@');
    await expect(wizard.getByRole('option').first()).toBeVisible();
    await scan(page, 'wizard: customer search results', found);
    await wizard.getByRole('option').first().click();
    await scan(page, 'wizard: customer chosen', found);
    const next = wizard.getByRole('button', { name: /^(Continue|Continuer)$/ });
    await next.click();
    await wizard.getByRole('combobox').first().click();
    await scan(page, 'wizard: stock picker open', found);
    await pickItem(wizard, /^(SIM Card|Carte SIM)/);
    await pickItem(wizard, /^(Mobile Number|Numéro de mobile)/);
    await scan(page, 'wizard: stock chosen', found);
    await next.click();
    await scan(page, 'wizard: details', found);
    await next.click();
    await expect(wizard.getByTestId('checks-summary')).toBeVisible();
    await scan(page, 'wizard: review', found);
    await wizard.getByTestId('checks-summary').click();
    await scan(page, 'wizard: review, checks open', found);
    await wizard.getByRole('button', { name: /^(Confirm & Provision|Confirmer & Provisionner)$/ }).click();
    await expect(wizard.getByTestId('progress-summary')).toHaveText(/^6 (of|des) 6/, { timeout: 30_000 });
    await scan(page, 'wizard: progress, succeeded', found);

    expect(found).toEqual([]);
  });
}

for (const lang of ['en', 'fr'] as const) {
  test(`axe: a business customer's details step, and the failure screen with its log (${lang})`, async ({ page, baseURL }) => {
    const api = await adminApi(baseURL!);
    const found: string[] = [];
    await page.goto('/');
    await page.evaluate((l) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('switchboard.language', l), lang);
    await signIn(page);
    const acme = ((await (await api.get('/api/customers/search?q=Acme')).json()) as { items: { id: number }[] }).items[0]!.id;
    await page.goto(`/customers/${acme}`);
    await page.getByRole('button', { name: /^(Add service|Ajouter un service)$/ }).click();
    const wizard = page.getByRole('dialog');
    await wizard.getByRole('radio', { name: /Fibre - 100/ }).check();
    await scan(page, 'wizard: product', found);
    const next = wizard.getByRole('button', { name: /^(Continue|Continuer)$/ });
    await next.click();
    await pickItem(wizard, /^(CPE Modem|Modem CPE)/);
    await next.click();
    await scan(page, 'wizard: details of a business (site, contacts, PO number, date)', found);
    await wizard.getByRole('button', { name: /^(Cancel|Annuler)$/ }).click();

    await setSimulator(api, 'ocs', { failure: 'unreachable' });
    try {
      await page.goto('/products');
      const card = page.getByRole('article').filter({ has: page.getByRole('heading', { name: /^Mobile - (20GB plan|forfait 20 Go)$/ }) });
      await card.getByRole('button').last().click();
      await wizard.getByRole('combobox').first().fill('maria');
      await wizard.getByRole('option').first().click();
      await next.click();
      await pickItem(wizard, /^(SIM Card|Carte SIM)/);
      await pickItem(wizard, /^(Mobile Number|Numéro de mobile)/);
      await next.click();
      await next.click();
      await wizard.getByRole('button', { name: /^(Confirm & Provision|Confirmer & Provisionner)$/ }).click();
      await expect(wizard.getByTestId('failure-text')).toBeVisible({ timeout: 30_000 });
      await scan(page, 'wizard: failure', found);
      await wizard.getByRole('button', { name: /^(View logs|Voir les journaux)$/ }).click();
      await expect(wizard.getByRole('region').last()).toBeVisible();
      await scan(page, 'wizard: failure with its log', found);
    } finally {
      await setSimulator(api, 'ocs', { failure: null });
    }
    expect(found).toEqual([]);
  });
}
