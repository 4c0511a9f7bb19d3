import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlert, parseAlerts } from '../../src/core/ingest/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { TEST_SECRETS, eventually, startRuntime } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';
import { asAdmin } from '../helpers/auth.ts';

const VENDORS = ['crowdstrike', 'splunk', 'microsoft-graph', 'guardduty', 'okta', 'elastic'] as const;
const fixtures = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/vendors/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

let rt: Runtime;
beforeAll(async () => {
  rt = await startRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

/** Signs without a timestamp: identical resends are then legitimate (dedup), not replays. */
async function post(source: string, payload: unknown, secret?: string) {
  const body = JSON.stringify(payload);
  return rt.app.inject({
    method: 'POST',
    url: `/api/v1/webhooks/${source}`,
    headers: secret
      ? signedHeaders(secret, body, { noTimestamp: true })
      : { 'content-type': 'application/json' },
    payload: body,
  });
}

describe('webhook ingest of every vendor format', () => {
  for (const vendor of [...VENDORS, 'acme-dlp'] as const) {
    const file = vendor === 'acme-dlp' ? 'generic' : vendor;
    for (const [name, payload] of Object.entries(fixtures(file))) {
      it(`${vendor} / ${name}: 202, stored with the parser's severity and indicators, then triaged`, async () => {
        const res = await post(vendor, payload, TEST_SECRETS[vendor]);
        expect(res.statusCode, res.body).toBe(202);
        const reply = res.json();
        expect(reply.created).toBe(true);
        // An envelope of one event (Graph `value`, an Okta hook) is that event: its raw is the event.
        const expected = parseAlerts(vendor, payload)[0]!;
        const detail = await eventually(async () => {
          const r = await rt.app.inject({
            url: `/api/v1/incidents/${reply.incident_id}`,
            headers: asAdmin(),
          });
          const d = r.json();
          return d.verdict ? d : null;
        }, `verdict for ${vendor}/${name}`);
        expect(detail.severity).toBe(expected.severity);
        expect(detail.incident_type).toBe(expected.incidentType);
        expect(detail.source).toBe(vendor);
        const got = detail.indicators
          .map((i: { type: string; value: string }) => `${i.type}:${i.value}`)
          .sort();
        expect(got).toEqual([...new Set(expected.indicators.map((i) => `${i.type}:${i.value}`))].sort());
        expect(expected.indicators.length).toBeGreaterThan(0);
        expect(['pending_review', 'false_positive', 'resolved']).toContain(detail.status);
        expect(detail.verdict.reasons.length).toBeGreaterThan(0);
        expect(detail.alerts).toHaveLength(1);
        expect(detail.alerts[0].raw).toEqual(expected.raw);
        const actions: string[] = detail.timeline.map((t: { action: string }) => t.action);
        // The built-in playbook's propose_action / notify steps add their own records, and the response
        // actions they propose theirs (action.*; the default policy holds every one for approval).
        const steps = new Set(['triage.action_recommended', 'triage.notification_requested']);
        expect(actions.filter((a) => !steps.has(a) && !a.startsWith('action.'))).toEqual([
          'incident.created',
          'triage.started',
          'triage.enriched',
          'triage.analyzed',
        ]);
      });
    }
  }

  it('CrowdStrike ransomware with a listed hash: critical, sha256 indicator, malicious verdict', async () => {
    const res = await post('crowdstrike', fixtures('crowdstrike').ransomware, TEST_SECRETS.crowdstrike);
    const id = res.json().incident_id;
    const d = await eventually(async () => {
      const r = (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json();
      return r.verdict ? r : null;
    }, 'verdict');
    expect(d.severity).toBe('critical');
    expect(d.indicators.some((i: { type: string }) => i.type === 'sha256')).toBe(true);
    expect(d.verdict.classification).toBe('malicious');
    expect(d.enrichments.some((e: { verdict: string }) => e.verdict === 'malicious')).toBe(true);
  });

  it('the alias defender reaches the Microsoft Graph parser', async () => {
    const payload = fixtures('microsoft-graph').phishing;
    const res = await post('defender', payload, TEST_SECRETS.defender);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().incident.severity).toBe(parseAlert('microsoft-graph', payload).severity);
  });
});

describe('dedup', () => {
  it('a repeated alert folds into the open incident (occurrence count, last_seen) and says so', async () => {
    const payload = fixtures('guardduty').ssh_brute_force;
    const first = (await post('guardduty', payload, TEST_SECRETS.guardduty)).json();
    const again = await post('guardduty', payload, TEST_SECRETS.guardduty);
    expect(again.statusCode).toBe(202);
    const second = again.json();
    expect(second.incident_id).toBe(first.incident_id);
    expect(second.created).toBe(false);
    expect(second.deduplicated).toBe(true);
    expect(second.occurrence_count).toBe(first.occurrence_count + 1);
    const detail = (
      await rt.app.inject({ url: `/api/v1/incidents/${first.incident_id}`, headers: asAdmin() })
    ).json();
    expect(detail.alerts.length).toBe(second.occurrence_count);
  });

  it('concurrent identical alerts still make one incident', async () => {
    const payload = { ...(fixtures('generic').data_exfil as object), title: `burst ${Date.now()}` };
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => post('acme-dlp', payload, TEST_SECRETS['acme-dlp'])),
    );
    const ids = new Set(replies.map((r) => r.json().incident_id));
    expect(replies.every((r) => r.statusCode === 202)).toBe(true);
    expect(ids.size).toBe(1);
    expect(replies.filter((r) => r.json().created)).toHaveLength(1);
  });
});

describe('POST /api/v1/incidents', () => {
  it('creates an incident from the JSON format with explicit and extracted indicators', async () => {
    const res = await rt.app.inject({
      headers: asAdmin(),
      method: 'POST',
      url: '/api/v1/incidents',
      payload: {
        incident_type: 'phishing',
        source: 'analyst-report',
        severity: 'high',
        title: 'User reported phish',
        description: 'Link to hxxps://login-micros0ft-secure[.]com/reset',
        indicators: [{ type: 'email', value: 'Attacker@Evil-Mail.example' }],
        raw_data: { sender_ip: '45.155.205.233' },
      },
    });
    expect(res.statusCode, res.body).toBe(202);
    const d = (
      await rt.app.inject({ url: `/api/v1/incidents/${res.json().incident_id}`, headers: asAdmin() })
    ).json();
    const values = d.indicators.map((i: { value: string }) => i.value);
    expect(values).toContain('attacker@evil-mail.example');
    expect(values).toContain('45.155.205.233');
    expect(d.severity).toBe('high');
  });
});
