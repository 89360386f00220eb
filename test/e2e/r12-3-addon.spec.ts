import { expect, test } from '@playwright/test';
import { JOHN, adminApi, provisionMobileByApi, shot, signIn } from './helpers.js';

/** R12.3: a data top-up on an existing mobile service; the balance grows at once. */
test('5GB data boost on a mobile service from the customer\'s Services tab, with the new balance shown', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const mobile = await provisionMobileByApi(api, JOHN);
  const before = ((await (await api.get(`/api/services/${mobile.id}/balance`)).json()) as { totals: Record<string, number> }).totals['data:MB']!;

  await signIn(page);
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByRole('combobox', { name: 'Search customers' }).fill('John Smith');
  await page.getByRole('option', { name: /John Smith \(ID: 100\)/ }).click();
  await page.getByRole('tab', { name: 'Services' }).click();
  await page.getByRole('button', { name: `Add-ons for ${mobile.name}` }).click();

  const wizard = page.getByRole('dialog', { name: 'Add an add-on' });
  // Only add-ons for mobile services are offered.
  await expect(wizard.getByRole('radio', { name: /5GB data boost/ })).toBeVisible();
  await expect(wizard.getByRole('radio', { name: /Static IP/ })).toHaveCount(0);
  await wizard.getByRole('radio', { name: /5GB data boost/ }).check();
  await shot(page, 'r12-3-01-addon');
  await wizard.getByRole('button', { name: 'Continue' }).click();
  await wizard.getByRole('button', { name: 'Continue' }).click();

  await expect(wizard.getByText('8 of 8 checks passed')).toBeVisible();
  await expect(wizard.locator('[data-check="payment_method"]')).toContainText('Visa ending 4242');
  await expect(wizard.locator('[data-check="addon_target"]')).toContainText(mobile.name);
  await expect(wizard.getByTestId('review-pricing')).toContainText('One-off charge: £5.00');
  await shot(page, 'r12-3-02-review');
  await wizard.getByRole('button', { name: 'Confirm & Provision' }).click();

  await expect(wizard.getByText(`5GB data boost added to ${mobile.name} for John Smith`)).toBeVisible({ timeout: 30_000 });
  // Whole gigabytes read as GB (20480 MB is "20 GB").
  const gb = (mb: number) => `${mb / 1024} GB`;
  await expect(wizard.getByTestId('balance-change')).toHaveText(`Balance (data): ${gb(before)} → ${gb(before + 5120)}`);
  await shot(page, 'r12-3-03-balance');

  // No new service; the service page shows the new balance and the add-on.
  await page.goto(`/services/${mobile.id}`);
  await expect(page.getByTestId('balance')).toContainText(`${gb(before + 5120)} of data`);
  await expect(page.getByText(/5GB data boost · One-off/)).toBeVisible();
});
