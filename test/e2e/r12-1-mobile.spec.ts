import { expect, test } from '@playwright/test';
import { JOHN, adminApi, pickItem, servicesOf, shot, signIn } from './helpers.js';

/** R12.1: a new mobile service, from the catalog to the service page, in the browser. */
test('new mobile line for John Smith: catalog, search by phone, SIM and number, auto-renew, confirm, 6 of 6, service Active', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const before = await servicesOf(api, JOHN);
  await signIn(page);

  // Products, Plans, Individual
  await page.getByRole('link', { name: 'Products' }).click();
  await page.getByRole('radio', { name: 'Service plans' }).click();
  await page.getByRole('radio', { name: 'Individual' }).click();
  await expect(page.getByRole('heading', { name: 'Product catalog' })).toBeVisible();
  await shot(page, 'r12-1-01-catalog');

  // "Mobile - 20GB plan", Assign to customer
  const card = page.getByRole('article').filter({ has: page.getByRole('heading', { name: 'Mobile - 20GB plan' }) });
  await expect(card).toContainText('£15.00 / month');
  await expect(card).toContainText('Setup fee: £0.00');
  await card.getByRole('button', { name: 'Assign to customer' }).click();
  const wizard = page.getByRole('dialog', { name: 'Assign a plan' });
  await expect(wizard).toBeVisible();
  await expect(wizard.getByTestId('wizard-product')).toContainText('Mobile - 20GB plan');

  // Search by phone "+1234567890", pick John Smith
  await wizard.getByRole('combobox', { name: 'Search customers' }).fill('+1234567890');
  const option = wizard.getByRole('option', { name: /John Smith \(ID: 100\)/ });
  await expect(option).toBeVisible();
  await shot(page, 'r12-1-02-customer-search');
  await option.click();
  await expect(wizard.getByTestId('chosen-customer')).toHaveText('John Smith (ID: 100)');
  await expect(wizard.getByRole('note')).toContainText('wrong customer');
  await shot(page, 'r12-1-03-customer-chosen');
  await wizard.getByRole('button', { name: 'Continue' }).click();

  // Pick a SIM and a number: each is reserved at once
  // (a searchable picker per item; its list shows each item with its status)
  const sim = wizard.getByRole('combobox', { name: /^SIM Card/ });
  await sim.click();
  await expect(wizard.getByRole('listbox').getByRole('option').first()).toHaveText(/^SIM-\d{5} - ICCID 8944\.\.\.\d{4} \(New\)$/);
  const simText = await pickItem(wizard, /^SIM Card/);
  await expect(wizard.getByText(/Reserved for this assignment until/).first()).toBeVisible();
  await wizard.getByRole('combobox', { name: /^Mobile Number/ }).click();
  await expect(wizard.getByRole('listbox').getByRole('option').first()).toHaveText(/^\+44 7700 900\d{3} \((New|In stock)\)$/);
  const numberText = await pickItem(wizard, /^Mobile Number/);
  await expect(wizard.getByText(/Reserved for this assignment until/)).toHaveCount(2);
  // The wizard's header names the customer on every step (R3.2).
  await expect(wizard.getByTestId('wizard-customer')).toHaveText('Customer: John Smith (ID: 100)');
  await shot(page, 'r12-1-04-inventory');
  await wizard.getByRole('button', { name: 'Continue' }).click();

  // Auto-renew: Yes (the default for a recurring consumer plan, R5.2)
  await expect(wizard.getByRole('group', { name: /enable auto-renew/ })).toBeVisible();
  await expect(wizard.getByRole('radio', { name: /^Yes/ })).toBeChecked();
  await wizard.getByRole('radio', { name: /^Yes/ }).check();
  await shot(page, 'r12-1-05-auto-renew');
  await wizard.getByRole('button', { name: 'Continue' }).click();

  // Review
  await expect(wizard.getByText('8 of 8 checks passed')).toBeVisible();
  await expect(wizard.getByTestId('review-customer')).toHaveText('John Smith (ID: 100)');
  await expect(wizard.getByTestId('review-product')).toHaveText('Mobile - 20GB plan');
  await expect(wizard.getByTestId('review-inventory')).toContainText(simText);
  await expect(wizard.getByTestId('review-inventory')).toContainText(numberText);
  await expect(wizard.getByTestId('review-pricing')).toContainText('Setup fee: £0.00');
  await expect(wizard.getByTestId('review-pricing')).toContainText('Monthly cost: £15.00');
  await expect(wizard.getByTestId('review-autorenew')).toHaveText('Yes');
  await expect(wizard.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await shot(page, 'r12-1-06-review');
  await wizard.getByRole('button', { name: 'Confirm & Provision' }).click();

  // Progress to "6 of 6", then success
  await expect(wizard.getByRole('list', { name: 'Provisioning progress' }).getByRole('listitem')).toHaveCount(6);
  await expect(wizard.getByTestId('progress-summary')).toHaveText('6 of 6 tasks completed', { timeout: 30_000 });
  await expect(wizard.getByText('Service provisioned successfully for John Smith')).toBeVisible();
  await expect(wizard.getByTestId('service-name')).toHaveText(`Mobile - ${numberText}`);
  await shot(page, 'r12-1-07-success');
  const serviceId = Number(await wizard.getByTestId('service-id').textContent());

  // View service: Active, with its SIM and number
  await wizard.getByRole('button', { name: 'View service' }).click();
  await expect(page).toHaveURL(new RegExp(`/services/${serviceId}$`));
  await expect(page.getByTestId('service-status')).toHaveText('Active');
  await expect(page.getByTestId('service-inventory')).toContainText(simText.split(' - ')[0]!);
  await expect(page.getByTestId('service-inventory')).toContainText(numberText);
  await expect(page.getByTestId('service-inventory')).toContainText('Assigned');
  await shot(page, 'r12-1-08-service');

  const after = await servicesOf(api, JOHN);
  expect(after.length).toBe(before.length + 1);
  expect(after.find((s) => s.id === serviceId)?.status).toBe('active');
});

test('the customer search says "Customer not found", why, and offers to create the customer (R3.3)', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByRole('combobox', { name: 'Search customers' }).fill('Nobody Whatsoever');
  await expect(page.getByText('Customer not found')).toBeVisible();
  await expect(page.getByText(/the customer does not exist, or the search term is wrong/)).toBeVisible();
  await page.getByRole('button', { name: 'Create customer' }).first().click();
  const form = page.getByRole('form', { name: 'New customer' });
  await form.getByLabel(/^Name/).fill('Nobody Whatsoever');
  await form.getByLabel(/^E-mail address/).fill('nobody@example.com');
  await form.getByRole('button', { name: 'Create customer' }).click();
  await expect(page.getByRole('heading', { name: /Nobody Whatsoever/ })).toBeVisible();
});
