import { expect, type Page, test } from '@playwright/test';
import { adminApi, newAgentPage, pickItem, servicesOf, shot } from './helpers.js';

async function openToInventory(page: Page, customerSearch: string, customerName: RegExp) {
  await page.goto('/products');
  const card = page.getByRole('article').filter({ has: page.getByRole('heading', { name: 'Mobile - 20GB plan' }) });
  await card.getByRole('button', { name: 'Assign to customer' }).click();
  const wizard = page.getByRole('dialog', { name: 'Assign a plan' });
  await wizard.getByRole('combobox', { name: 'Search customers' }).fill(customerSearch);
  await wizard.getByRole('option', { name: customerName }).click();
  await wizard.getByRole('button', { name: 'Continue' }).click();
  await expect(wizard.getByRole('combobox', { name: /^SIM Card/ })).toBeEnabled();
  return wizard;
}

test('a double click on Confirm & Provision creates one service (R6.2)', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const amit = 105;
  const before = await servicesOf(api, amit);
  const wizardPage = await newAgentPage(page.context().browser()!);
  const wizard = await openToInventory(wizardPage, 'Amit', /Amit Patel/);
  await pickItem(wizard, /^SIM Card/);
  await expect(wizard.getByText(/Reserved for this assignment/)).toHaveCount(1);
  await pickItem(wizard, /^Mobile Number/);
  await expect(wizard.getByText(/Reserved for this assignment/)).toHaveCount(2);
  await wizard.getByRole('button', { name: 'Continue' }).click();
  await wizard.getByRole('button', { name: 'Continue' }).click();
  await expect(wizard.getByText('8 of 8 checks passed')).toBeVisible();
  await wizard.getByRole('button', { name: 'Confirm & Provision' }).dblclick();
  await expect(wizard.getByTestId('progress-summary')).toHaveText('6 of 6 tasks completed', { timeout: 30_000 });
  const after = await servicesOf(api, amit);
  expect(after.length).toBe(before.length + 1);
  await wizardPage.context().close();
});

test('two staff members pick the same SIM: the second is told it is taken and sees what is left (R4.3)', async ({ browser }) => {
  const first = await newAgentPage(browser);
  const second = await newAgentPage(browser);
  const w1 = await openToInventory(first, 'John Doe', /John Doe/);
  const w2 = await openToInventory(second, 'Claire', /Claire Dubois/);
  const sim1 = w1.getByRole('combobox', { name: /^SIM Card/ });
  const sim2 = w2.getByRole('combobox', { name: /^SIM Card/ });
  // Both lists were loaded before anyone chose: both offer the same first SIM.
  await sim1.click();
  const firstSim = (await w1.getByRole('option').first().textContent())!;
  await sim2.click();
  await expect(w2.getByRole('option').first()).toHaveText(firstSim);

  await sim1.click();
  await w1.getByRole('option', { name: firstSim }).click();
  await expect(w1.getByText(/Reserved for this assignment/)).toBeVisible();
  await sim2.click();
  await w2.getByRole('option', { name: firstSim }).click();
  await expect(w2.getByText('Taken by someone else')).toBeVisible();
  await expect(w2.getByRole('alert').filter({ hasText: /is reserved by another assignment/ })).toBeVisible();
  await expect(sim2).toHaveValue('');
  await sim2.click();
  await expect(w2.getByRole('option').first()).toBeVisible();
  await expect(w2.getByRole('option', { name: firstSim })).toHaveCount(0);
  await shot(second, 'concurrency-01-sim-taken');

  // The second staff member picks another one, and both carry on.
  await pickItem(w2, /^SIM Card/);
  await expect(w2.getByText(/Reserved for this assignment/)).toBeVisible();
  await w1.getByRole('button', { name: 'Cancel' }).click();
  await w2.getByRole('button', { name: 'Cancel' }).click();
  await first.context().close();
  await second.context().close();
});
