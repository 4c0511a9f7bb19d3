import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { launchChromium, requireChromium, seriousViolations } from '../helpers/browser.ts';
import { startRuntime, testConfig } from '../helpers/runtime.ts';

/**
 * Single sign-on from the browser (issue 13): a real OpenID Connect provider (oidc-provider, its own
 * development login and consent pages) on loopback and the embedded runtime configured for it. Chromium
 * clicks "Log in with single sign-on" on the dashboard's login page, signs in at the provider, consents,
 * and lands back on the dashboard logged in as the user the provider's groups map to, with that role:
 * an admin sees the Users page, an analyst is told the role may not see it. Then it logs out.
 */

const CLIENT_ID = 'triage-warden';
const CLIENT_SECRET = 'sso-e2e-client-secret-0123456789abcdef';

/** Accounts the provider knows, with the groups it asserts for them. */
const ACCOUNTS: Record<string, { email: string; name: string; groups: string[] }> = {
  ada: { email: 'ada@example.test', name: 'Ada Admin', groups: ['soc-admins', 'all-staff'] },
  alice: { email: 'alice@example.test', name: 'Alice Analyst', groups: ['soc-analysts'] },
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const skip = requireChromium();

describe.skipIf(skip)('dashboard single sign-on in Chromium (oidc-provider on loopback)', () => {
  let idp: Server;
  let rt: Runtime;
  let browser: Browser;
  let appUrl: string;
  let idpUrl: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-web-if-stale.mjs'], { stdio: 'inherit' });
    const [idpPort, appPort] = [await freePort(), await freePort()];
    idpUrl = `http://127.0.0.1:${idpPort}`;
    appUrl = `http://127.0.0.1:${appPort}`;
    const callback = `${appUrl}/api/v1/auth/oidc/callback`;
    const provider = new Provider(idpUrl, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [callback],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      pkce: { required: () => true },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
      findAccount: async (_ctx, id) => {
        const account = ACCOUNTS[id];
        if (!account) return undefined;
        return { accountId: id, claims: async () => ({ sub: id, email_verified: true, ...account }) };
      },
      cookies: { keys: ['sso-e2e-cookie-key-0123456789'] },
      features: { devInteractions: { enabled: true } },
      ttl: {
        Interaction: 600,
        Session: 600,
        Grant: 600,
        AccessToken: 600,
        IdToken: 600,
        AuthorizationCode: 60,
      },
    });
    idp = createServer(provider.callback());
    await new Promise<void>((r) => idp.listen(idpPort, '127.0.0.1', r));
    rt = await startRuntime(
      testConfig({
        server: { port: appPort },
        auth: {
          oidc: {
            enabled: true,
            issuer_url: idpUrl,
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            redirect_url: callback,
            role_mapping: { 'soc-admins': 'admin', 'soc-analysts': 'analyst' },
            default_role: 'deny',
            timeout: '5s',
          },
        },
      }),
      { listen: true },
    );
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await rt?.stop();
    await new Promise((r) => (idp ? idp.close(r) : r(undefined)));
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    return page;
  }

  /** From the dashboard's login page through the provider's pages, back to the dashboard. */
  async function ssoLogin(page: Page, account: string): Promise<void> {
    await page.goto(`${appUrl}/`);
    const sso = page.getByRole('link', { name: 'Log in with single sign-on' });
    await sso.waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    await sso.click();
    // The provider's own sign-in page (devInteractions): any password for a known account.
    await page.waitForURL((u) => u.origin === idpUrl);
    await page.locator('input[name="login"]').fill(account);
    await page.locator('input[name="password"]').fill('any-password');
    await page.locator('button[type="submit"]').click();
    // Then its consent page.
    await page.locator('button[type="submit"]', { hasText: 'Continue' }).click();
    await page.waitForURL((u) => u.origin === appUrl, { timeout: 15_000 });
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout: 15_000 });
  }

  async function openUsers(page: Page): Promise<void> {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Users', exact: true })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  }

  async function logOut(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('link', { name: 'Log in with single sign-on' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    // The session is gone on the server too: the dashboard asks again after a reload.
    await page.goto(`${appUrl}/`);
    await page.getByRole('button', { name: 'Log in', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    const me = await page.request.get(`${appUrl}/api/v1/auth/me`);
    expect(me.status()).toBe(401);
  }

  it('shows the single sign-on button on an accessible login page', async () => {
    const page = await newPage();
    await page.goto(`${appUrl}/login`);
    await page.getByRole('link', { name: 'Log in with single sign-on' }).waitFor();
    expect(await page.getByRole('link', { name: 'Log in with single sign-on' }).getAttribute('href')).toBe(
      '/api/v1/auth/oidc/login',
    );
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('logs an admin in through the provider: name and role in the header, the Users page shows, then logs out', async () => {
    const page = await newPage();
    await ssoLogin(page, 'ada');
    await expect.poll(() => page.locator('header .who').textContent()).toContain('(admin)');
    // The user the provider's account maps to: named by its e-mail (or display name), role admin.
    expect((await page.locator('header .who').textContent())?.trim()).toMatch(
      /^(Ada Admin|ada@example\.test) \(admin\)$/,
    );
    await openUsers(page);
    const table = page.getByRole('table', { name: 'Users' });
    await table.waitFor();
    const row = table.getByRole('row').filter({ hasText: 'ada@example.test' });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/admin.*single sign-on.*active/);
    await logOut(page);
    await page.context().close();
  });

  it('logs an analyst in with the analyst role: the admin-only Users page is refused', async () => {
    const page = await newPage();
    await ssoLogin(page, 'alice');
    await expect.poll(() => page.locator('header .who').textContent()).toContain('(analyst)');
    expect((await page.locator('header .who').textContent())?.trim()).toMatch(
      /^(Alice Analyst|alice@example\.test) \(analyst\)$/,
    );
    await openUsers(page);
    await page.getByText('Your role may not see this.').first().waitFor();
    expect(await page.getByRole('table', { name: 'Users' }).count()).toBe(0);
    await logOut(page);
    await page.context().close();
    expect(pageErrors).toEqual([]);
  });
});
