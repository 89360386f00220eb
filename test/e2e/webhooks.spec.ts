import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { Webhook } from 'standardwebhooks';
import { adminApi, JOHN, provisionMobileByApi, shot, signIn } from './helpers.js';

/**
 * Outbound webhooks in the console (issue 12): an admin adds an endpoint (the secret shown once),
 * a run's provision.succeeded reaches a receiver this test runs, signed with that secret; the
 * delivery log shows it delivered, and Send again sends the same event once more.
 */
test('issue 12 webhooks: add an endpoint, see the secret once, a delivery after a run, Send again', async ({ page, baseURL }) => {
  const got: { headers: Record<string, string>; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body });
      res.end('received');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/e2e-hooks`;
  try {
    await signIn(page, 'admin');
    await page.getByRole('navigation').getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByRole('heading', { name: 'Webhooks', level: 1 })).toBeVisible();

    // Add: the URL, a description, the events (the two provisioning ones are ticked already).
    await page.getByLabel(/^URL/).fill(url);
    await page.getByLabel(/^Description/).fill('E2E receiver');
    const events = page.getByRole('group', { name: 'Events to send' });
    await expect(events.getByRole('checkbox', { name: /provision\.succeeded/ })).toBeChecked();
    await events.getByRole('checkbox', { name: /stock\.low/ }).check();
    await page.getByRole('button', { name: 'Add the endpoint' }).click();

    // The secret, once: copied from the page into the receiver's configuration.
    const card = page.getByTestId('webhook-secret');
    await expect(card.getByRole('heading', { name: 'Save the signing secret' })).toBeFocused();
    const secret = (await card.getByLabel('Signing secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    await shot(page, 'webhooks-01-secret-once');
    await card.getByRole('button', { name: 'I have saved it' }).click();
    await expect(card).toHaveCount(0);
    const row = page.getByRole('row', { name: new RegExp(url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')) });
    await expect(row).toContainText('Enabled');
    await page.reload();
    await expect(page.getByText(secret)).toHaveCount(0);

    // A real run: its provision.succeeded reaches the receiver, signed with that secret.
    const api = await adminApi(baseURL!);
    const service = await provisionMobileByApi(api, JOHN);
    await expect.poll(() => got.length, { timeout: 20_000 }).toBeGreaterThan(0);
    const first = new Webhook(secret).verify(got[0]!.body, got[0]!.headers) as { id: string; type: string; data: { serviceId: number } };
    expect(first).toMatchObject({ type: 'provision.succeeded', data: { serviceId: service.id } });

    // The delivery log: delivered, with the receiver's answer; Send again sends the same event.
    await row.getByRole('link', { name: 'Delivery log' }).click();
    const log = page.getByTestId('delivery-log');
    const delivery = log.getByRole('row', { name: new RegExp(first.id) });
    await expect(delivery.getByTestId('delivery-status')).toHaveText('Delivered');
    await delivery.getByText('HTTP 200').click();
    await expect(delivery.getByText('received')).toBeVisible();
    await shot(page, 'webhooks-02-delivery-log', { fullPage: true });
    await delivery.getByRole('button', { name: 'Send again' }).click();
    await expect.poll(() => got.length, { timeout: 20_000 }).toBe(2);
    expect(got[1]!.headers['webhook-id']).toBe(first.id);
    await expect(delivery.getByTestId('delivery-status')).toHaveText('Delivered');

    // Deleting is confirmed first.
    await row.getByRole('button', { name: /^Delete / }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this endpoint?' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Yes, delete' }).click();
    await expect(page.getByText('No endpoint yet: add one below.')).toBeVisible();
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
