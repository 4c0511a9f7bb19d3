import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { launchChromium, requireChromium, seriousViolations } from '../helpers/browser.ts';
import { startRuntime, testConfig } from '../helpers/runtime.ts';

/**
 * The Overview's statistics over time in a real browser (issue 13): the window selector, the three
 * inline-SVG charts with their data tables, the throughput and time-to-triage/respond tiles, and the
 * figures following a new incident over the stream without a reload. axe-core passes and no CSP
 * violation is reported (the charts use no style attribute).
 */

const USER = 'olga';
const PASSWORD = 'olga-password-0123456';
const SHOTS = new URL('../../test-results/screenshots/', import.meta.url);
const skip = requireChromium();

describe.skipIf(skip)('dashboard overview statistics in Chromium', () => {
  let rt: Runtime;
  let browser: Browser;
  let page: Page;
  const cspErrors: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-web-if-stale.mjs'], { stdio: 'inherit' });
    rt = await startRuntime(testConfig(), { listen: true });
    const created = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: asAdmin(),
      payload: { username: USER, password: PASSWORD, role: 'viewer' },
    });
    expect(created.statusCode, created.body).toBe(201);
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1360, height: 1000 },
      colorScheme: 'dark',
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await mkdir(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rt?.stop();
  });

  it('shows charts, tiles and data tables for a chosen window, and follows new incidents live', async () => {
    await page.goto(`${rt.url}/login`);
    await page.getByLabel('Username').fill(USER);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByRole('status', { name: 'Live updates: live' }).waitFor();

    const stats = page.getByTestId('overview-stats');
    await stats.getByRole('heading', { name: 'Over time' }).waitFor();
    const charts = stats.getByRole('img');
    await charts.first().waitFor();
    expect(await charts.count()).toBe(3);
    await stats.getByRole('img', { name: 'Incidents created per hour, by severity' }).waitFor();
    await expect.poll(() => page.getByTestId('stat-created').locator('.tile-value').textContent()).toBe('0');

    // A new incident: the tiles and charts follow over the stream (refetch throttled to 5 s).
    const ingest = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload: JSON.stringify({
        incident_type: 'malware',
        source: 'edr',
        severity: 'critical',
        title: 'Beacon',
      }),
    });
    expect(ingest.statusCode, ingest.body).toBe(202);
    await expect
      .poll(() => page.getByTestId('stat-created').locator('.tile-value').textContent(), { timeout: 20_000 })
      .toBe('1');
    await expect
      .poll(() => page.getByTestId('stat-triaged').locator('.tile-value').textContent(), { timeout: 20_000 })
      .toBe('1');
    await expect(stats.locator('svg.chart-svg rect.series-sev-critical').count()).resolves.toBe(1);
    await expect(page.getByTestId('stat-mttt').textContent()).resolves.toMatch(/1 incidents/);

    // The data table behind each chart.
    await stats.getByText('Data table: Incidents created per hour, by severity').click();
    const table = stats
      .locator('details', { hasText: 'Data table: Incidents created per hour, by severity' })
      .getByRole('table');
    await table.getByRole('columnheader', { name: 'critical' }).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(24);

    // Another window: daily buckets.
    await stats.getByLabel('Window').selectOption('7d');
    await stats.getByRole('img', { name: 'Incidents created per day, by severity' }).waitFor();
    const daily = stats.locator('details', { hasText: 'Data table: Incidents created per day, by severity' });
    expect(await daily.locator('tbody tr').count()).toBe(7);
    await expect.poll(() => page.getByTestId('stat-created').locator('.tile-value').textContent()).toBe('1');

    const violations = await seriousViolations(page);
    expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
    await page.screenshot({ path: new URL('overview-stats.png', SHOTS).pathname, fullPage: true });
    expect(cspErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
