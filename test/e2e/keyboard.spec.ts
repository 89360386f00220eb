import { expect, type Locator, type Page, test } from '@playwright/test';
import { pickItem, signIn } from './helpers.js';

/** Presses Tab until `target` has the focus (a person's way through a form), at most 25 times. */
async function tabTo(page: Page, target: Locator) {
  for (let i = 0; i < 25; i++) {
    if (await target.evaluate((el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('could not reach the control with Tab');
}

/** The wizard from the keyboard alone, with focus where a person expects it; progress by polling. */
test('keyboard only: open, search, pick, reserve, confirm, and follow the run by polling every 0.2 s', async ({ page }) => {
  await signIn(page);
  await page.goto('/products?poll=1');
  const card = page.getByRole('article').filter({ has: page.getByRole('heading', { name: 'Mobile - Unlimited plan' }) });
  await card.getByRole('button', { name: 'Assign to customer' }).focus();
  await page.keyboard.press('Enter');
  const wizard = page.getByRole('dialog', { name: 'Assign a plan' });

  // Focus lands in the search box: type, the first match is active, Enter picks it.
  const search = wizard.getByRole('combobox', { name: 'Search customers' });
  await expect(search).toBeFocused();
  await page.keyboard.type('+44 7700 900002');
  await expect(wizard.getByRole('option', { name: /Maria Garcia/ })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(wizard.getByTestId('chosen-customer')).toContainText('Maria Garcia');
  await tabTo(page, wizard.getByRole('button', { name: 'Continue' }));
  await page.keyboard.press('Enter');

  // Focus lands on the first picker: the down arrow opens its list, again moves, Enter picks, which reserves.
  const sim = wizard.getByRole('combobox', { name: /^SIM Card/ });
  await expect(sim).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(sim).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(wizard.getByRole('option').nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(wizard.getByText(/Reserved for this assignment/)).toHaveCount(1);
  await expect(sim).toHaveValue(/\(Reserved\)$/);
  await tabTo(page, wizard.getByRole('combobox', { name: /^Mobile Number/ }));
  // Typing searches the server: part of a number finds it.
  await page.keyboard.type('77009002');
  await expect(wizard.getByRole('option').first()).toHaveText(/^\+44 7700 9002\d\d /);
  for (const text of await wizard.getByRole('option').allTextContents()) expect(text).toMatch(/^\+44 7700 9002\d\d /);
  await page.keyboard.press('Enter');
  await expect(wizard.getByText(/Reserved for this assignment/)).toHaveCount(2);
  await expect(wizard.getByRole('combobox', { name: /^Mobile Number/ })).toHaveValue(/^\+44 7700 9002\d\d \(Reserved\)$/);
  await tabTo(page, wizard.getByRole('button', { name: 'Continue' }));
  await page.keyboard.press('Enter');

  // Auto-renew: focus on the question's choice; arrow keys move between No and Yes.
  await expect(wizard.getByRole('radio', { name: /^Yes/ })).toBeChecked();
  await tabTo(page, wizard.getByRole('button', { name: 'Continue' }));
  await page.keyboard.press('Enter');

  // Review: focus goes to the step's heading, so it is read first.
  await expect(wizard.getByRole('heading', { name: /Step 4 of 4: Review/ })).toBeFocused();
  await expect(wizard.getByText('8 of 8 checks passed')).toBeVisible();
  await tabTo(page, wizard.getByRole('button', { name: 'Confirm & Provision' }));
  await page.keyboard.press('Enter');

  await expect(wizard.getByText('Updating every 0.2 s')).toBeVisible();
  await expect(wizard.getByTestId('progress-summary')).toHaveText('6 of 6 tasks completed', { timeout: 30_000 });
  await tabTo(page, wizard.getByRole('button', { name: 'View service' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('service-status')).toHaveText('Active');
});

test('Escape closes the wizard and gives back what it had reserved', async ({ page }) => {
  await signIn(page);
  const card = page.getByRole('article').filter({ has: page.getByRole('heading', { name: 'Mobile - 20GB plan' }) });
  await card.getByRole('button', { name: 'Assign to customer' }).click();
  const wizard = page.getByRole('dialog', { name: 'Assign a plan' });
  await wizard.getByRole('combobox', { name: 'Search customers' }).fill('John Smith');
  await wizard.getByRole('option', { name: /John Smith/ }).click();
  await wizard.getByRole('button', { name: 'Continue' }).click();
  const chosen = await pickItem(wizard, /^SIM Card/);
  await expect(wizard.getByText(/Reserved for this assignment/)).toBeVisible();
  const reference = chosen.split(' - ')[0]!;
  const statusOf = async () => ((await (await page.request.get(`/api/inventory/items?q=${encodeURIComponent(reference)}`)).json()) as { items: { status: string }[] }).items[0]!.status;
  expect(await statusOf()).toBe('reserved');
  // Focus is in the picker: a first Escape closes nothing there (its list is closed), so the wizard closes.
  await page.keyboard.press('Escape');
  await expect(wizard).toBeHidden();
  await expect.poll(statusOf).toMatch(/^(new|in_stock)$/);
});
