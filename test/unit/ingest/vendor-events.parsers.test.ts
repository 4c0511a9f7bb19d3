import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/contracts/index.ts';
import { MAX_BATCH_EVENTS, parseAlert, parseAlerts } from '../../../src/core/ingest/index.ts';
import { RECEIVED_AT, expectValidAlert, fixture, pairs, scenario, validationError } from './helpers.ts';

/** Every alert of a fixture scenario (a single event or a batch) posted as `source`. */
function parsed(source: string, vendor: string, name: string) {
  const alerts = parseAlerts(source, scenario(vendor, name), RECEIVED_AT);
  for (const a of alerts) expectValidAlert(a);
  return alerts;
}

describe('vendor events without a dedicated parser (generic path)', () => {
  it('Entra ID risky sign-in: titled from app, user and failure; high; suspicious login; indicators', () => {
    const [a, ...rest] = parsed('entra-signins', 'entra-id', 'risky_signin');
    expect(rest).toEqual([]);
    expect(a).toMatchObject({
      source: 'entra-signins',
      severity: 'high',
      incidentType: 'suspicious_login',
      vendorId: '66ea54eb-6301-4ee5-be62-ff5a759b8100',
    });
    expect(a!.title).toBe(
      'Sign-in to Office 365 Exchange Online by alice.martin@contoso.com (failed: Access has been blocked by Conditional Access policies.)',
    );
    expect(a!.occurredAt.toISOString()).toBe('2024-06-15T08:41:27.000Z');
    expect(pairs(a!)).toEqual(
      expect.arrayContaining(['ipv4:185.220.101.47', 'username:alice.martin@contoso.com']),
    );
    expect(a!.raw).toEqual(scenario('entra-id', 'risky_signin'));
  });

  it('Entra ID audit: the activity names the title and the type', () => {
    const [a] = parsed('entra-audit', 'entra-id', 'audit_role_assignment');
    // An audit record of a vendor with a rule pack, with no severity of its own, is low.
    expect(a).toMatchObject({ incidentType: 'privilege_escalation', severity: 'low' });
    expect(a!.title).toBe('Add member to role: svc-backup@contoso.com by bob.keller@contoso.com');
    expect(pairs(a!)).toEqual(
      expect.arrayContaining(['ipv4:45.155.205.233', 'username:svc-backup@contoso.com']),
    );
  });

  it('Graph page and Azure diagnostic records: one alert per event, each raw its own event', () => {
    const page = parsed('entra-signins', 'entra-id', 'graph_page');
    const items = (scenario('entra-id', 'graph_page') as { value: unknown[] }).value;
    expect(page.map((a) => a.raw)).toEqual(items);
    // No risk (`none`) says nothing: an audit record, low; the second sign-in is rated medium risk.
    expect(page.map((a) => a.severity)).toEqual(['low', 'medium']);
    expect(page.map((a) => a.incidentType)).toEqual(['suspicious_login', 'suspicious_login']);
    const records = parsed('azure-diag', 'entra-id', 'diagnostic_records');
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ severity: 'low', vendorId: 'aa11bb22-cc33-4d44-8e55-ff6677889900' });
    expect(records[0]!.title).toMatch(/^Sign-in activity by carol\.diaz@contoso\.com \(failed: /);
    expect(pairs(records[0]!)).toContain('ipv4:193.142.146.35');
  });

  it('Google Workspace activity: events[].name is the action, id.time the time', () => {
    const [a] = parsed('gws', 'google-workspace', 'suspicious_login');
    expect(a).toMatchObject({
      title: 'suspicious_login by dana.whitfield@example.org',
      incidentType: 'suspicious_login',
      severity: 'low',
      vendorId: '-4815162342108731337',
    });
    expect(a!.occurredAt.toISOString()).toBe('2024-06-15T07:58:13.402Z');
    expect(pairs(a!)).toEqual(
      expect.arrayContaining(['ipv4:45.155.205.233', 'email:dana.whitfield@example.org']),
    );
    const [grant] = parsed('gws', 'google-workspace', 'admin_privilege_grant');
    expect(grant).toMatchObject({
      title: 'ASSIGN_ROLE by it-admin@example.org',
      incidentType: 'privilege_escalation',
    });
    expect(pairs(grant!)).toEqual(
      expect.arrayContaining([
        'ipv6:2a02:c7c:8d41:7f00:3d2e:1b4f:9a6c:21e7',
        'email:contractor.temp@example.org',
      ]),
    );
    const page = parsed('gws', 'google-workspace', 'reports_page');
    expect(page.map((x) => x.title)).toEqual([
      'login_failure by dana.whitfield@example.org',
      'download by dana.whitfield@example.org',
    ]);
  });

  it('Microsoft 365 audit record: Operation, zone-less UTC CreationTime, failure detail', () => {
    const [a] = parsed('o365', 'm365-audit', 'user_login_failed');
    expect(a).toMatchObject({
      title: 'UserLoginFailed by erin.cho@contoso.com (failed: InvalidUserNameOrPassword)',
      incidentType: 'suspicious_login',
      vendorId: '5a8b3c0e-9f21-4d6a-b7c3-1e2f3a4b5c6d',
    });
    expect(a!.occurredAt.toISOString()).toBe('2024-06-15T09:12:44.000Z');
    expect(pairs(a!)).toEqual(expect.arrayContaining(['ipv4:103.251.167.20', 'email:erin.cho@contoso.com']));
    const [rule] = parsed('o365', 'm365-audit', 'mailbox_forwarding_rule');
    expect(pairs(rule!)).toContain('email:erin.cho.archive@proton-mail-secure.net');
    const batch = parsed('o365', 'm365-audit', 'audit_batch');
    expect(batch.map((x) => x.incidentType)).toEqual(['privilege_escalation', 'other']);
  });

  it('Falcon Data Replicator events: event_simpleName, hashes, remote IPs, agent ids are not hashes', () => {
    const [proc] = parsed('fdr', 'falcon-fdr', 'process_rollup');
    expect(proc!.title).toMatch(/^ProcessRollup2: .*powershell\.exe by CONTOSO\\frank\.liu$/);
    expect(proc).toMatchObject({ incidentType: 'malware', vendorId: 'e3f1c2a0-7b5d-11ef-9a41-06a1b2c3d4e5' });
    expect(proc!.occurredAt.toISOString()).toBe('2024-06-15T08:47:14.567Z');
    expect(pairs(proc!)).toEqual(
      expect.arrayContaining([
        'sha256:de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c',
        'md5:7353f60b1739074eb17c5f4dddefe239',
        'ipv4:198.51.100.23',
        'url:http://198.51.100.23/a.ps1',
      ]),
    );
    expect(pairs(proc!)).not.toContain('md5:4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f'); // the agent id (aid)
    const [dns] = parsed('fdr', 'falcon-fdr', 'dns_request');
    expect(dns!.title).toBe('DnsRequest: update-check.cdn-microsofts.com');
    expect(pairs(dns!)).toContain('domain:update-check.cdn-microsofts.com');
    const [net] = parsed('fdr', 'falcon-fdr', 'network_connect');
    expect(pairs(net!)).toContain('ipv4:198.51.100.23');
  });

  it('Okta event exported with lower-cased keys: generic elsewhere, the Okta parser on okta', () => {
    const [generic] = parsed('okta-archive', 'okta-export', 'lowercased_suspicious_login');
    expect(generic).toMatchObject({
      title: 'User login to Okta by grace.hopper@example.com (failed: VERIFICATION_ERROR)',
      incidentType: 'suspicious_login',
      vendorId: '9b2c1e7a-2ae0-11ef-8f1e-4f7b2c1d0e9a',
    });
    const [okta] = parsed('okta', 'okta-export', 'lowercased_suspicious_login');
    expect(okta).toMatchObject({
      title: 'User login to Okta',
      severity: 'high',
      incidentType: 'suspicious_login',
    });
    expect(pairs(okta!)).toEqual(
      expect.arrayContaining(['ipv4:185.220.101.47', 'username:grace.hopper@example.com']),
    );
    expect(okta!.tags).toEqual(expect.arrayContaining(['threat_suspected', 'okta_event:user.session.start']));
  });

  it('any JSON object is an alert, whatever its fields hold', () => {
    for (const body of [
      { x: null },
      { severity: 7, title: null, eventType: ['a'], id: { n: 1 } },
      { 'ÜNÏCÖDÉ 🔥': '漢字', nested: { deeper: [{ ip: '8.8.8.8' }] } },
      { value: [1, 2] }, // an array of non-objects: data of one event, not a batch
    ]) {
      const [a, ...rest] = parseAlerts('acme', body, RECEIVED_AT);
      expect(rest).toEqual([]);
      expectValidAlert(a!);
      expect(a!.raw).toEqual(body);
    }
  });
});

describe('batches', () => {
  const event = (n: number) => ({ eventType: 'user.session.start', uuid: `e-${n}`, displayMessage: `m${n}` });

  it('splits arrays and every documented envelope, and only envelopes', () => {
    expect(parseAlerts('acme', [event(1), event(2), event(3)], RECEIVED_AT)).toHaveLength(3);
    for (const key of ['value', 'items', 'records', 'Records', 'events']) {
      const alerts = parseAlerts('acme', { [key]: [event(1), event(2)], '@odata.context': 'x' }, RECEIVED_AT);
      expect(alerts.map((a) => a.vendorId)).toEqual(['e-1', 'e-2']);
    }
    // An Okta event hook delivers several events: none is dropped any more.
    const hook = scenario('okta', 'event_hook_privilege_grant') as { data: { events: unknown[] } };
    const twice = {
      ...hook,
      data: { events: [...hook.data.events, { ...(hook.data.events[0] as object), uuid: 'second' }] },
    };
    expect(parseAlerts('okta', twice, RECEIVED_AT).map((a) => a.source)).toEqual(['okta', 'okta']);
    // An event that carries an `events` array beside its own fields is one event.
    expect(parseAlerts('gws', scenario('google-workspace', 'suspicious_login'), RECEIVED_AT)).toHaveLength(1);
  });

  it('refuses an empty batch, a non-object item and an oversized batch with stable codes', () => {
    expect(validationError(() => parseAlerts('acme', [], RECEIVED_AT)).details).toEqual({
      source: 'acme',
      field: '(body)',
    });
    expect(validationError(() => parseAlerts('acme', { value: [] }, RECEIVED_AT)).details).toEqual({
      source: 'acme',
      field: 'value',
    });
    expect(validationError(() => parseAlerts('acme', [event(1), 'x'], RECEIVED_AT)).details).toEqual({
      source: 'acme',
      field: '[1]',
    });
    try {
      parseAlerts(
        'acme',
        Array.from({ length: MAX_BATCH_EVENTS + 1 }, (_, i) => event(i)),
        RECEIVED_AT,
      );
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err) && err.code).toBe('PAYLOAD_TOO_LARGE');
    }
    expect(
      parseAlerts(
        'acme',
        Array.from({ length: MAX_BATCH_EVENTS }, (_, i) => event(i)),
        RECEIVED_AT,
      ),
    ).toHaveLength(MAX_BATCH_EVENTS);
  });

  it('is all or nothing: one event out of its vendor format names its position', () => {
    const good = scenario('okta', 'suspicious_login') as Record<string, unknown>;
    const err = validationError(() =>
      parseAlerts('okta', [good, { ...good, eventType: undefined }], RECEIVED_AT),
    );
    expect(err.details).toEqual({ source: 'okta', field: '[1].eventType' });
  });

  it('keeps parseAlert for one event', () => {
    expect(parseAlert('acme', fixture('generic').data_exfil, RECEIVED_AT).severity).toBe('high');
  });
});

describe('vendor parsers read keys in any case', () => {
  const recase = (v: unknown, f: (k: string) => string): unknown =>
    Array.isArray(v)
      ? v.map((x) => recase(x, f))
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), recase(x, f)]))
        : v;
  const summary = (source: string, body: unknown) =>
    parseAlerts(source, body, RECEIVED_AT).map((a) => ({
      title: a.title,
      severity: a.severity,
      type: a.incidentType,
      at: a.occurredAt.toISOString(),
      id: a.vendorId,
      description: a.description,
      indicators: pairs(a).sort(),
    }));

  for (const vendor of ['crowdstrike', 'splunk', 'microsoft-graph', 'guardduty', 'okta', 'elastic']) {
    for (const [name, body] of Object.entries(fixture(vendor))) {
      it(`${vendor} / ${name}: lower- and upper-cased keys parse exactly as the original`, () => {
        const original = summary(vendor, body);
        expect(
          summary(
            vendor,
            recase(body, (k) => k.toLowerCase()),
          ),
        ).toEqual(original);
        expect(
          summary(
            vendor,
            recase(body, (k) => k.toUpperCase()),
          ),
        ).toEqual(original);
      });
    }
  }
});
