/**
 * The set-up the dashboard's browser tests share: the built dashboard (the same stale check `npm start`
 * runs), an embedded runtime listening on loopback, one user to log in as, Chromium with a page whose
 * CSP and script errors are collected, and the two steps every page visit uses (open a page from the
 * main navigation; axe-core then a screenshot).
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Config } from '../../src/config/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from './auth.ts';
import { launchChromium, seriousViolations } from './browser.ts';
import { startRuntime, testConfig } from './runtime.ts';

export const SHOTS = new URL('../../test-results/screenshots/', import.meta.url);

export interface DashboardUser {
  username: string;
  password: string;
  role: string;
  approval_level?: string;
}

export interface DashboardSession {
  rt: Runtime;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors naming the Content-Security-Policy, and uncaught page errors, as they came. */
  cspErrors: string[];
  pageErrors: string[];
  stop(): Promise<void>;
}

export async function startDashboard(options: {
  user: DashboardUser;
  config?: Config;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
}): Promise<DashboardSession> {
  // `npm test` has no prestart: the same stale check `npm start` runs.
  execFileSync(process.execPath, ['scripts/build-web-if-stale.mjs'], { stdio: 'inherit' });
  const rt = await startRuntime(options.config ?? testConfig(), { listen: true });
  const created = await rt.app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: asAdmin(),
    payload: options.user,
  });
  expect(created.statusCode, created.body).toBe(201);
  const browser = await launchChromium();
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1360, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const cspErrors: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await mkdir(SHOTS, { recursive: true });
  return {
    rt,
    browser,
    context,
    page,
    cspErrors,
    pageErrors,
    stop: async () => {
      await browser.close();
      await rt.stop();
    },
  };
}

/** axe-core on the page as shown (no serious or critical violation), then a screenshot `<name>.png`. */
export async function checkPage(page: Page, name: string, fullPage: boolean): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
  await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage });
}

/** Opens a page from the main navigation and waits for its heading (and its first data, briefly). */
export async function openPage(page: Page, title: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: title, exact: true })
    .click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  await page
    .getByText(/Loading|…$/)
    .first()
    .waitFor({ state: 'detached', timeout: 5000 })
    .catch(() => undefined);
}
