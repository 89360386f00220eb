import fs from 'node:fs';
import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { generate } from 'otplib';
import { adminApi, shot, signIn } from './helpers.js';

/** The screenshots the README and the documentation show. */
const docsShot = (page: Page, name: string) => page.screenshot({ path: `docs/screenshots/${name}.png` });

type Role = 'admin' | 'agent' | 'viewer';
interface Staff {
  email: string;
  password: string;
  name: string;
}

/** A new staff account, made by an admin through the API. */
async function createStaff(api: APIRequestContext, role: Role, name: string): Promise<Staff> {
  const who = { email: `${name.toLowerCase().replace(/\W+/g, '.')}.${Date.now()}@switchboard.local`, password: `${role}-password-0123`, name };
  const res = await api.post('/api/users', { data: { ...who, role } });
  expect(res.status(), await res.text()).toBe(201);
  return who;
}

/** The password step of the sign-in page, from the start. */
async function passwordStep(page: Page, who: Staff): Promise<void> {
  await page.goto('/');
  await page.getByLabel(/^E-mail address/).fill(who.email);
  await page.getByLabel(/^Password/).fill(who.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Switchboard' })).toBeVisible();
}

/**
 * The code of the next time step: the server accepts a step once (the last one used is kept) and
 * one step of drift either way, so the next step's code is always new and always accepted.
 */
const nextCode = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });

/** Six digits that no step near now gives (a wrong code for sure). */
async function wrongCode(secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const near = new Set(await Promise.all([-60, -30, 0, 30, 60, 90].map((d) => generate({ secret, epoch: now + d }))));
  for (let n = 123456; ; n = (n + 111111) % 1_000_000) {
    const code = String(n).padStart(6, '0');
    if (!near.has(code)) return code;
  }
}

/** Reads the key shown for typing by hand (grouped in fours) and checks the QR code beside it. */
async function readSecret(page: Page): Promise<string> {
  await expect(page.getByRole('img', { name: /^QR code that adds Switchboard to an authenticator app/ })).toBeVisible();
  const shown = page.getByTestId('totp-secret');
  await expect(shown).toHaveText(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
  return (await shown.innerText()).replace(/\s/g, '');
}

/** Types the app's first code, and gets the ten recovery codes. */
async function confirmSetUp(page: Page, secret: string): Promise<string[]> {
  await page.getByLabel(/^Six-digit code/).fill(await generate({ secret }));
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(page.getByRole('heading', { name: 'Save your recovery codes' })).toBeFocused();
  await expect(codes).toHaveCount(10);
  const list = (await codes.allInnerTexts()).map((c) => c.trim());
  for (const c of list) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
  return list;
}

test('two-factor sign-in: set up from the account page, then a code, a recovery code once, and an admin reset', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  const tess = await createStaff(api, 'agent', 'Tess Totp');

  // Signed in with the password alone; the name in the top bar opens the account page.
  await passwordStep(page, tess);
  await expect(page.getByRole('navigation')).toBeVisible();
  await page.getByRole('link', { name: 'Signed in as Tess Totp (agent)' }).click();
  await expect(page.getByRole('heading', { name: 'Your account', level: 1 })).toBeVisible();
  await expect(page.getByTestId('two-factor-status')).toContainText('Your password alone signs you in.');
  await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();

  // The key: a QR code, and the text to type by hand; a wrong first code keeps the set-up going.
  const secret = await readSecret(page);
  await page.getByLabel(/^Six-digit code/).fill(await wrongCode(secret));
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  await expect(page.getByRole('alert')).toContainText('The code is wrong or has already been used.');
  await expect(page.getByLabel(/^Six-digit code/)).toBeFocused();
  const recovery = await confirmSetUp(page, secret);

  await shot(page, 'security-01-recovery-codes');
  // Download (.txt): the ten codes in a file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download (.txt)' }).click()]);
  expect(download.suggestedFilename()).toBe('switchboard-recovery-codes.txt');
  const file = fs.readFileSync((await download.path())!, 'utf8');
  expect(file).toContain(tess.email);
  for (const c of recovery) expect(file).toContain(c);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Two-factor sign-in is on.' })).toBeVisible();
  await expect(page.getByTestId('two-factor-status')).toContainText('a code from your authenticator app sign you in');
  await expect(page.getByText('10 recovery codes left.')).toBeVisible();
  await shot(page, 'security-02-account', { fullPage: true });
  await signOut(page);

  // The password, then the code: a wrong one keeps the step with the server's message, the right one signs in.
  await passwordStep(page, tess);
  await expect(page.getByRole('heading', { name: 'Two-factor sign-in' })).toBeVisible();
  const code = page.getByLabel(/^Six-digit code/);
  await expect(code).toBeFocused();
  await expect(code).toHaveAttribute('inputmode', 'numeric');
  await expect(code).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(code).toHaveAttribute('maxlength', '6');
  await code.fill(await wrongCode(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toContainText('The code is wrong or has already been used. 4 tries left.');
  await shot(page, 'security-03-wrong-code');
  await expect(page.getByRole('heading', { name: 'Two-factor sign-in' })).toBeVisible();
  await code.fill(await nextCode(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('link', { name: 'Signed in as Tess Totp (agent)' })).toBeVisible();
  await signOut(page);

  // A recovery code instead: it signs in once.
  await passwordStep(page, tess);
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await expect(page.getByLabel(/^Recovery code/)).toBeFocused();
  await page.getByLabel(/^Recovery code/).fill(recovery[0]!);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('link', { name: 'Signed in as Tess Totp (agent)' })).toBeVisible();
  await page.goto('/account');
  await expect(page.getByText('9 recovery codes left.')).toBeVisible();
  await signOut(page);

  // The same recovery code again: refused, with the reason, and still on the second step.
  await passwordStep(page, tess);
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel(/^Recovery code/).fill(recovery[0]!);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toContainText('The code is wrong or has already been used.');
  await expect(page.getByRole('heading', { name: 'Two-factor sign-in' })).toBeVisible();
  await expect(page.getByRole('navigation')).toHaveCount(0);

  // Five wrong codes end this sign-in: back to the password, saying why.
  for (const left of [3, 2, 1, 0]) {
    await page.getByLabel(/^Recovery code/).fill('wrong-code');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert')).toContainText(`${left} ${left === 1 ? 'try' : 'tries'} left.`);
  }
  await page.getByLabel(/^Recovery code/).fill('wrong-code');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toHaveText('This sign-in expired, or had too many wrong codes. Type your password again.');
  await expect(page.getByLabel(/^Password/)).toBeFocused();
  await expect(page.getByLabel(/^E-mail address/)).toHaveValue(tess.email);

  // Tess lost her phone: an admin resets her two-factor sign-in from the staff page (confirmed first).
  await signIn(page, 'admin');
  await page.getByRole('navigation').getByRole('link', { name: 'Staff' }).click();
  await expect(page.getByRole('heading', { name: 'Staff', level: 1 })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: tess.email });
  await expect(row).toContainText('agent');
  await expect(row.getByTestId('badge-two-factor')).toHaveText('Two-factor on');
  await row.getByRole('button', { name: 'Reset two-factor sign-in for Tess Totp' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reset two-factor sign-in?' });
  await expect(dialog).toContainText(`Tess Totp (${tess.email}) will sign in with their password alone`);
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Yes, reset' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Two-factor sign-in reset for Tess Totp.' })).toBeVisible();
  await expect(row.getByTestId('badge-two-factor')).toHaveText('Two-factor off');
  await expect(row.getByRole('button', { name: /Reset two-factor/ })).toHaveCount(0);
  await shot(page, 'security-04-staff', { fullPage: true });

  // The security settings: how staff sign in here, and the roles that must use two-factor sign-in.
  const security = page.getByRole('region', { name: 'Security settings' });
  await expect(security).toContainText('On: staff may sign in with their e-mail address and password.');
  await expect(security).toContainText('On: Operator SSO, issuer http://127.0.0.1:');
  await expect(security.getByTestId('no-secret-key')).toContainText('SECRET_KEY is not set');
  const viewers = security.getByRole('checkbox', { name: 'Viewers' });
  await expect(viewers).not.toBeChecked();
  try {
    await viewers.check();
    await security.getByRole('button', { name: 'Save' }).click();
    await expect(security.getByRole('status')).toHaveText('Saved.');
    expect(((await (await api.get('/api/security')).json()) as { mfaRequiredRoles: string[] }).mfaRequiredRoles).toEqual(['viewer']);
    await viewers.uncheck();
    await security.getByRole('button', { name: 'Save' }).click();
    await expect(security.getByRole('status')).toHaveText('Saved.');
    expect(((await (await api.get('/api/security')).json()) as { mfaRequiredRoles: string[] }).mfaRequiredRoles).toEqual([]);
  } finally {
    await api.put('/api/security', { data: { mfaRequiredRoles: [] } });
  }
});

test('a role that requires two-factor sign-in: the set-up first and nothing else, then the catalog', async ({ page, baseURL }) => {
  const api = await adminApi(baseURL!);
  try {
    expect((await api.put('/api/security', { data: { mfaRequiredRoles: ['viewer'] } })).ok()).toBe(true);
    const vera = await createStaff(api, 'viewer', 'Vera Viewer');
    await passwordStep(page, vera);
    await expect(page.getByRole('heading', { name: 'Set up two-factor sign-in', level: 1 })).toBeVisible();
    await expect(page.getByTestId('enrolment-required')).toContainText('Your role (viewer) must sign in with a second factor.');
    await expect(page.getByRole('navigation')).toHaveCount(0);

    // Nothing else: another page's address shows the same set-up, and the API refuses the rest.
    await page.goto('/customers');
    await expect(page.getByRole('heading', { name: 'Set up two-factor sign-in', level: 1 })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Customers', level: 1 })).toHaveCount(0);
    const refused = await page.request.get('/api/customers/search?q=John');
    expect(refused.status()).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('MFA_ENROLMENT_REQUIRED');

    await page.goto('/');
    const secret = await readSecret(page);
    await expect(page.getByText(vera.email)).toBeVisible();
    await docsShot(page, 'security-totp-setup');
    const recovery = await confirmSetUp(page, secret);
    expect(new Set(recovery).size).toBe(10);
    await page.getByRole('button', { name: 'I have saved them' }).click();

    // Done: the console itself, at the catalog.
    await expect(page.getByRole('heading', { name: 'Product catalog' })).toBeVisible();
    await expect(page).toHaveURL(/\/products$/);
    await expect(page.getByRole('link', { name: 'Signed in as Vera Viewer (viewer)' })).toBeVisible();
    expect((await page.request.get('/api/customers/search?q=John')).ok()).toBe(true);

    // Required: it cannot be turned off, and the account page says why.
    await page.goto('/account');
    await expect(page.getByText('Your role (viewer) requires two-factor sign-in, so it cannot be turned off.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Turn off' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Get new recovery codes' })).toBeVisible();
  } finally {
    await api.put('/api/security', { data: { mfaRequiredRoles: [] } });
  }
});

test('single sign-on with the operator’s identity provider: in with a role, refused without one', async ({ page }) => {
  // The provider's development pages ask for a web font; the tests stay off the internet.
  await page.route(/fonts\.(googleapis|gstatic)\.com/, (route) => route.abort());

  // The sign-in page offers both; single sign-on comes back to the page it started from.
  await page.goto('/customers');
  const sso = page.getByRole('link', { name: 'Sign in with Operator SSO' });
  await expect(sso).toBeVisible();
  await expect(page.getByLabel(/^E-mail address/)).toBeVisible();
  await docsShot(page, 'security-sign-in');
  await expect(sso).toHaveAttribute('href', '/api/session/oidc/start?returnTo=%2Fcustomers');
  await sso.click();
  await page.locator('input[name="login"]').fill('sam');
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await expect(page.getByRole('link', { name: 'Signed in as Sam Agent (agent)' })).toBeVisible();
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.getByRole('heading', { name: 'Customers', level: 1 })).toBeVisible();
  await page.goto('/account');
  await expect(page.getByText('sam.agent@operator.example')).toBeVisible();
  await expect(page.getByText('Linked to your company account')).toBeVisible();
  await signOut(page);

  // Nora has no Switchboard group: back at the sign-in page, told why; the code leaves the address.
  await page.context().clearCookies();
  await page.goto('/');
  await page.getByRole('link', { name: 'Sign in with Operator SSO' }).click();
  await page.locator('input[name="login"]').fill('nora');
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  const error = page.getByRole('alert');
  await expect(error).toContainText('Your company account has no Switchboard role.');
  await expect(error).toContainText('Ask an administrator to add you to a Switchboard group');
  await expect(page).not.toHaveURL(/signInError/);
  await expect(page.getByRole('navigation')).toHaveCount(0);
  await shot(page, 'security-05-sso-no-role');

  // In French too.
  await page.goto('/?signInError=SSO_EXPIRED');
  await page.getByRole('combobox', { name: 'Language' }).selectOption('fr');
  await expect(page.getByRole('alert')).toContainText("L'authentification unique a pris trop de temps");
  await expect(page.getByRole('link', { name: 'Se connecter avec Operator SSO' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Langue' }).selectOption('en');
});

test('the Content-Security-Policy: no violation on the console’s pages nor in the API documentation', async ({ page }) => {
  // Every page the browser opens records what the policy blocked, before any of its own scripts run.
  await page.addInitScript({
    content: `window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.cspViolations.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + e.sourceFile + ':' + e.lineNumber);
      }, true);`,
  });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content[- ]Security[- ]Policy/i.test(m.text())) consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  const violations: string[] = [];
  const collect = async () => {
    const found = await page.evaluate(() => (globalThis as unknown as { cspViolations?: string[] }).cspViolations ?? ['the recorder did not run']);
    violations.push(...found.map((v) => `${page.url()}: ${v}`));
  };
  const visit = async (path: string, heading: string | RegExp) => {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading, level: 1 }).first()).toBeVisible();
    await collect();
  };

  // The sign-in page (with single sign-on), then every page of the console as an admin.
  await page.goto('/');
  await expect(page.getByRole('link', { name: 'Sign in with Operator SSO' })).toBeVisible();
  await collect();
  await signIn(page, 'admin');
  await collect();
  await visit('/products', 'Product catalog');
  await visit('/customers', 'Customers');
  await visit('/customers/100', /John Smith/);
  await visit('/inventory', 'Inventory');
  await visit('/provisioning', 'Provisioning');
  await visit('/bulk/new', 'Bulk assignment');
  // The operations page: its charts (recharts' SVG, tooltips and text measuring) and its triage.
  await visit('/operations', 'Operations');
  await expect(page.getByTestId('operations-charts')).toBeVisible();
  await page.getByRole('figure').first().locator('svg.recharts-surface').first().hover();
  await collect();
  await visit('/operations?tab=triage', 'Operations');
  await expect(page.getByRole('heading', { name: 'Failed-run triage' })).toBeVisible();
  await collect();
  await visit('/staff', 'Staff');
  await visit('/account', 'Your account');
  // The set-up shows the QR code as a data: image.
  await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  await expect(page.getByRole('img', { name: /^QR code/ })).toBeVisible();
  expect(await page.getByRole('img', { name: /^QR code/ }).evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0)).toBe(true);
  await collect();
  await page.getByRole('button', { name: 'Cancel' }).click();
  // The assignment wizard (a native dialog).
  await page.goto('/products');
  await page.getByRole('article').first().getByRole('button', { name: 'Assign to customer' }).click();
  await expect(page.getByRole('dialog', { name: 'Assign a plan' })).toBeVisible();
  await collect();

  // The API documentation: Swagger UI renders under the same policy.
  await page.goto('/docs');
  await expect(page.getByText('Switchboard API').first()).toBeVisible();
  // Every tag listed, closed (a document of 130 paths did not render whole opened); one opens.
  await expect(page.getByRole('heading', { name: /^TMF639 Resource Inventory/ })).toBeVisible();
  await page.getByRole('heading', { name: /^session/ }).click();
  await expect(page.getByText('/api/session/providers').first()).toBeVisible();
  await collect();

  // Swagger UI runs without its top bar (BaseLayout), whose logo is an inline <style> the policy blocks.
  expect(violations).toEqual([]);
  expect(consoleErrors).toEqual([]);
});
