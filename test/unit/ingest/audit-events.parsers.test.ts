// Vendor audit events a SOC forwards besides alerts (issue 11 part 5): accepted, titled, typed by the
// rule packs, and their indicators extracted.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAlerts } from '../../../src/core/ingest/index.ts';
import { withoutPort } from '../../../src/core/ingest/parsers/scan.ts';
import { canonicalSource } from '../../../src/core/webhooks/source-names.ts';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/vendors/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const parse = (source: string, body: unknown) =>
  parseAlerts(canonicalSource(source), body, new Date('2024-06-15T12:00:00Z'));
const pairs = (a: { indicators: Array<{ type: string; value: string }> }) =>
  a.indicators.map((i) => `${i.type}:${i.value}`);

describe('audit events on vendor sources', () => {
  it('a Microsoft 365 audit record posted to the m365 source is read as an audit record, not a nameless Defender alert', () => {
    const [a] = parse('m365', fixture('m365-audit')['mailbox_forwarding_rule']);
    expect(a).toMatchObject({
      source: 'microsoft-graph',
      title: 'New-InboxRule: erin.cho@contoso.com\\Forward to archive',
      incidentType: 'data_exfiltration',
      severity: 'low',
      vendorId: '8c7b6a59-4837-4261-a5f4-e3d2c1b0a998',
    });
    // ClientIP "[2a0d:5600:24:a3::1]:51234" is the address without its port.
    expect(pairs(a!)).toEqual(
      expect.arrayContaining(['ipv6:2a0d:5600:24:a3::1', 'email:erin.cho.archive@proton-mail-secure.net']),
    );
    // A Graph alert on the same source is still a Graph alert.
    const [g] = parse('m365', fixture('microsoft-graph')['phishing']);
    expect(g!.title).toBe('Email messages containing malicious URL removed after delivery');
  });

  it('strips ports from logged client addresses', () => {
    expect(withoutPort('81.2.69.165:51234')).toBe('81.2.69.165');
    expect(withoutPort('[2a0d:5600:24:a3::1]:443')).toBe('2a0d:5600:24:a3::1');
    expect(withoutPort('81.2.69.165')).toBe('81.2.69.165');
    expect(withoutPort('host.example:80')).toBe('host.example:80');
  });

  it('a Falcon console audit event is titled by what was done, low, typed by the rule pack, deduplicated by stream offset', () => {
    const event = {
      metadata: {
        customerIDString: 'c1',
        offset: 342905,
        eventType: 'AuthActivityAuditEvent',
        eventCreationTime: 1721683969531,
        version: '1.0',
      },
      event: {
        UserId: 'peregrin.took@contoso.com',
        UserIp: '185.220.101.9',
        OperationName: 'grantUserRoles',
        ServiceName: 'CrowdStrike Authentication',
        Success: true,
        UTCTimestamp: 1721683969,
        AuditKeyValues: [
          { Key: 'target_name', ValueString: 'merry.b@contoso.com' },
          { Key: 'roles', ValueString: 'falconhost_admin' },
        ],
      },
    };
    const [a] = parse('crowdstrike', event);
    expect(a).toMatchObject({
      title: 'grant User Roles (CrowdStrike Authentication) by peregrin.took@contoso.com',
      severity: 'low',
      incidentType: 'privilege_escalation',
      vendorId: 'AuthActivityAuditEvent:342905',
    });
    expect(a!.occurredAt.toISOString()).toBe('2024-07-22T21:32:49.531Z');
    expect(pairs(a!)).toEqual(
      expect.arrayContaining([
        'ipv4:185.220.101.9',
        'username:peregrin.took@contoso.com',
        'username:merry.b@contoso.com',
      ]),
    );
    // Detections keep their detection reading.
    const [d] = parse('crowdstrike', fixture('crowdstrike')['ransomware']);
    expect(d).toMatchObject({ title: 'Ransomware', severity: 'critical', incidentType: 'ransomware' });
    // A failed console sign-in says so.
    const [f] = parse('falcon', {
      ...event,
      event: { ...event.event, OperationName: 'userAuthenticate', Success: false },
    });
    expect(f).toMatchObject({
      title: 'user Authenticate (CrowdStrike Authentication) by peregrin.took@contoso.com (failed)',
      incidentType: 'suspicious_login',
    });
  });

  it('Okta and Google events take the rule pack incident type; vendor audit records without a severity are low', () => {
    const token = {
      uuid: 't1',
      published: '2024-06-15T10:00:00Z',
      eventType: 'system.api_token.create',
      severity: 'INFO',
      actor: { type: 'User', alternateId: 'ann@contoso.com' },
      client: { ipAddress: '81.2.69.161' },
      outcome: { result: 'SUCCESS' },
    };
    expect(parse('okta', token)[0]).toMatchObject({ incidentType: 'privilege_escalation', severity: 'low' });
    const [g] = parse('google-workspace', fixture('google-workspace')['admin_privilege_grant']);
    expect(g).toMatchObject({ incidentType: 'privilege_escalation', severity: 'low' });
    // An unknown vendor's event keeps the medium default.
    expect(parse('some-tool', { event: 'thing happened', host: 'srv-1' })[0]!.severity).toBe('medium');
  });
});
