import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { requireChromium } from '../helpers/browser.ts';
import { checkPage, startDashboard, type DashboardSession } from '../helpers/dashboard.ts';

/**
 * The Overview's statistics over time in a real browser (issue 13): the window selector, the three
 * inline-SVG charts with their data tables, the throughput and time-to-triage/respond tiles, and the
 * figures following a new incident over the stream without a reload. axe-core passes and no CSP
 * violation is reported (the charts use no style attribute).
 */

const USER = 'olga';
const PASSWORD = 'olga-password-0123456';
const skip = requireChromium();

describe.skipIf(skip)('dashboard overview statistics in Chromium', () => {
  let d: DashboardSession;
  let rt: Runtime;
  let page: Page;
  let cspErrors: string[];
  let pageErrors: string[];

  beforeAll(async () => {
    d = await startDashboard({
      user: { username: USER, password: PASSWORD, role: 'viewer' },
      viewport: { width: 1360, height: 1000 },
      colorScheme: 'dark',
    });
    ({ rt, page, cspErrors, pageErrors } = d);
  }, 120_000);

  afterAll(async () => {
    await d?.stop();
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

    await checkPage(page, 'overview-stats', true);
    expect(cspErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
