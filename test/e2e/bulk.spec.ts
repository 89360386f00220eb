import { expect, type Page, test } from '@playwright/test';
import { adminApi, setSimulator, shot, signIn } from './helpers.js';

/** A CSV file built in the test, given to the file input as the person would pick it. */
async function pickFile(page: Page, name: string, lines: string[]) {
  await page.getByLabel(/^CSV file/).setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) });
}

const batchUrl = /\/bulk\/([0-9a-f-]{36})$/;

/** R11 in the browser: import, check, provision, follow the batch to its end, download its results. */
test('R11.5 bulk assignment: a CSV of 5 rows checked (3 good, 2 bad with their reasons), then 3 provisioned, 2 invalid', async ({ page }) => {
  await signIn(page);
  await page.getByRole('navigation').getByRole('link', { name: 'Bulk assignment' }).click();
  await expect(page).toHaveURL(/\/bulk\/new$/);
  await expect(page.getByRole('heading', { name: 'Bulk assignment', level: 1 })).toBeVisible();

  // Header, then John Smith, John Doe, Maria Garcia, a customer that does not exist, Li Wei (suspended).
  await pickFile(page, 'r11-mobile.csv', ['customer', '100', '101', '104', '999999', '108']);
  await expect(page.getByLabel(/^Batch name/)).toHaveValue('r11-mobile.csv');
  await page.getByLabel(/^Product/).selectOption('mobile-20gb');
  const provision = page.getByRole('button', { name: /^Provision / });
  await expect(provision).toBeDisabled();

  await page.getByRole('button', { name: 'Check file' }).click();
  const report = page.getByTestId('dry-run-report');
  await expect(report.getByRole('heading', { name: 'Check report' })).toBeFocused();
  await expect(report.getByTestId('report-rows')).toHaveText('5');
  await expect(report.getByTestId('report-good')).toHaveText('3');
  await expect(report.getByTestId('report-bad')).toHaveText('2');
  const errors = report.getByRole('table', { name: 'Rows that cannot be provisioned' });
  await expect(errors.getByRole('row')).toHaveCount(3);
  await expect(errors.getByRole('row').nth(1)).toHaveText(/^5\s*customer\s*customer not found \(id 999999\)$/);
  await expect(errors.getByRole('row').nth(2)).toHaveText(/^6\s*customer\s*Li Wei \(ID: 108\) is suspended$/);
  const stock = report.getByRole('table', { name: 'Stock the good rows need' });
  await expect(stock.getByRole('row', { name: /^SIM Card/ })).toContainText('3');
  await expect(stock.getByRole('row', { name: /^Mobile Number/ })).toContainText('3');
  await expect(provision).toHaveText('Provision 3 good rows');
  await expect(provision).toBeEnabled();
  await shot(page, 'r11-01-import-report', { fullPage: true });

  // Another parameter makes the check stale until the file is checked with it (or it is put back).
  await page.getByLabel(/^Auto-renew/).selectOption('true');
  await expect(provision).toBeDisabled();
  await expect(page.getByText('The file or the parameters changed since the check')).toBeVisible();
  await page.getByLabel(/^Auto-renew/).selectOption('');
  await expect(provision).toBeEnabled();

  // Provision: the batch page, followed until completed.
  await provision.click();
  await expect(page).toHaveURL(batchUrl);
  const id = batchUrl.exec(page.url())![1]!;
  await expect(page.getByRole('heading', { name: /r11-mobile\.csv/, level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 }).locator('[data-status]')).toHaveText('Completed', { timeout: 60_000 });
  await expect(page.getByTestId('count-succeeded')).toHaveText('3');
  await expect(page.getByTestId('count-invalid')).toHaveText('2');
  await expect(page.getByTestId('count-failed')).toHaveText('0');
  await expect(page.getByTestId('count-pending')).toHaveText('0');
  await expect(page.getByTestId('batch-progress-text')).toHaveText('3 of 3 rows finished (100%)');
  await expect(page.getByText(/^Created by agent@switchboard\.local on /)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Pause' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Retry failed rows' })).toHaveCount(0);

  // Each row: its status, its run and its service, or why it was not run.
  const rows = page.getByTestId('batch-rows');
  await expect(rows.locator('tbody tr')).toHaveCount(5);
  await expect(rows.locator('tr[data-line="2"]')).toContainText('Succeeded');
  await expect(rows.locator('tr[data-line="2"]').getByRole('link', { name: 'Provisioning run, line 2' })).toHaveAttribute('href', /^\/provisioning\/[0-9a-f-]{36}$/);
  await expect(rows.locator('tr[data-line="2"]').getByRole('link', { name: /^Service \d+$/ })).toHaveAttribute('href', /^\/services\/\d+$/);
  await expect(rows.locator('tr[data-line="6"]')).toContainText('Li Wei (ID: 108) is suspended');
  // The customer by name, the file's value beside it (issue 13); a value that matched nobody as it was.
  await expect(rows.locator('tr[data-line="2"]').getByRole('link', { name: 'John Smith' })).toHaveAttribute('href', '/customers/100');
  await expect(rows.locator('tr[data-line="2"] td').nth(1)).toHaveText('John Smith (100)');
  await expect(rows.locator('tr[data-line="4"] td').nth(1)).toHaveText('Maria Garcia (104)');
  await expect(rows.locator('tr[data-line="5"] td').nth(1)).toHaveText('999999');
  await page.getByLabel('Status').selectOption('invalid');
  await expect(rows.locator('tbody tr')).toHaveCount(2);
  await expect(rows.locator('tr[data-line="5"]')).toContainText('customer not found (id 999999)');
  await page.getByLabel('Status').selectOption('');
  await expect(rows.locator('tbody tr')).toHaveCount(5);
  await shot(page, 'r11-02-batch', { fullPage: true });

  // The results as CSV, through the link.
  const download = page.getByRole('link', { name: 'Download results (CSV)' });
  await expect(download).toHaveAttribute('href', `/api/batches/${id}/results.csv`);
  const csv = await (await page.request.get(`/api/batches/${id}/results.csv`)).text();
  const lines = csv.trim().split('\n');
  expect(lines[0]).toBe('line,customer,customer_id,status,service_id,provision_id,failed_task,error_code,error');
  expect(lines.filter((l) => l.includes(',succeeded,'))).toHaveLength(3);
  expect(lines.filter((l) => l.includes(',invalid,'))).toHaveLength(2);

  // The provisioning page lists it among the batches, with a way to import another file.
  await page.getByRole('navigation').getByRole('link', { name: 'Provisioning' }).click();
  const batches = page.getByRole('region', { name: 'Batches' });
  await expect(batches.getByRole('link', { name: 'Open batch r11-mobile.csv' }).first()).toHaveAttribute('href', `/bulk/${id}`);
  await expect(batches.getByRole('link', { name: 'Import a CSV file' })).toHaveAttribute('href', '/bulk/new');
  await shot(page, 'r11-03-provisioning-batches');
});

test('R11.5 a file the server refuses says why and what to do; nothing can be provisioned from it', async ({ page }) => {
  await signIn(page);
  await page.goto('/bulk/new');
  await pickFile(page, 'colours.csv', ['customer,colour', '100,red']);
  await page.getByRole('button', { name: 'Check file' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'The header has unknown column(s): colour.' });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('Columns are: customer (ID, e-mail or phone)');
  await expect(page.getByTestId('dry-run-report')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Provision / })).toBeDisabled();
});

test('R11.4 a batch from the batch page: failed rows retried once the OCS is back; pause, resume and cancel (confirmed)', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  await signIn(page);
  try {
    // The OCS is down: both rows fail, the batch completes with 2 failed.
    await setSimulator(api, 'ocs', { failure: 'unreachable' });
    await page.goto('/bulk/new');
    await pickFile(page, 'r11-ocs-down.csv', ['customer,product,auto_renew', '101,mobile-20gb,no', '107,mobile-20gb,yes']);
    await page.getByRole('button', { name: 'Check file' }).click();
    await expect(page.getByTestId('report-good')).toHaveText('2');
    await page.getByRole('button', { name: 'Provision 2 good rows' }).click();
    await expect(page).toHaveURL(batchUrl);
    const status = page.getByRole('heading', { level: 1 }).locator('[data-status]');
    await expect(page.getByTestId('count-failed')).toHaveText('2', { timeout: 60_000 });
    await expect(status).toHaveText('Completed');
    await expect(page.getByTestId('batch-rows').locator('tr[data-line="2"]')).toContainText('Unable to connect to OCS');

    await setSimulator(api, 'ocs', { failure: null });
    await page.getByRole('button', { name: 'Retry failed rows' }).click();
    await expect(page.getByText('2 rows sent again.')).toBeVisible();
    await expect(page.getByTestId('count-succeeded')).toHaveText('2', { timeout: 60_000 });
    await expect(status).toHaveText('Completed');
    await expect(page.getByTestId('count-failed')).toHaveText('0');
    await expect(page.getByRole('button', { name: 'Retry failed rows' })).toHaveCount(0);

    // A slow OCS and one run at a time: time to pause, resume and cancel.
    await setSimulator(api, 'ocs', { latencyMs: 1500 });
    await page.goto('/bulk/new');
    await pickFile(page, 'r11-slow.csv', ['customer', '100', '101', '104', '107']);
    await page.getByLabel(/^Product/).selectOption('mobile-20gb');
    await page.getByLabel(/^Runs at once/).fill('1');
    await page.getByLabel(/^Batch name/).fill('R11 slow batch');
    await page.getByRole('button', { name: 'Check file' }).click();
    await page.getByRole('button', { name: 'Provision 4 good rows' }).click();
    await expect(page.getByRole('heading', { name: /R11 slow batch/, level: 1 })).toBeVisible();
    await expect(page.getByText('1 run at once')).toBeVisible();

    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(status).toHaveText('Paused');
    await expect(page.getByTestId('batch-eta')).toHaveText('Paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect(status).toHaveText('Running');

    await page.getByRole('button', { name: 'Cancel batch' }).click();
    const confirm = page.getByRole('dialog', { name: 'Cancel this batch?' });
    await expect(confirm).toContainText('their inventory goes back to stock');
    await confirm.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(status).toHaveText('Running');
    await page.getByRole('button', { name: 'Cancel batch' }).click();
    await page.getByRole('dialog', { name: 'Cancel this batch?' }).getByRole('button', { name: 'Yes, cancel the batch' }).click();
    await expect(status).toHaveText('Cancelled');
    await expect(page.getByText(/Finished on/)).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('count-cancelled')).not.toHaveText('0');
    await expect(page.getByTestId('count-running')).toHaveText('0');
    await expect(page.getByRole('button', { name: 'Resume' })).toHaveCount(0);
    await shot(page, 'r11-04-batch-cancelled');
  } finally {
    await setSimulator(api, 'ocs', { failure: null, latencyMs: 0 });
  }
});
