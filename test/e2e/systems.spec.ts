import { expect, test } from '@playwright/test';
import { adminApi, newAgentPage, setSimulator, shot, signIn } from './helpers.js';

/** Outside systems (issue 13): an admin makes the OCS fail from the console; every page says so until it is well again. */
test('an admin sets the OCS simulator to fail and back from the Outside systems page; the banner shows on every page meanwhile', async ({ page, browser, baseURL }) => {
  const api = await adminApi(baseURL!);
  try {
    await signIn(page, 'admin');
    await page.getByRole('link', { name: 'Outside systems' }).click();
    await expect(page.getByRole('heading', { name: 'Outside systems', level: 1 })).toBeVisible();
    const ocs = page.locator('tr[data-system="ocs"]');
    await expect(ocs).toContainText('Simulator');
    await expect(page.getByTestId('simulator-banner')).toHaveCount(0);

    const form = page.getByRole('form', { name: 'Simulator settings of OCS' });
    await form.getByLabel('Latency (ms)').fill('-1');
    await expect(form.getByText('The latency is a whole number of milliseconds from 0 to 600000.')).toBeVisible();
    await expect(form.getByRole('button', { name: 'Save' })).toBeDisabled();
    await form.getByLabel('Latency (ms)').fill('250');
    await form.getByLabel('Failure').selectOption('unreachable');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(form.getByText('Saved.')).toBeVisible();
    const banner = page.getByTestId('simulator-banner');
    await expect(banner).toContainText('A simulated system is set to fail: OCS (Unreachable).');
    await shot(page, 'systems-01-ocs-failing');
    const settings = ((await (await api.get('/api/systems')).json()) as { items: { system: string; simulator: unknown }[] }).items.find((s) => s.system === 'ocs')!;
    expect(settings.simulator).toEqual({ latencyMs: 250, failure: 'unreachable' });

    // An agent sees it on every page too, in French as well.
    const agent = await newAgentPage(browser);
    await expect(agent.getByTestId('simulator-banner')).toContainText('OCS (Unreachable)');
    await agent.getByRole('link', { name: 'Customers' }).click();
    await expect(agent.getByTestId('simulator-banner')).toBeVisible();
    await agent.getByRole('combobox', { name: 'Language' }).selectOption('fr');
    await expect(agent.getByTestId('simulator-banner')).toContainText('Un système simulé est réglé pour échouer : OCS (Injoignable).');
    await agent.getByRole('combobox', { name: 'Langue' }).selectOption('en');
    await expect(agent.getByTestId('simulator-banner').getByRole('link')).toHaveCount(0);

    await form.getByLabel('Latency (ms)').fill('0');
    await form.getByLabel('Failure').selectOption('');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByTestId('simulator-banner')).toHaveCount(0);
    await agent.reload();
    await expect(agent.getByRole('navigation')).toBeVisible();
    await expect(agent.getByTestId('simulator-banner')).toHaveCount(0);
    await agent.context().close();
  } finally {
    await setSimulator(api, 'ocs', { failure: null });
  }
});
