import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { adminApi, setSimulator, shot, signIn, startMobileByApi } from './helpers.js';

/** The screenshots the README shows. */
const docsShot = (page: Page, name: string) => page.screenshot({ path: `docs/screenshots/${name}.png`, fullPage: true });

const statusOf = async (api: APIRequestContext, id: string) => ((await (await api.get(`/api/provisions/${id}`)).json()) as { status: string }).status;

async function runs(api: APIRequestContext, customerId: number, n: number, expected: 'succeeded' | 'failed'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await startMobileByApi(api, customerId));
  for (const id of ids) await expect.poll(() => statusOf(api, id), { timeout: 30_000 }).toBe(expected);
  return ids;
}

/**
 * Issue 12: after some runs (some failed with the OCS made unreachable through the admin API),
 * the operations page charts them, in English and in French; the triage retries two failed runs
 * once the OCS is back, and they end succeeded.
 */
test('the operations page charts the runs in both languages, and the triage retries two failed runs', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const claire = ((await (await api.get('/api/customers/search?q=Claire%20Dubois')).json()) as { items: { id: number }[] }).items[0]!.id;
  await runs(api, claire, 2, 'succeeded');
  await setSimulator(api, 'ocs', { failure: 'unreachable' });
  let failed: string[];
  try {
    failed = await runs(api, claire, 3, 'failed');
  } finally {
    await setSimulator(api, 'ocs', { failure: null });
  }
  // What the page should say: the server's own figures (other tests may have run before this one).
  const overview = (await (await api.get('/api/operations/overview?window=hour')).json()) as { totals: Record<string, number>; failuresBySystem: { system: string; count: number }[] };
  expect(overview.totals.failed).toBeGreaterThanOrEqual(3);
  const ocsFailures = overview.failuresBySystem.find((f) => f.system === 'ocs')!.count;

  await signIn(page);
  await page.getByRole('navigation').getByRole('link', { name: 'Operations' }).click();
  await expect(page.getByRole('heading', { name: 'Operations', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Last hour' })).toHaveAttribute('aria-pressed', 'true');

  // Each chart: its title, the sentence with its figures, a drawing with data, a table for screen readers.
  const runsChart = page.getByRole('figure', { name: 'Runs by outcome, per minute' });
  await expect(runsChart).toBeVisible();
  await expect(runsChart.getByTestId('chart-runs-summary')).toContainText(
    `Runs ended in the last hour: ${overview.totals.succeeded} succeeded, ${overview.totals.failed} failed, ${overview.totals.timed_out} timed out, ${overview.totals.cancelled} cancelled.`,
  );
  await expect(runsChart.locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(runsChart.getByRole('table')).toContainText('Succeeded');
  // The drawing takes the keyboard (its tooltip moves with the arrow keys) and names itself.
  const surface = runsChart.locator('svg.recharts-surface[tabindex="0"]');
  await expect(surface).toHaveCount(1);
  await expect(surface.locator('title')).toHaveText('Runs by outcome, per minute');

  const systems = page.getByRole('figure', { name: 'Failures by outside system, in the last hour' });
  await expect(systems.getByTestId('chart-systems-summary')).toContainText(`OCS: ${ocsFailures}`);
  await expect(systems.locator('.recharts-bar-rectangle').first()).toBeVisible();
  const tasks = page.getByRole('figure', { name: 'Failures by task, in the last hour' });
  await expect(tasks.getByTestId('chart-tasks-summary')).toContainText('Configure OCS account (mobile-new)');
  const durations = page.getByRole('figure', { name: 'Run duration (p50 and p95), per minute' });
  await expect(durations.getByTestId('chart-durations-summary')).toContainText(/^Latest, at .+: half of the runs took [\d.]+\s?s or less \(p50\)/);
  await expect(durations.locator('.recharts-dot').first()).toBeVisible();
  await expect(page.getByRole('figure', { name: 'Queue depth, per minute' }).getByTestId('chart-queue-summary')).toContainText('Now: 0 queued, 0 running.');
  const stock = page.getByRole('figure', { name: 'Stock available per inventory template, now' });
  await expect(stock.getByRole('table')).toContainText('SIM Card');
  await expect(stock.locator('.recharts-bar-rectangle').first()).toBeVisible();
  await docsShot(page, 'operations');

  // The last day, in quarters of an hour.
  await page.getByRole('button', { name: 'Last day' }).click();
  await expect(page.getByRole('button', { name: 'Last day' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('figure', { name: 'Runs by outcome, per 15 minutes' }).locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(page.getByTestId('chart-runs-summary')).toContainText(`Runs ended in the last day: ${overview.totals.succeeded} succeeded`);
  await shot(page, 'operations-01-day', { fullPage: true });

  // In French.
  await page.getByRole('combobox', { name: 'Language' }).selectOption('fr');
  await expect(page.getByRole('heading', { name: 'Exploitation', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Dernières 24 heures' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Dernière heure' }).click();
  const parRuns = page.getByRole('figure', { name: 'Traitements par issue, par minute' });
  await expect(parRuns.getByTestId('chart-runs-summary')).toContainText(new RegExp(`Traitements terminés sur la dernière heure\\s:\\s${overview.totals.succeeded} réussis, ${overview.totals.failed} en échec`));
  await expect(parRuns.locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(page.getByRole('figure', { name: 'Échecs par système externe, sur la dernière heure' }).getByTestId('chart-systems-summary')).toContainText(new RegExp(`OCS\\s:\\s${ocsFailures}`));
  await expect(page.getByRole('figure', { name: 'Stock disponible par modèle d’inventaire, en ce moment' }).getByRole('table')).toContainText('Disponibles');
  await shot(page, 'operations-02-fr', { fullPage: true });

  // The triage, in French for a look, then in English: the failed runs with their error.
  await page.getByRole('tab', { name: 'Tri des échecs' }).click();
  await expect(page.getByRole('heading', { name: 'Tri des traitements en échec' })).toBeVisible();
  await expect(page.locator(`tr[data-id="${failed[0]}"]`)).toContainText("Impossible de joindre l'OCS.");
  await page.getByRole('combobox', { name: 'Langue' }).selectOption('en');
  await expect(page.getByRole('heading', { name: 'Failed-run triage' })).toBeVisible();
  await page.getByLabel('Error code').selectOption('OCS_UNREACHABLE');
  const rows = page.getByTestId('triage-row');
  await expect(page.locator(`tr[data-id="${failed[0]}"]`)).toContainText('Unable to connect to OCS');
  await expect(page.locator(`tr[data-id="${failed[0]}"]`)).toContainText('Configure OCS account');
  const before = await rows.count();
  expect(before).toBeGreaterThanOrEqual(3);
  // Each row opens its run.
  await expect(page.locator(`tr[data-id="${failed[0]}"]`).getByRole('link', { name: /^Open the run of Claire Dubois/ })).toHaveAttribute('href', `/provisioning/${failed[0]}`);

  // Two of them, retried together (the OCS is back), after saying what will happen.
  const picked = [failed[0]!, failed[1]!];
  for (const id of picked) await page.locator(`tr[data-id="${id}"]`).getByRole('checkbox').check();
  await expect(page.getByTestId('triage-actions').getByRole('status')).toHaveText('2 runs selected');
  await docsShot(page, 'operations-triage');
  await page.getByRole('button', { name: 'Retry selected' }).click();
  const dialog = page.getByRole('dialog', { name: 'Retry 2 runs?' });
  await expect(dialog).toContainText('Each failed or timed-out run gets a new attempt: its finished tasks are not run again.');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Yes, retry' }).click();
  await expect(page.getByTestId('triage-outcome')).toContainText('2 runs retried.');
  for (const id of picked) await expect.poll(() => statusOf(api, id), { timeout: 30_000 }).toBe('succeeded');
  // They leave the list; the third stays.
  for (const id of picked) await expect(page.locator(`tr[data-id="${id}"]`)).toHaveCount(0);
  await expect(page.locator(`tr[data-id="${failed[2]}"]`)).toBeVisible();
  await shot(page, 'operations-03-retried', { fullPage: true });

  // The run's own page says it succeeded at its second attempt.
  await page.goto(`/provisioning/${picked[0]}`);
  await expect(page.getByRole('heading', { name: /Provisioning run/ })).toContainText('Succeeded');
});
