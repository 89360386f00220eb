import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * Browser tests of the staff console, in Debian's Chromium (`apt-get install chromium`; Playwright's
 * own browser download cannot work on these machines). One server on a fresh embedded database
 * serves every test, with single sign-on through a test OpenID provider; `npm run test:e2e` builds first.
 */
const port = Number(process.env.E2E_PORT ?? 3510);
const dataDir = path.join(os.tmpdir(), `switchboard-e2e-${port}`);
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const oidcPort = Number(process.env.E2E_OIDC_PORT ?? 3599);
const oidcIssuer = `http://127.0.0.1:${oidcPort}`;

export default defineConfig({
  testDir: 'test/e2e',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  outputDir: 'test-results/e2e',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1280, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  webServer: [
    // A real OpenID Connect provider for single sign-on (test/helpers/oidc-provider.ts): it sends
    // the browser back to Switchboard's callback on the same host as baseURL, so the session
    // cookie set there is the console's.
    {
      command: `node --import tsx test/helpers/oidc-provider.ts ${oidcPort} http://127.0.0.1:${port}/api/session/oidc/callback`,
      url: `${oidcIssuer}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `node -e "require('fs').rmSync(process.argv[1], { recursive: true, force: true })" ${dataDir} && node dist/src/main.js serve`,
      url: `http://127.0.0.1:${port}/api/health`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: '',
        LOG_LEVEL: 'warn',
        RETRY_DELAY_SCALE: '0.02',
        // Single sign-on with the provider above (discovered at first use: start order does not matter).
        OIDC_ISSUER: oidcIssuer,
        OIDC_CLIENT_ID: 'switchboard',
        OIDC_CLIENT_SECRET: 'switchboard-test-secret-0123456789',
        OIDC_NAME: 'Operator SSO',
      },
    },
  ],
});
