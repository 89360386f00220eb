import fs from 'node:fs';
import path from 'node:path';
import { type APIRequestContext, type Browser, expect, type Locator, type Page, request } from '@playwright/test';

export const users = {
  agent: { email: 'agent@switchboard.local', password: 'switchboard-agent' },
  admin: { email: 'admin@switchboard.local', password: 'switchboard-admin' },
};

const shotsDir = path.resolve('test-results/screenshots');
fs.mkdirSync(shotsDir, { recursive: true });

/** Saves a screenshot of the step (test-results/screenshots/<name>.png); `fullPage` for a page taller than the window. */
export async function shot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: path.join(shotsDir, `${name}.png`), ...options });
}

export async function signIn(page: Page, who: keyof typeof users = 'agent'): Promise<void> {
  await page.goto('/');
  await page.getByLabel(/^(E-mail address|Adresse e-mail)/).fill(users[who].email);
  await page.getByLabel(/^(Password|Mot de passe)/).fill(users[who].password);
  await page.getByRole('button', { name: /^(Sign in|Se connecter)$/ }).click();
  await expect(page.getByRole('navigation')).toBeVisible();
}

/** An API client signed in as an admin, for setting the scene (simulators) and checking results. */
export async function adminApi(baseURL: string): Promise<APIRequestContext> {
  const api = await request.newContext({ baseURL });
  const res = await api.post('/api/session', { data: users.admin });
  expect(res.ok()).toBe(true);
  return api;
}

export async function setSimulator(api: APIRequestContext, system: string, settings: { latencyMs?: number; failure?: string | null }) {
  const res = await api.put(`/api/simulators/${system}`, { data: { latencyMs: 0, failure: null, ...settings } });
  expect(res.ok()).toBe(true);
}

export async function servicesOf(api: APIRequestContext, customerId: number) {
  const res = await api.get(`/api/customers/${customerId}/services`);
  return ((await res.json()) as { items: { id: number; name: string; status: string; serviceType: string }[] }).items;
}

/** A mobile line confirmed through the API (a SIM card and a number reserved for it); its provisioning ID. */
export async function startMobileByApi(api: APIRequestContext, customerId: number): Promise<string> {
  const holder = `e2e-setup-${Date.now()}-${Math.round(Math.random() * 1e6)}`;
  const inventory: Record<string, number> = {};
  for (const template of ['SIM Card', 'Mobile Number']) {
    const list = (await (await api.get(`/api/inventory/available?template=${encodeURIComponent(template)}&limit=1`)).json()) as { items: { id: number }[] };
    inventory[template] = list.items[0]!.id;
    expect((await api.post(`/api/inventory/items/${inventory[template]}/reservations`, { data: { holder } })).ok()).toBe(true);
  }
  const res = await api.post('/api/provisions', { data: { customerId, product: 'mobile-20gb', reservation: holder, inventory }, headers: { 'idempotency-key': holder } });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** A mobile line provisioned through the API, for tests that start from an existing service. */
export async function provisionMobileByApi(api: APIRequestContext, customerId: number): Promise<{ id: number; name: string }> {
  const id = await startMobileByApi(api, customerId);
  await expect.poll(async () => ((await (await api.get(`/api/provisions/${id}`)).json()) as { status: string }).status, { timeout: 30_000 }).toBe('succeeded');
  const p = (await (await api.get(`/api/provisions/${id}`)).json()) as { service: { id: number; name: string } };
  return p.service;
}

export async function newAgentPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'agent');
  return page;
}

export const JOHN = 100;

/**
 * Picks an item in the wizard's searchable stock picker (a combobox): opens its list, optionally
 * types a search, clicks the nth option, and waits for the reservation to be shown. Returns
 * what was chosen, without its status ("SIM-00101 - ICCID 8944...0001").
 */
export async function pickItem(scope: Locator, name: RegExp, opts: { search?: string; nth?: number } = {}): Promise<string> {
  const box = scope.getByRole('combobox', { name });
  await box.click();
  if (opts.search !== undefined) await box.fill(opts.search);
  const option = scope.getByRole('listbox').getByRole('option').nth(opts.nth ?? 0);
  const text = (await option.textContent())!.replace(/ \([^)]*\)$/, '');
  await option.click();
  await expect(box).toHaveValue(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\((Reserved|Réservé)\\)$`));
  return text;
}
