import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { requireChromium } from '../helpers/browser.ts';
import { checkPage, openPage, startDashboard, type DashboardSession } from '../helpers/dashboard.ts';
import { TEST_SECRETS } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

/**
 * The analyst dashboard end to end in a real browser against a real runtime: log in, watch a signed
 * webhook's incident arrive in the table live, open it, assign it, comment, approve its proposed host
 * isolation, flip the kill switch through its confirmation
 * and see the overview follow, visit every page, log out. Every page passes axe-core (no serious or
 * critical violation) under the dashboard's strict CSP, and is screenshotted to test-results/screenshots.
 */

const USER = 'dana';
const PASSWORD = 'dana-password-0123456';
const crowdstrike = JSON.parse(
  readFileSync(new URL('../fixtures/vendors/crowdstrike.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const skip = requireChromium();

describe.skipIf(skip)('dashboard in Chromium', () => {
  let d: DashboardSession;
  let rt: Runtime;
  let page: Page;
  let cspErrors: string[];
  let pageErrors: string[];

  beforeAll(async () => {
    d = await startDashboard({
      user: { username: USER, password: PASSWORD, role: 'admin', approval_level: 'manager' },
    });
    ({ rt, page, cspErrors, pageErrors } = d);
  }, 120_000);

  afterAll(async () => {
    await d?.stop();
  });

  /** axe-core on the page as shown, then a screenshot named after it. */
  const check = (name: string) => checkPage(page, name, false);
  const open = (title: string) => openPage(page, title);

  it('logs in, follows an incident live, assigns, comments, approves, flips the kill switch, visits every page, logs out', async () => {
    const res = await page.goto(`${rt.url}/`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('heading', { name: 'Triage Warden' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    await check('login');

    await page.getByLabel('Username').fill(USER);
    await page.getByLabel('Password').fill('wrong-password-0000');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByRole('status', { name: 'Live updates: live' }).waitFor();

    // Incidents: an empty table, then a signed webhook's incident appears without a reload.
    await open('Incidents');
    await page.getByText('No incident matches these filters.').waitFor();
    const body = JSON.stringify(crowdstrike.ransomware);
    const ingest = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/crowdstrike',
      headers: signedHeaders(TEST_SECRETS.crowdstrike, body),
      payload: body,
    });
    expect(ingest.statusCode, ingest.body).toBe(202);
    const id = ingest.json().incident_id as string;
    const row = page.locator(`tr[data-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    // Triage runs on: the verdict lands in the same row, still without a reload.
    await row.getByText('malicious').waitFor({ timeout: 15_000 });
    await check('incidents');
    // Filters are list query parameters (and the URL): none of severity low, then back.
    await page.getByLabel('Severity', { exact: true }).selectOption('low');
    await page.getByText('No incident matches these filters.').waitFor();
    expect(new URL(page.url()).search).toBe('?severity=low');
    await page.getByLabel('Severity', { exact: true }).selectOption('');
    await row.waitFor();

    await row.getByRole('link').click();
    await page.getByRole('heading', { level: 2, name: 'Verdict' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Indicators' }).waitFor();
    await expect(page.getByRole('cell', { name: 'sha256' }).first().isVisible()).resolves.toBe(true);
    await check('incident');

    // Case work on the detail page: assign it, comment with a mention; both stored and on the page.
    const assignment = page.getByRole('form', { name: 'Assignment' });
    await assignment.getByLabel('Assignee').fill(USER);
    await assignment.getByRole('button', { name: 'Assign' }).click();
    const stored = async () =>
      (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json() as {
        assignee: string | null;
      };
    await expect.poll(async () => (await stored()).assignee, { timeout: 10_000 }).toBe(USER);
    await page.getByLabel(/Add a comment/).fill(`Host owner reached by phone, @${USER} takes it`);
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    await page.getByText('Host owner reached by phone').waitFor();

    // Response: the malware playbook's host isolation waits for an analyst (built-in guardrails);
    // approve it with a comment. No EDR connector is configured here, so it then fails NO_CONNECTOR.
    const isolation = page.locator('li.action', { hasText: 'isolate host' });
    await isolation.getByRole('button', { name: 'Approve…' }).click();
    const confirm = page.getByRole('dialog', { name: /Approve isolate host/ });
    await confirm.getByRole('textbox').fill('isolation confirmed with the desk');
    await confirm.getByRole('button', { name: 'Approve', exact: true }).click();
    await isolation.getByText(/decided by user:/).waitFor({ timeout: 10_000 });
    await isolation.getByText(/NO_CONNECTOR/).waitFor({ timeout: 10_000 });
    await check('incident-actions');

    // Kill switch: a confirmation with a reason, then the overview shows it.
    await open('Kill switch');
    await page.getByRole('button', { name: 'Activate kill switch…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Activate the kill switch?' });
    await dialog.getByLabel(/Reason/).fill('e2e: containment drill');
    await check('kill-switch-confirm');
    await dialog.getByRole('button', { name: 'Activate' }).click();
    await page
      .getByTestId('kill-switch-state')
      .getByText(/^ACTIVE/)
      .waitFor();
    await open('Overview');
    const tile = page.getByTestId('kill-switch-tile');
    await tile.getByText('ACTIVE').waitFor();
    await check('overview');
    // Changed elsewhere (an admin key, not this browser): the overview follows over the stream.
    const off = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/kill-switch/deactivate',
      headers: asAdmin(),
      payload: { reason: 'e2e: drill over' },
    });
    expect(off.statusCode, off.body).toBe(200);
    await tile.getByText('off').waitFor({ timeout: 10_000 });

    for (const title of [
      'Approvals',
      'Playbooks',
      'Policies',
      'Connectors',
      'Webhook sources',
      'Users',
      'API keys',
      'Audit',
      'Cluster',
    ]) {
      await open(title);
      await check(title.toLowerCase().replaceAll(' ', '-'));
      if (title === 'Cluster') {
        // The registry: this embedded process (role `all`), marked as the leader.
        const table = page.getByRole('table', { name: 'Instances' });
        await table.getByRole('cell', { name: 'all', exact: true }).waitFor();
        await table.getByText('leader', { exact: true }).waitFor();
      }
      if (title === 'Users') {
        const form = page.getByRole('form', { name: 'Create a user' });
        await form.getByLabel('Username').fill('erin');
        await form.getByLabel('Password').fill('erin-password-0123456');
        await form.getByRole('button', { name: 'Create user' }).click();
        await page.getByRole('cell', { name: 'erin', exact: true }).waitFor();
      }
      if (title === 'Playbooks') {
        // The YAML editor: the server's validation errors appear beside the text, by line.
        await page.getByRole('button', { name: 'malware v1' }).click();
        const yaml = page.getByLabel('YAML');
        await expect(yaml.inputValue()).resolves.toContain('malware');
        await yaml.fill('name: malware\nstages: 5\n');
        await page
          .locator('#pb-errors')
          .getByRole('button', { name: /^line \d+/ })
          .first()
          .waitFor();
        await expect(yaml.getAttribute('aria-invalid')).resolves.toBe('true');
        await check('playbook-editor');
      }
    }
    // Approvals: what still waits (the playbook's other proposals), the decided isolation no more.
    await open('Approvals');
    await page.locator('ul.actions li.action').first().waitFor();
    await expect(page.locator('li.action', { hasText: 'isolate host' }).count()).resolves.toBe(0);

    // Dark theme, by the toggle.
    await page.getByLabel('Theme').selectOption('dark');
    await open('Overview');
    await check('overview-dark');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    const me = await page.evaluate(() => fetch('/api/v1/auth/me').then((r) => r.status));
    expect(me).toBe(401);

    expect(cspErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
