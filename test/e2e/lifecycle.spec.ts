import { expect, test } from '@playwright/test';
import { JOHN, adminApi, provisionMobileByApi, shot, signIn } from './helpers.js';

/** Issue 5 in the browser: auto-renew, suspend, unsuspend and terminate from the service page; the billing tab. */
test('service page: switch auto-renew, suspend, unsuspend, terminate, each confirmed', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const mobile = await provisionMobileByApi(api, JOHN);
  await signIn(page);
  await page.goto(`/services/${mobile.id}`);
  await expect(page.getByTestId('service-status')).toHaveText('Active');

  const autoRenew = page.getByRole('switch', { name: 'Auto-renew' });
  const initially = (await autoRenew.getAttribute('aria-checked')) === 'true';
  await autoRenew.click();
  await expect(autoRenew).toHaveAttribute('aria-checked', String(!initially));
  await expect(page.getByTestId('service-autorenew')).toHaveText(initially ? 'No' : 'Yes');

  // Suspend: the confirmation says what will happen; Cancel changes nothing.
  await page.getByRole('button', { name: 'Suspend' }).click();
  const confirm = page.getByRole('dialog', { name: 'Suspend' });
  await expect(confirm).toContainText('Its OCS account is disabled');
  await shot(page, 'lifecycle-01-confirm-suspend');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('service-status')).toHaveText('Active');
  await page.getByRole('button', { name: 'Suspend' }).click();
  await page.getByRole('dialog', { name: 'Suspend' }).getByRole('button', { name: 'Yes, suspend' }).click();
  await expect(page.getByTestId('service-status')).toHaveText('Suspended', { timeout: 30_000 });
  await shot(page, 'lifecycle-02-suspended');

  await page.getByRole('button', { name: 'Unsuspend' }).click();
  await page.getByRole('dialog', { name: 'Unsuspend' }).getByRole('button', { name: 'Yes, unsuspend' }).click();
  await expect(page.getByTestId('service-status')).toHaveText('Active', { timeout: 30_000 });

  await page.getByRole('button', { name: 'Terminate' }).click();
  const terminate = page.getByRole('dialog', { name: 'Terminate' });
  await expect(terminate).toContainText('numbers held back in quarantine, then back in stock; SIM cards retired');
  await terminate.getByRole('button', { name: 'Yes, terminate' }).click();
  await expect(page.getByTestId('service-status')).toHaveText('Terminated', { timeout: 30_000 });
  await expect(page.getByText('No inventory assigned.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Suspend' })).toHaveCount(0);
  await shot(page, 'lifecycle-03-terminated');
});

test("the customer's billing tab: totals per month, charges and payments", async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  await provisionMobileByApi(api, JOHN);
  await signIn(page);
  await page.goto(`/customers/${JOHN}`);
  await page.getByRole('tab', { name: 'Billing' }).click();
  // Months and dates written as everywhere else in the console ("December 2026"), not "2026-12".
  const month = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date());
  await expect(page.getByTestId('billing-totals')).toContainText(month);
  await expect(page.getByTestId('billing-totals')).not.toContainText(/\d{4}-\d{2}/);
  const charges = page.getByTestId('billing-charges');
  await expect(charges).toContainText('Mobile - 20GB plan');
  await expect(charges).toContainText('£15.00');
  await expect(charges).toContainText('Paid');
  await expect(page.getByTestId('billing-payments')).toContainText('Visa ending 4242');
  await shot(page, 'billing-01-tab');
});
