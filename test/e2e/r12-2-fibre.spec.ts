import { expect, test } from '@playwright/test';
import { pickItem, shot, signIn } from './helpers.js';

/** R12.2: internet for an existing business customer, from its page, with its installation ticket. */
test('Acme Ltd: Services tab, Add service, Fibre - 100Mbps, a site, a CPE modem, an installation date, provisioned, ticket visible', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByRole('combobox', { name: 'Search customers' }).fill('Acme');
  await page.getByRole('option', { name: /Acme Ltd/ }).click();
  await expect(page.getByRole('heading', { name: /Acme Ltd/ })).toBeVisible();

  await page.getByRole('tab', { name: 'Services' }).click();
  await shot(page, 'r12-2-01-customer-services');
  await page.getByRole('button', { name: 'Add service' }).click();
  const wizard = page.getByRole('dialog', { name: 'Assign a plan' });

  // The customer is known: the wizard starts at the product, with business plans only, and names
  // the customer in its header on every step (R3.2).
  await expect(wizard.getByTestId('wizard-customer')).toHaveText(/^Customer: Acme Ltd \(ID: \d+\)$/);
  await expect(wizard.getByRole('list', { name: 'Assign a plan' })).not.toContainText('Customer');
  await expect(wizard.getByRole('radio', { name: /Mobile - Business 50GB/ })).toBeVisible();
  await expect(wizard.getByRole('radio', { name: /Mobile - Unlimited plan/ })).toHaveCount(0);
  await wizard.getByRole('radio', { name: /Fibre - 100Mbps/ }).check();
  await shot(page, 'r12-2-02-product');
  await wizard.getByRole('button', { name: 'Continue' }).click();

  await pickItem(wizard, /^CPE Modem/);
  await expect(wizard.getByText(/Reserved for this assignment until/)).toBeVisible();
  await expect(wizard.getByTestId('wizard-customer')).toContainText('Acme Ltd');
  await shot(page, 'r12-2-03-modem');
  await wizard.getByRole('button', { name: 'Continue' }).click();

  // Site, contacts, PO number, installation date
  await wizard.getByRole('combobox', { name: /^Installation site/ }).selectOption({ label: 'London office - 123 Main St, London' });
  await expect(wizard.getByRole('combobox', { name: /^Billing contact/ })).toHaveValue(/\d+/);
  await expect(wizard.getByRole('combobox', { name: /^Technical contact/ })).toHaveValue(/\d+/);
  await wizard.getByLabel(/^Installation date/).fill('2026-12-15');
  await wizard.getByLabel(/^PO number/).fill('PO-12');
  await expect(wizard.getByText('PO number is not in the expected format.')).toBeVisible();
  await expect(wizard.getByRole('button', { name: 'Continue' })).toBeDisabled();
  await wizard.getByLabel(/^PO number/).fill('PO-2025-001234');
  await shot(page, 'r12-2-04-options');
  await wizard.getByRole('button', { name: 'Continue' }).click();

  await expect(wizard.getByText('8 of 8 checks passed')).toBeVisible();
  await expect(wizard.getByText(/Installation site: London office/)).toBeVisible();
  await expect(wizard.getByTestId('review-pricing')).toContainText('Setup fee: £49.00');
  await shot(page, 'r12-2-05-review');
  await wizard.getByRole('button', { name: 'Confirm & Provision' }).click();
  await expect(wizard.getByTestId('progress-summary')).toHaveText('7 of 7 tasks completed', { timeout: 30_000 });
  await expect(wizard.getByText('Create installation ticket')).toBeVisible();
  await expect(wizard.getByText('Service provisioned successfully for Acme Ltd')).toBeVisible();
  await shot(page, 'r12-2-06-success');

  // The service page: its data in one request (the balance and the tickets from their systems),
  // the site and the contacts chosen in the wizard, the custom fields by their labels.
  const serviceId = Number(await wizard.getByTestId('service-id').textContent());
  const asked: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/api/') && !path.startsWith('/api/provisions/')) asked.push(path);
  });
  await wizard.getByRole('button', { name: 'View service' }).click();
  await expect(page.getByTestId('service-status')).toHaveText('Active');
  await expect(page.getByTestId('service-site')).toHaveText('London office · 123 Main St, EC1A 1BB, London');
  const details = page.locator('dl.summary');
  await expect(details).toContainText('Billing contactJane Doe · jane@acme.example · +44 20 7946 0101');
  await expect(details).toContainText('Technical contactBob Smith');
  await expect(details).toContainText('PO numberPO-2025-001234');
  await expect(details).toContainText('Installation date15 Dec 2026');
  await expect(details).not.toContainText('po_number');
  await expect(page.getByTestId('tickets')).toBeVisible();
  expect(asked.filter((p) => p.startsWith(`/api/services/${serviceId}`)).sort()).toEqual([`/api/services/${serviceId}/balance`, `/api/services/${serviceId}/page`, `/api/services/${serviceId}/tickets`]);
  expect(asked.filter((p) => p.startsWith('/api/customers'))).toEqual([]);
  await expect(page.getByTestId('tickets')).toContainText('Install Fibre - 100Mbps at London office');
  await expect(page.getByTestId('tickets')).toContainText('15 Dec 2026');
  await expect(page.getByTestId('service-inventory')).toContainText('CPE Modem');
  await shot(page, 'r12-2-07-service-ticket');
});
