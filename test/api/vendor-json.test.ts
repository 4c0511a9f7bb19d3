import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlerts } from '../../src/core/ingest/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { TEST_SECRETS, startRuntime, testConfig } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

/**
 * Real vendor events that no dedicated parser knows, forwarded as a SOC forwards them: each family's
 * fixture is accepted through the signed webhook, stored with a sensible title, severity and type,
 * its raw event and its indicators; batches are committed whole and answered per event.
 */

const fixtures = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/vendors/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

/** Fixture file → the webhook source a SOC would configure for it (none has a dedicated parser). */
const FAMILIES = {
  'entra-id': 'entra-signins',
  'google-workspace': 'google-workspace',
  'm365-audit': 'o365-audit',
  'falcon-fdr': 'falcon-fdr',
  'okta-export': 'okta-archive',
} as const;
const SECRETS: Record<string, string> = Object.fromEntries(
  Object.values(FAMILIES).map((s) => [s, `${s}-vendor-json-secret-0123456789`]),
);

let rt: Runtime;
beforeAll(async () => {
  rt = await startRuntime(
    testConfig({
      webhooks: {
        sources: Object.fromEntries(Object.entries(SECRETS).map(([s, secret]) => [s, { secret }])),
      },
    }),
  );
}, 120_000);
afterAll(async () => {
  await rt?.stop();
});

async function post(source: string, payload: unknown, secret = SECRETS[source]!) {
  const body = JSON.stringify(payload);
  return rt.app.inject({
    method: 'POST',
    url: `/api/v1/webhooks/${source}`,
    headers: signedHeaders(secret, body, { noTimestamp: true }),
    payload: body,
  });
}

async function detail(id: string) {
  const res = await rt.app.inject({ method: 'GET', url: `/api/v1/incidents/${id}`, headers: asAdmin() });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const pairsOf = (list: { type: string; value: string }[]) => list.map((i) => `${i.type}:${i.value}`).sort();

describe('vendor JSON without a dedicated parser', () => {
  for (const [file, source] of Object.entries(FAMILIES)) {
    for (const [name, payload] of Object.entries(fixtures(file))) {
      it(`${file} / ${name} → ${source}: 202, every event durable with title, severity, type, raw and indicators`, async () => {
        const res = await post(source, payload);
        expect(res.statusCode, res.body).toBe(202);
        const expected = parseAlerts(source, payload);
        const reply = res.json();
        const results =
          expected.length === 1 ? [reply] : (expect(reply.accepted).toBe(expected.length), reply.results);
        expect(results).toHaveLength(expected.length);
        for (const [i, r] of (results as { incident_id: string }[]).entries()) {
          const want = expected[i]!;
          const d = await detail(r.incident_id);
          expect(d.source).toBe(source);
          expect(d.title).toBe(want.title);
          expect(d.title).not.toMatch(/^(Alert|Event from)/); // derived from the event, not a placeholder
          expect(d.severity).toBe(want.severity);
          expect(d.incident_type).toBe(want.incidentType);
          const raws = d.alerts.map((a: { raw: unknown }) => a.raw);
          expect(raws).toContainEqual(want.raw);
          expect(pairsOf(d.indicators)).toEqual(expect.arrayContaining(pairsOf(want.indicators)));
          expect(want.indicators.length).toBeGreaterThan(0);
        }
      });
    }
  }

  it('an Okta event exported with lower-cased keys parses as Okta on the okta source', async () => {
    const payload = fixtures('okta-export').lowercased_suspicious_login;
    const res = await post('okta', payload, TEST_SECRETS.okta);
    expect(res.statusCode, res.body).toBe(202);
    const d = await detail(res.json().incident_id);
    expect(d).toMatchObject({
      title: 'User login to Okta',
      severity: 'high',
      incident_type: 'suspicious_login',
    });
    expect(pairsOf(d.indicators)).toEqual(
      expect.arrayContaining(['ipv4:185.220.101.47', 'username:grace.hopper@example.com']),
    );
  });

  it('a batch is committed whole and answered in order; an Okta hook with two events stores both', async () => {
    const hook = fixtures('okta').event_hook_privilege_grant as {
      data: { events: Record<string, unknown>[] };
    };
    const second = { ...hook.data.events[0]!, uuid: '0c1d2e3f-second-event-in-hook' };
    const res = await post(
      'okta',
      { ...hook, data: { events: [...hook.data.events, second] } },
      TEST_SECRETS.okta,
    );
    expect(res.statusCode, res.body).toBe(202);
    const reply = res.json();
    expect(reply.accepted).toBe(2);
    expect(reply.results.map((r: { created: boolean }) => r.created)).toEqual([true, true]);
    const ids = reply.results.map((r: { incident_id: string }) => r.incident_id);
    expect(new Set(ids).size).toBe(2);
    expect((await detail(ids[1])).alerts[0].raw).toEqual(second);
  });

  it('refuses an empty batch (400), a non-object item (400) and an oversized batch (413), storing nothing', async () => {
    const before = await rt.database.primary
      .selectFrom('alerts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const empty = await post('falcon-fdr', []);
    expect([empty.statusCode, empty.json().code]).toEqual([400, 'VALIDATION_ERROR']);
    const emptyPage = await post('entra-signins', { '@odata.context': 'x', value: [] });
    expect([emptyPage.statusCode, emptyPage.json().code]).toEqual([400, 'VALIDATION_ERROR']);
    const mixed = await post('falcon-fdr', [fixtures('falcon-fdr').dns_request, 42]);
    expect([mixed.statusCode, mixed.json().code, mixed.json().details?.field]).toEqual([
      400,
      'VALIDATION_ERROR',
      '[1]',
    ]);
    const many = Array.from({ length: 501 }, (_, i) => ({ event_simpleName: 'DnsRequest', id: `dns-${i}` }));
    const big = await post('falcon-fdr', many);
    expect([big.statusCode, big.json().code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const after = await rt.database.primary
      .selectFrom('alerts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('takes a batch larger than one group commit, each event durable', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({
      event_simpleName: 'DnsRequest',
      id: `bulk-dns-${i}`,
      DomainName: `host-${i}.bulk-test.example`,
    }));
    const res = await post('falcon-fdr', { records: many });
    expect(res.statusCode, res.body).toBe(202);
    const reply = res.json();
    expect(reply.accepted).toBe(250);
    const ids = new Set(reply.results.map((r: { incident_id: string }) => r.incident_id));
    expect(ids.size).toBe(250);
    const stored = await rt.database.primary
      .selectFrom('incidents')
      .select('id')
      .where('id', 'in', [...ids] as string[])
      .execute();
    expect(stored).toHaveLength(250);
  });
});
