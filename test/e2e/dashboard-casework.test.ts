import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { requireChromium } from '../helpers/browser.ts';
import { checkPage, openPage, startDashboard, type DashboardSession } from '../helpers/dashboard.ts';
import { LoopbackVendor } from '../helpers/loopback-connector.ts';
import { TEST_SECRETS, testConfig } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

/**
 * The dashboard's case-work and admin forms in a real browser against a real runtime: tag an incident
 * (one by one and in bulk), override its severity (the original stays shown), resolve it with a
 * reason and reopen it, export the filter as CSV, create a webhook connector to a loopback receiver
 * and test it, dry-run the policy (active and an unsaved broken edit), rotate a managed webhook
 * source's secret. Each touched page passes axe-core under the strict CSP.
 */

const USER = 'casey';
const PASSWORD = 'casey-password-0123456';
const SIGNING_SECRET = 'loopback-signing-secret-0123';
const crowdstrike = JSON.parse(
  readFileSync(new URL('../fixtures/vendors/crowdstrike.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const skip = requireChromium();

interface Stored {
  status: string;
  severity: string;
  original_severity: string | null;
  tags: string[];
  version: number;
  title: string;
}

describe.skipIf(skip)('dashboard case work in Chromium', () => {
  let d: DashboardSession;
  let rt: Runtime;
  let context: BrowserContext;
  let page: Page;
  let cspErrors: string[];
  let pageErrors: string[];
  const vendor = new LoopbackVendor();

  beforeAll(async () => {
    await vendor.start();
    d = await startDashboard({
      config: testConfig({
        // The connector calls the loopback receiver over plain http.
        response: { outbound: { allow_private_networks: true, allow_http: true } },
        // Managed webhook sources (and connector credentials) are sealed with this key.
        webhooks: { encryption_key: randomBytes(32).toString('hex') },
      }),
      user: { username: USER, password: PASSWORD, role: 'admin', approval_level: 'manager' },
    });
    ({ rt, context, page, cspErrors, pageErrors } = d);
  }, 120_000);

  afterAll(async () => {
    await d?.stop();
    await vendor.stop();
  });

  const check = (name: string) => checkPage(page, `casework-${name}`, true);

  const open = (title: string) => openPage(page, title);

  const stored = async (id: string): Promise<Stored> =>
    (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json() as Stored;

  /** Triage and its playbook have finished with the incident: its version no longer moves. */
  async function settled(id: string): Promise<void> {
    let last = -1;
    await expect
      .poll(
        async () => {
          const s = await stored(id);
          const still = !['new', 'enriching', 'analyzing'].includes(s.status) && s.version === last;
          last = s.version;
          return still;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(true);
  }

  it('tags, overrides, resolves and reopens, exports, creates and tests a connector, dry-runs the policy, rotates a secret', async () => {
    await page.goto(`${rt.url}/login`);
    await page.getByLabel('Username').fill(USER);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    const body = JSON.stringify(crowdstrike.ransomware);
    const ingest = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/crowdstrike',
      headers: signedHeaders(TEST_SECRETS.crowdstrike, body),
      payload: body,
    });
    expect(ingest.statusCode, ingest.body).toBe(202);
    const id = ingest.json().incident_id as string;
    await settled(id);
    const before = await stored(id);

    // Tags: add two on the detail page, remove one.
    await page.goto(`${rt.url}/incidents/${id}`);
    await page.getByRole('heading', { level: 1, name: before.title }).waitFor();
    const addTags = page.getByRole('form', { name: 'Add tags' });
    await addTags.getByLabel(/New tags/).fill('VIP, wave-2');
    await addTags.getByRole('button', { name: 'Add tags' }).click();
    await page.getByRole('button', { name: 'Remove tag wave-2' }).click();
    // The vendor's own tags stay; ours are lowercased.
    await expect
      .poll(async () => (await stored(id)).tags.sort(), { timeout: 10_000 })
      .toEqual([...before.tags, 'vip'].sort());
    await page.getByRole('button', { name: 'Remove tag wave-2' }).waitFor({ state: 'detached' });

    // Severity override with a reason: the new value shows, and so does what triage gave.
    const target = before.severity === 'low' ? 'high' : 'low';
    const override = page.getByRole('form', { name: 'Override severity and type' });
    await override.getByLabel('Severity', { exact: true }).selectOption(target);
    await override.getByLabel('Reason for the change').fill('lab machine, no user data');
    await override.getByRole('button', { name: 'Override' }).click();
    await page.getByTestId('override-originals').getByText(before.severity).waitFor({ timeout: 10_000 });
    const overridden = await stored(id);
    expect(overridden.severity).toBe(target);
    expect(overridden.original_severity).toBe(before.severity);
    await check('incident');

    // Resolve with a reason, then reopen.
    await page.getByRole('group', { name: 'Status' }).getByRole('button', { name: 'Resolve…' }).click();
    const resolve = page.getByRole('dialog', { name: /^Resolve:/ });
    await resolve.getByLabel(/Reason/).fill('cleaned up by the desk');
    await check('incident-resolve');
    await resolve.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.getByTestId('incident-status').getByText('resolved').waitFor({ timeout: 10_000 });
    await page.getByRole('group', { name: 'Status' }).getByRole('button', { name: 'Reopen…' }).click();
    const reopen = page.getByRole('dialog', { name: /^Reopen:/ });
    await reopen.getByLabel(/Reason/).fill('it came back');
    await reopen.getByRole('button', { name: 'Reopen', exact: true }).click();
    await page.getByTestId('incident-status').getByText('pending review').waitFor({ timeout: 10_000 });
    expect((await stored(id)).status).toBe('pending_review');

    // Incidents: bulk tag with per-item results, then the filter exported as CSV.
    await open('Incidents');
    const row = page.locator(`tr[data-id="${id}"]`);
    await row.getByRole('checkbox').check();
    const bulk = page.getByRole('form', { name: 'Bulk tags' });
    await bulk.getByLabel(/Tags/).fill('campaign-7');
    await bulk.getByRole('button', { name: 'Add tags' }).click();
    await page.getByRole('status', { name: 'Bulk result' }).getByText('tag: 1 done, 0 failed').waitFor();
    await expect
      .poll(async () => (await stored(id)).tags.sort(), { timeout: 10_000 })
      .toEqual([...before.tags, 'campaign-7', 'vip'].sort());
    await page.getByLabel('Severity', { exact: true }).selectOption(target);
    await row.waitFor();
    const href = await page
      .getByRole('group', { name: 'Export' })
      .getByRole('link', { name: 'CSV' })
      .getAttribute('href');
    expect(href).toBe(`/api/v1/incidents/export?format=csv&severity=${target}`);
    const csv = await page.evaluate(
      (u) =>
        fetch(u).then(async (r) => ({
          status: r.status,
          type: r.headers.get('content-type'),
          text: await r.text(),
        })),
      href!,
    );
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]!.startsWith('id,created_at,updated_at,status,severity,original_severity')).toBe(true);
    expect(
      lines.slice(1).some((l) => l.startsWith(`${id},`) && l.includes('campaign-7') && l.includes('vip')),
    ).toBe(true);
    await check('incidents-bulk');

    // Compare-and-set: a page whose stream is held back writes with the version it read; the change
    // made meanwhile elsewhere makes it a 409, said in words, nothing written; the page then shows
    // the current state and the same write goes through.
    const stale = await context.newPage();
    await stale.routeWebSocket(/\/api\/v1\/stream/, () => undefined);
    await stale.goto(`${rt.url}/incidents/${id}`);
    const staleAdd = stale.getByRole('form', { name: 'Add tags' });
    await staleAdd.waitFor();
    const elsewhere = await rt.app.inject({
      method: 'PUT',
      url: `/api/v1/incidents/${id}/tags`,
      headers: asAdmin(),
      payload: { add: ['from-elsewhere'] },
    });
    expect(elsewhere.statusCode, elsewhere.body).toBe(200);
    await staleAdd.getByLabel(/New tags/).fill('late');
    await staleAdd.getByRole('button', { name: 'Add tags' }).click();
    await stale.getByText(/Someone changed this incident since you opened it/).waitFor();
    expect((await stored(id)).tags).not.toContain('late');
    await stale.getByRole('button', { name: 'Remove tag from-elsewhere' }).waitFor();
    await staleAdd.getByRole('button', { name: 'Add tags' }).click();
    await expect.poll(async () => (await stored(id)).tags, { timeout: 10_000 }).toContain('late');
    await stale.close();

    // Connectors: create a signed webhook to the loopback receiver; its credential is never shown.
    await open('Connectors');
    await page.getByRole('button', { name: 'New connector…' }).click();
    const form = page.getByRole('form', { name: 'New connector' });
    await form.getByLabel('Name', { exact: true }).fill('loopback-hook');
    await form.getByLabel('Kind').selectOption('webhook');
    await form.getByLabel(/^url/).fill(`${vendor.url}/hook`);
    await form.getByLabel(/^signing_secret/).fill(SIGNING_SECRET);
    await check('connector-form');
    await form.getByRole('button', { name: 'Create connector' }).click();
    const table = page.getByRole('table', { name: 'Connectors' });
    await table.getByText('signing_secret: set').waitFor({ timeout: 10_000 });
    expect(await page.content()).not.toContain(SIGNING_SECRET);
    await page.getByRole('button', { name: 'Test loopback-hook' }).click();
    await page
      .getByTestId('connector-test-result')
      .getByText(/passed/)
      .waitFor({ timeout: 10_000 });
    expect(vendor.calls.some((c) => c.path === '/hook' && c.body.event === 'ping')).toBe(true);
    await page.getByRole('button', { name: 'Disable loopback-hook' }).click();
    await page.getByRole('button', { name: 'Enable loopback-hook' }).waitFor();
    await check('connectors');

    // Policies: a dry run of the active policy, then of a broken unsaved edit (its problem by line).
    await open('Policies');
    const evaluation = { action_type: 'isolate_host', target: { type: 'host', value: 'dc-01.corp.local' } };
    const expected = (
      await rt.app.inject({
        method: 'POST',
        url: '/api/v1/policies/evaluate',
        headers: asAdmin(),
        payload: evaluation,
      })
    ).json() as { decision: { outcome: string; rule: string } };
    const dry = page.getByRole('form', { name: 'Dry run' });
    await dry.getByLabel('Action').selectOption('isolate_host');
    await dry.getByLabel('Target type').selectOption('host');
    await dry.getByLabel('Target', { exact: true }).fill('dc-01.corp.local');
    await dry.getByRole('button', { name: 'Evaluate' }).click();
    const decision = page.getByTestId('policy-decision');
    await decision.getByText(expected.decision.rule).waitFor();
    await decision.getByText(expected.decision.outcome.replaceAll('_', ' '), { exact: true }).waitFor();
    await check('policies-dry-run');
    await page.getByLabel('Policy (YAML)').fill('version: 1\nrules: [unclosed\n');
    await dry.getByLabel(/edited text/).check();
    await dry.getByRole('button', { name: 'Evaluate' }).click();
    await dry
      .getByRole('button', { name: /^line \d+, column \d+/ })
      .first()
      .waitFor();

    // Webhook sources: a managed source's secret rotated, shown once, the previous one retired.
    const source = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhook-sources',
      headers: asAdmin(),
      payload: { name: 'acme-edr' },
    });
    expect(source.statusCode, source.body).toBe(201);
    const first = source.json().secret as string;
    await open('Webhook sources');
    await page.getByRole('button', { name: 'Rotate the secret of acme-edr' }).click();
    await page
      .getByRole('dialog', { name: 'Rotate the secret of acme-edr?' })
      .getByRole('button', { name: 'Rotate' })
      .click();
    const once = page.getByRole('status', { name: 'New secret of acme-edr' });
    const secret = await once.getByLabel('Secret').inputValue();
    expect(secret.length).toBeGreaterThanOrEqual(16);
    expect(secret).not.toBe(first);
    await page.getByRole('button', { name: 'Retire previous secret of acme-edr' }).waitFor();
    await check('webhook-sources');
    await once.getByRole('button', { name: 'I have stored it' }).click();
    await once.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(secret);
    // The new secret signs for the source; the signing instructions name its real route.
    const alert = JSON.stringify({ title: 'rotated secret works', severity: 'low', alert_type: 'test' });
    const signed = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/acme-edr',
      headers: signedHeaders(secret, alert),
      payload: alert,
    });
    expect(signed.statusCode, signed.body).toBe(202);
    await page.getByRole('button', { name: 'Retire previous secret of acme-edr' }).click();
    await page
      .getByRole('dialog', { name: /Retire the previous secret/ })
      .getByRole('button', { name: 'Retire' })
      .click();
    await page
      .getByRole('button', { name: 'Retire previous secret of acme-edr' })
      .waitFor({ state: 'detached' });
    const acme = page.locator('tr', { hasText: 'acme-edr' });
    await acme.getByText('How to send a test alert').click();
    const script = await acme.locator('pre').innerText();
    expect(script).toContain(`${rt.url}/api/v1/webhooks/acme-edr`);
    expect(script).toContain('X-Webhook-Timestamp');
    expect(script).not.toContain(secret);

    // Dark theme on the pages with the new forms.
    await page.getByLabel('Theme').selectOption('dark');
    await open('Connectors');
    await page.getByRole('button', { name: 'Edit loopback-hook' }).click();
    await page
      .getByRole('form', { name: 'Edit connector loopback-hook' })
      .getByText('set', { exact: true })
      .waitFor();
    await check('connectors-dark');
    await page.goto(`${rt.url}/incidents/${id}`);
    await page.getByRole('form', { name: 'Override severity and type' }).waitFor();
    await check('incident-dark');

    expect(cspErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    // Generous: one long scenario, and the CI machine is shared.
  }, 180_000);
});
