// Email analysis over HTTP (docs/EMAIL-ANALYSIS.md): an uploaded message becomes new evidence for an
// incident (stored, indicators added, re-triaged, weighed by the analyzer), a dry run only answers,
// a raw message inside an alert is analysed at triage, and bad input gets 400/404/413/415.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/email/${name}`, import.meta.url));
const MAX = 64 * 1024;

interface Detail {
  status: string;
  indicators: Array<{ type: string; value: string }>;
  enrichments: Array<{ provider: string; indicator_value: string; verdict: string }>;
  verdict: { classification: string; reasons: string[]; created_at: string } | null;
  timeline: Array<{ action: string; details: Record<string, unknown> }>;
}

let rt: Runtime;

beforeAll(async () => {
  // A small server-wide body limit: the upload routes take their own (email.max_bytes based) one.
  rt = await startRuntime(testConfig({ server: { body_limit: 4096 }, email: { max_bytes: MAX } }));
}, 60_000);
afterAll(async () => {
  await rt?.stop();
});

const detail = async (id: string) =>
  (await rt.app.inject({ method: 'GET', url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json<Detail>();

async function triaged(body: Record<string, unknown> = {}): Promise<string> {
  const res = await rt.app.inject({
    method: 'POST',
    url: '/api/v1/incidents',
    headers: asAdmin(),
    payload: {
      incident_type: 'phishing',
      source: 'user-report',
      severity: 'medium',
      title: `User reported a suspicious email ${randomUUID()}`,
      indicators: [{ type: 'email', value: 'bob@corp.example.com' }],
      ...body,
    },
  });
  expect(res.statusCode, res.body).toBe(202);
  const id = res.json<{ incident_id: string }>().incident_id;
  await eventually(async () => (await detail(id)).status === 'pending_review', 'first triage', 60_000);
  return id;
}

const upload = (id: string, payload: Buffer | string, type = 'message/rfc822') =>
  rt.app.inject({
    method: 'POST',
    url: `/api/v1/incidents/${id}/email`,
    headers: asAdmin({ 'content-type': type }),
    payload,
  });

describe('POST /api/v1/incidents/:id/email', () => {
  it('stores the analysis, adds its indicators and re-triages the incident on the new evidence', async () => {
    const id = await triaged();
    const before = await detail(id);
    expect(before.verdict?.classification).toBe('inconclusive');

    const res = await upload(id, fixture('phish-credential.eml'));
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<{
      created: boolean;
      requeued: boolean;
      queued: boolean;
      indicators_added: number;
      incident: { status: string };
      analysis: {
        id: string;
        verdict: string;
        source: string;
        created_by: string;
        analysis: { findings: Array<{ code: string }> };
      };
    }>();
    expect(body).toMatchObject({ created: true, requeued: true, queued: true, incident: { status: 'new' } });
    expect(body.indicators_added).toBeGreaterThanOrEqual(8);
    expect(body.analysis).toMatchObject({ verdict: 'malicious', source: 'upload' });
    expect(body.analysis.analysis.findings.map((f) => f.code)).toContain('LOOKALIKE_DOMAIN');

    const after = await eventually(
      async () => {
        const d = await detail(id);
        return d.status === 'pending_review' && d.verdict?.created_at !== before.verdict?.created_at && d;
      },
      're-triage',
      60_000,
    );
    expect(after.indicators.map((i) => i.value)).toEqual(
      expect.arrayContaining([
        'security-noreply@micros0ft-support.com',
        'micros0ft-support.com',
        '203.0.113.77',
      ]),
    );
    expect(after.enrichments.filter((e) => e.provider === 'email_analysis').length).toBeGreaterThan(0);
    expect(after.timeline.map((t) => t.action)).toEqual(
      expect.arrayContaining(['email.analyzed', 'triage.requeued']),
    );
    // The deterministic analyzer weighs the email_analysis enrichments like any intel verdict.
    expect(after.verdict?.classification).toBe('malicious');
    expect(after.verdict?.reasons.join('\n')).toContain('email_analysis');

    // The same message again: nothing new, no re-triage.
    const again = await upload(id, fixture('phish-credential.eml'));
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ created: false, requeued: false, indicators_added: 0 });
    expect((await detail(id)).status).toBe('pending_review');
  }, 120_000);

  it('takes JSON {raw_base64} and lists analyses newest first (incidents:read)', async () => {
    const id = await triaged();
    const json = await rt.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${id}/email`,
      headers: asAdmin(),
      payload: { raw_base64: fixture('malware-attachments.eml').toString('base64') },
    });
    expect(json.statusCode, json.body).toBe(201);
    expect((await upload(id, fixture('newsletter-clean.eml'))).statusCode).toBe(201);
    const list = await rt.app.inject({
      method: 'GET',
      url: `/api/v1/incidents/${id}/email-analyses?per_page=10`,
      headers: asAdmin(),
    });
    expect(list.statusCode, list.body).toBe(200);
    const page = list.json<{
      data: Array<{ from_address: string; verdict: string; analysis: { attachments: unknown[] } }>;
      pagination: { total_items: number };
    }>();
    expect(page.pagination.total_items).toBe(2);
    expect(page.data.map((a) => [a.from_address, a.verdict])).toEqual([
      ['news@acme-news.example.org', 'benign'],
      ['billing@invoices-portal.example.net', 'malicious'],
    ]);
    expect(page.data[1]!.analysis.attachments).toHaveLength(2);
  }, 120_000);

  it('answers 404, 400, 413 and 415 with stable codes', async () => {
    const id = await triaged();
    const missing = await upload(randomUUID(), fixture('phish-credential.eml'));
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await upload('not-a-uuid', fixture('phish-credential.eml'))).statusCode).toBe(400);

    const text = await upload(id, 'just some words\nand more words\n');
    expect(text.statusCode).toBe(400);
    expect(text.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'EMAIL_MALFORMED' } });

    const noField = await rt.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${id}/email`,
      headers: asAdmin(),
      payload: { raw: 'x' },
    });
    expect(noField.statusCode).toBe(400);
    expect(noField.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'raw_base64' } });
    const badB64 = await rt.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${id}/email`,
      headers: asAdmin(),
      payload: { raw_base64: '***' },
    });
    expect(badB64.statusCode).toBe(400);

    // Over email.max_bytes but within the route's body limit: the analyzer refuses it.
    const big = Buffer.concat([fixture('newsletter-clean.eml'), Buffer.alloc(MAX, 'x')]);
    const tooLarge = await upload(id, big);
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json()).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      details: { reason: 'EMAIL_TOO_LARGE' },
    });
    // Over the route's body limit: refused before it is read whole.
    const huge = await upload(id, Buffer.alloc(MAX * 2, 'x'));
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // The route's own limit is not the server's: 20 KB is fine here, not on POST /incidents.
    const padded = Buffer.concat([fixture('newsletter-clean.eml'), Buffer.from(`\n${'p'.repeat(20_000)}\n`)]);
    expect((await upload(id, padded)).statusCode).toBe(201);
    const elsewhere = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: asAdmin(),
      payload: {
        incident_type: 'other',
        source: 's',
        severity: 'low',
        title: 't',
        description: 'd'.repeat(5000),
      },
    });
    expect(elsewhere.statusCode).toBe(413);

    const plain = await upload(id, 'From: a@b.example\n\nx', 'text/plain');
    expect(plain.statusCode).toBe(415);
    expect(plain.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(
      (
        await rt.app.inject({
          method: 'GET',
          url: `/api/v1/incidents/${randomUUID()}/email-analyses`,
          headers: asAdmin(),
        })
      ).statusCode,
    ).toBe(404);
  }, 120_000);
});

describe('POST /api/v1/email/analyze (dry run)', () => {
  it('returns the findings and stores nothing', async () => {
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/email/analyze',
      headers: asAdmin({ 'content-type': 'message/rfc822' }),
      payload: fixture('forward-nested.eml'),
    });
    expect(res.statusCode, res.body).toBe(200);
    const a = res.json<{
      sha256: string;
      nested: Array<{ verdict: string }>;
      findings: Array<{ code: string }>;
    }>();
    expect(a.nested[0]?.verdict).toBe('malicious');
    expect(a.findings.map((f) => f.code)).toContain('NESTED_MESSAGE');
    const stored = await rt.database.primary
      .selectFrom('email_analyses')
      .select('id')
      .where('sha256', '=', a.sha256)
      .execute();
    expect(stored).toEqual([]);
    const bad = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/email/analyze',
      headers: asAdmin(),
      payload: { raw_base64: Buffer.from('{"not": "mail"}').toString('base64') },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ details: { reason: 'EMAIL_MALFORMED' } });
    const metrics = (await rt.app.inject('/metrics')).body;
    expect(metrics).toMatch(/^tw_email_analyses_total\{source="dry_run",verdict="suspicious"\} [1-9]/m);
    expect(metrics).toMatch(/^tw_email_analyses_total\{source="dry_run",verdict="error"\} [1-9]/m);
  });
});

describe('a raw message inside an alert', () => {
  it('is analysed at triage: stored with its alert, its evidence in the verdict', async () => {
    const raw = fixture('malware-attachments.eml').toString('base64');
    const id = await triaged({ raw_data: { vendor: 'mail-gw', message: { eml: raw } } });
    const list = await rt.app.inject({
      method: 'GET',
      url: `/api/v1/incidents/${id}/email-analyses`,
      headers: asAdmin(),
    });
    const page = list.json<{
      data: Array<{ source: string; alert_id: string | null; verdict: string; created_by: string }>;
    }>();
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({
      source: 'alert',
      verdict: 'malicious',
      created_by: 'orchestrator:test',
    });
    expect(page.data[0]!.alert_id).toMatch(/^[0-9a-f-]{36}$/);
    const d = await detail(id);
    expect(d.indicators.map((i) => i.value)).toContain(
      '90c8470adc192ad9701884d15a05449f7a550adbce08214467f523503f89fb16',
    );
    expect(d.verdict?.classification).toBe('malicious');
  }, 120_000);
});
