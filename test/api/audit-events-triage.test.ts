import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { TEST_SECRETS, eventually, startRuntime, testConfig } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

/**
 * Issue 11 part 5, end to end: raw audit events a high/critical detection rule fires on, POSTed as the
 * vendor would to signed webhooks, are accepted, typed, triaged, and the verdict rests on the vendor
 * rule pack (never benign, never inconclusive for lack of intel); a routine event comes out benign.
 */

const fixtures = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/vendors/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const GWS_SECRET = 'google-workspace-audit-secret-0123456789';

let rt: Runtime;
beforeAll(async () => {
  rt = await startRuntime(
    testConfig({ webhooks: { sources: { 'google-workspace': { secret: GWS_SECRET } } } }),
  );
}, 120_000);
afterAll(async () => {
  await rt?.stop();
});

async function ingest(source: string, secret: string, payload: unknown): Promise<string> {
  const body = JSON.stringify(payload);
  const res = await rt.app.inject({
    method: 'POST',
    url: `/api/v1/webhooks/${source}`,
    headers: signedHeaders(secret, body, { noTimestamp: true }),
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(202);
  return res.json().incident.id as string;
}

async function triaged(id: string) {
  return eventually(
    async () => {
      const d = (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json();
      return d.verdict ? d : undefined;
    },
    `verdict of ${id}`,
    60_000,
  );
}

describe('audit events through the webhook and triage', () => {
  it('Okta admin grant, M365 audit-log disabling, Falcon API client, Google role assignment: flagged by their rule packs', async () => {
    const grant = (fixtures('okta') as Record<string, { data: { events: unknown[] } }>)[
      'event_hook_privilege_grant'
    ]!;
    const cases: Array<[string, string, unknown, string, string]> = [
      ['okta', TEST_SECRETS.okta, grant, 'okta.admin_privilege_grant', 'privilege_escalation'],
      [
        'm365',
        TEST_SECRETS['microsoft-graph'],
        {
          CreationTime: '2024-06-15T09:40:00',
          Id: '6a1c2e4f-0b3d-4f5a-8c7e-9d0f1a2b3c4d',
          Operation: 'Set-AdminAuditLogConfig',
          RecordType: 1,
          Workload: 'Exchange',
          ResultStatus: 'True',
          UserId: 'erin.cho@contoso.com',
          ClientIP: '103.251.167.20:50123',
          ObjectId: 'Admin Audit Log Settings',
          Parameters: [{ Name: 'UnifiedAuditLogIngestionEnabled', Value: 'False' }],
        },
        'microsoft_365.audit_log_disabled',
        'cloud_misconfiguration',
      ],
      [
        'crowdstrike',
        TEST_SECRETS.crowdstrike,
        {
          metadata: {
            customerIDString: 'c1',
            offset: 77120,
            eventType: 'AuthActivityAuditEvent',
            eventCreationTime: 1720447314451,
            version: '1.0',
          },
          event: {
            UserId: 'tester@contoso.com',
            UserIp: '11.1.111.11',
            OperationName: 'CreateAPIClient',
            ServiceName: 'Crowdstrike API Client',
            Success: true,
            UTCTimestamp: 1720447314,
            AuditKeyValues: [{ Key: 'scope(s)', ValueString: 'hosts:write' }],
          },
        },
        'crowdstrike.api_client_created',
        'privilege_escalation',
      ],
      [
        'google-workspace',
        GWS_SECRET,
        fixtures('google-workspace')['admin_privilege_grant'],
        'google_workspace.admin_role_assigned',
        'privilege_escalation',
      ],
    ];
    for (const [source, secret, payload, rule, type] of cases) {
      const d = await triaged(await ingest(source, secret, payload));
      expect(d.incident_type, source).toBe(type);
      expect(['malicious', 'suspicious'], source).toContain(d.verdict.classification);
      expect(d.verdict.reasons.join('\n'), source).toContain(`vendor rule (`);
      expect(d.verdict.reasons.join('\n'), source).toContain(rule);
    }
  });

  it('a routine Okta sign-in comes out benign on the rule pack alone', async () => {
    const d = await triaged(
      await ingest('okta', TEST_SECRETS.okta, {
        uuid: '5b1f0e2a-7c3d-11ef-9a41-06a1b2c3d4e5',
        published: '2024-06-15T08:00:00Z',
        eventType: 'user.session.start',
        severity: 'INFO',
        displayMessage: 'User login to Okta',
        actor: { id: '00u1', type: 'User', alternateId: 'ann.lee@contoso.com', displayName: 'Ann Lee' },
        client: { ipAddress: '81.2.69.161' },
        outcome: { result: 'SUCCESS' },
      }),
    );
    expect(d.verdict.classification).toBe('benign');
    expect(d.verdict.reasons.join('\n')).toContain('okta.routine_sign_in');
  });
});
