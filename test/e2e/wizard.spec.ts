import { expect, type Locator, type Page, test } from '@playwright/test';
import { pickItem, shot, signIn } from './helpers.js';

/** The console's wizard as staff meet it at a shop counter (issue 13): a 1280x900 screen, quick clicks. */

async function openForCustomer(page: Page, search: string, name: RegExp): Promise<Locator> {
  await page.goto('/products');
  const card = page.getByRole('article').filter({ has: page.getByRole('heading', { name: 'Mobile - 20GB plan' }) });
  await card.getByRole('button', { name: 'Assign to customer' }).click();
  const wizard = page.getByRole('dialog', { name: 'Assign a plan' });
  await wizard.getByRole('combobox', { name: 'Search customers' }).fill(search);
  await wizard.getByRole('option', { name }).click();
  await wizard.getByRole('button', { name: 'Continue' }).click();
  return wizard;
}

test('picking the number while the SIM’s reservation is still on its way keeps both (the stock pickers’ race)', async ({ page }) => {
  await signIn(page);
  const wizard = await openForCustomer(page, 'John Doe', /John Doe/);
  // The first reservation's answer is held back 1.5 s: the number is picked and reserved meanwhile.
  let held = false;
  await page.route('**/api/inventory/items/*/reservations', async (route) => {
    if (!held && route.request().method() === 'POST') {
      held = true;
      await new Promise((r) => setTimeout(r, 1500));
    }
    await route.continue();
  });
  const sim = wizard.getByRole('combobox', { name: /^SIM Card/ });
  await sim.click();
  await wizard.getByRole('listbox').getByRole('option').first().click();
  await expect(wizard.getByText('Reserving…')).toBeVisible();
  const number = await pickItem(wizard, /^Mobile Number/);
  // The SIM's answer arrives after the number's: neither choice is lost.
  await expect(wizard.getByText(/Reserved for this assignment until/)).toHaveCount(2);
  await expect(sim).toHaveValue(/^SIM-\d{5} - ICCID .* \(Reserved\)$/);
  await expect(wizard.getByRole('combobox', { name: /^Mobile Number/ })).toHaveValue(`${number} (Reserved)`);
  await expect(wizard.getByRole('button', { name: 'Continue' })).toBeEnabled();
  await page.unroute('**/api/inventory/items/*/reservations');
  await wizard.getByRole('button', { name: 'Cancel' }).click();
});

test('the review fits a 1280x900 screen: the footer in view, the checks on one line that opens, the same height on every step', async ({ page }) => {
  await signIn(page);
  const wizard = await openForCustomer(page, 'Amit', /Amit Patel/);
  const height = async () => (await wizard.boundingBox())!.height;
  const inventoryHeight = await height();
  await pickItem(wizard, /^SIM Card/);
  await pickItem(wizard, /^Mobile Number/);
  await expect(wizard.getByRole('button', { name: 'Continue' })).toBeInViewport();
  await wizard.getByRole('button', { name: 'Continue' }).click();
  expect(await height()).toBe(inventoryHeight);
  await wizard.getByRole('button', { name: 'Continue' }).click();

  const summary = wizard.getByTestId('checks-summary');
  await expect(summary).toHaveText(/8 of 8 checks passed/);
  expect(await height()).toBe(inventoryHeight);
  // The checks are closed until asked for, and the main button is on screen without scrolling.
  await expect(wizard.locator('[data-check="customer"]')).toBeHidden();
  await expect(wizard.getByRole('button', { name: 'Confirm & Provision' })).toBeInViewport({ ratio: 1 });
  await expect(wizard.getByTestId('wizard-customer')).toHaveText('Customer: Amit Patel (ID: 105)');
  await shot(page, 'wizard-01-review-fits');
  await summary.click();
  await expect(wizard.locator('[data-check="customer"]')).toContainText('Amit Patel (ID: 105) is active');
  await expect(wizard.getByRole('button', { name: 'Confirm & Provision' })).toBeInViewport({ ratio: 1 });
  await wizard.getByRole('button', { name: 'Cancel' }).click();
});

test('a check that fails opens the list by itself, and Confirm stays disabled', async ({ page }) => {
  await signIn(page);
  const wizard = await openForCustomer(page, 'Claire', /Claire Dubois/);
  const simText = await pickItem(wizard, /^SIM Card/);
  await pickItem(wizard, /^Mobile Number/);
  await wizard.getByRole('button', { name: 'Continue' }).click();
  // The SIM's reservation is given up behind the wizard's back (another tab, an expiry).
  const reference = simText.split(' - ')[0]!;
  const item = ((await (await page.request.get(`/api/inventory/items?q=${encodeURIComponent(reference)}`)).json()) as { items: { id: number; reservation: { holder: string } }[] }).items[0]!;
  expect((await page.request.delete(`/api/inventory/items/${item.id}/reservations/${encodeURIComponent(item.reservation.holder)}`)).ok()).toBe(true);
  await wizard.getByRole('button', { name: 'Continue' }).click();
  await expect(wizard.getByTestId('checks-summary')).toHaveText(/1 of 8 checks failed/);
  await expect(wizard.locator('[data-check="inventory"]')).toBeVisible();
  await expect(wizard.getByRole('button', { name: 'Confirm & Provision' })).toBeDisabled();
  await expect(wizard.getByRole('button', { name: 'Confirm & Provision' })).toBeInViewport({ ratio: 1 });
  await wizard.getByRole('button', { name: 'Cancel' }).click();
});
