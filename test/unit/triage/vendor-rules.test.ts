import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeDeterministic } from '../../../src/core/triage/deterministic.analyzer.ts';
import {
  RULE_PACKS,
  RULE_VENDORS,
  allRules,
  detectVendor,
  ruleMatches,
  vendorRuleHits,
} from '../../../src/core/triage/rules/index.ts';
import { input, listHit } from './fixtures.ts';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/vendors/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const ids = (source: string, raw: unknown): string[] => vendorRuleHits(source, raw).map((h) => h.rule_id);

/** For each vendor: an event a SOC rule fires on, and a routine one of the same vendor. */
const CASES: Record<string, { flagged: [string, unknown, string]; routine: [string, unknown] }> = {
  okta: {
    flagged: [
      'okta',
      (fixture('okta') as Record<string, { data: { events: unknown[] } }>)['event_hook_privilege_grant']!.data
        .events[0],
      'okta.admin_privilege_grant',
    ],
    routine: [
      'okta',
      {
        uuid: 'e1',
        eventType: 'user.session.start',
        published: '2024-06-15T08:00:00Z',
        actor: { type: 'User', alternateId: 'ann@contoso.com' },
        outcome: { result: 'SUCCESS' },
        debugContext: { debugData: { requestUri: '/idp/idx/identify' } },
      },
    ],
  },
  google_workspace: {
    flagged: [
      'google-workspace',
      fixture('google-workspace')['admin_privilege_grant'],
      'google_workspace.admin_role_assigned',
    ],
    routine: [
      'google-workspace',
      (fixture('google-workspace') as Record<string, { items: unknown[] }>)['reports_page']!.items[0],
    ],
  },
  entra_id: {
    flagged: ['entra-id', fixture('entra-id')['audit_role_assignment'], 'entra_id.admin_role_assigned'],
    routine: [
      'entra-id',
      (fixture('entra-id') as Record<string, { records: unknown[] }>)['diagnostic_records']!.records[1],
    ],
  },
  microsoft_365: {
    flagged: [
      'm365',
      fixture('m365-audit')['mailbox_forwarding_rule'],
      'microsoft_365.inbox_rule_forward_and_hide',
    ],
    routine: ['m365', fixture('m365-audit')['user_login_failed']],
  },
  crowdstrike: {
    flagged: ['crowdstrike', fixture('crowdstrike')['ransomware'], 'crowdstrike.detection_critical'],
    routine: [
      'crowdstrike',
      {
        metadata: { eventType: 'AuthActivityAuditEvent', eventCreationTime: 1718441234567, offset: 1 },
        event: {
          UserId: 'ann@contoso.com',
          UserIp: '81.2.69.161',
          OperationName: 'userAuthenticate',
          ServiceName: 'CrowdStrike Authentication',
          Success: true,
        },
      },
    ],
  },
};

describe('vendor rule packs', () => {
  it('has a pack for every vendor, each rule with a unique id, a vendor doc, MITRE ids and conditions', () => {
    expect(Object.keys(RULE_PACKS).sort()).toEqual([...RULE_VENDORS].sort());
    const rules = allRules();
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.id.startsWith(`${r.vendor}.`), r.id).toBe(true);
      expect(r.reference, r.id).toMatch(/^https:\/\//);
      expect(r.when.length, r.id).toBeGreaterThan(0);
      for (const t of r.mitre) expect(t, r.id).toMatch(/^T\d{4}(\.\d{3})?$/);
      if (r.severity !== 'info') expect(r.title.length, r.id).toBeGreaterThan(10);
    }
  });

  for (const [vendor, { flagged, routine }] of Object.entries(CASES)) {
    it(`${vendor}: flags the security-relevant event, not the routine one`, () => {
      const [source, event, rule] = flagged;
      expect(detectVendor(event)).toBe(vendor);
      const hits = vendorRuleHits(source, event);
      expect(hits.map((h) => h.rule_id)).toContain(rule);
      expect(['high', 'critical']).toContain(hits[0]!.severity);
      const quiet = vendorRuleHits(routine[0], routine[1]);
      expect(quiet.every((h) => h.severity === 'info')).toBe(true);
    });
  }

  it('reads real field shapes: case-insensitive keys, {Name, Value} pairs, array fan-out, Okta risk strings', () => {
    const lower = (fixture('okta-export') as Record<string, unknown>)['lowercased_suspicious_login'];
    expect(ids('okta', lower)).toEqual(expect.arrayContaining(['okta.threat_suspected', 'okta.risk_high']));
    const audit = {
      Operation: 'Set-AdminAuditLogConfig',
      Workload: 'Exchange',
      RecordType: 1,
      Parameters: [{ Name: 'UnifiedAuditLogIngestionEnabled', Value: 'False' }],
    };
    expect(ids('o365', audit)).toEqual(['microsoft_365.audit_log_disabled']);
    expect(
      ids('o365', { ...audit, Parameters: [{ Name: 'UnifiedAuditLogIngestionEnabled', Value: 'True' }] }),
    ).toEqual([]);
    expect(ruleMatches({ when: [{ path: 'a[].b', in: ['X'] }] }, { a: [{ b: 'y' }, { b: 'x' }] })).toBe(true);
    expect(ruleMatches({ when: [{ path: 'a[].b', in: ['X'], not: true }] }, { a: [{ b: 'x' }] })).toBe(false);
    expect(
      ruleMatches(
        {
          when: [
            {
              any: [
                { path: 'p', exists: true },
                { path: 'q', equals: true },
              ],
            },
          ],
        },
        { q: 'true' },
      ),
    ).toBe(true);
  });

  it('routine hits only when nothing alarming fired; a vendor alert of another tool gets none', () => {
    const risky = (fixture('entra-id') as Record<string, { value: unknown[] }>)['graph_page']!.value[1];
    expect(ids('entra', risky)).toEqual(['entra_id.threat_detection', 'entra_id.signin_risk_medium']);
    expect(vendorRuleHits('microsoft-graph', fixture('microsoft-graph')['phishing'])).toEqual([]);
    expect(vendorRuleHits('x', 'not an object')).toEqual([]);
  });

  it('the deterministic analyzer never calls a high or critical hit benign, and calls routine events benign', () => {
    const ip = { type: 'ipv4' as const, value: '81.2.69.161' };
    const grant = (fixture('okta') as Record<string, { data: { events: unknown[] } }>)[
      'event_hook_privilege_grant'
    ]!.data.events[0];
    // Even with the actor's address allowlisted and a low severity, an admin grant stays open.
    const v = analyzeDeterministic({
      ...input(
        { severity: 'info', incident_type: 'privilege_escalation' },
        [ip],
        [listHit(ip, 'clean', ['corp-egress'])],
      ),
      alerts: [{ source: 'okta', raw: grant }],
    });
    expect(v.classification).toBe('suspicious');
    expect(v.reasons.join('\n')).toMatch(/vendor rule \(high\) okta\.admin_privilege_grant: .*: \+2\.0/);
    expect(v.mitre_techniques).toContain('T1098.003');

    const routine = CASES['okta']!.routine[1];
    const ok = analyzeDeterministic({
      ...input({ severity: 'low', incident_type: 'suspicious_login' }, [], []),
      alerts: [{ source: 'okta', raw: routine }],
    });
    expect(ok.classification).toBe('benign');
    expect(ok.reasons.join('\n')).toMatch(/routine vendor event okta\.routine_sign_in: .*: -1\.0/);
  });

  it('weighs a rule restating the vendor risk at +0.5, and takes precomputed hits as given', () => {
    const risky = (fixture('entra-id') as Record<string, unknown>)['risky_signin'];
    const v = analyzeDeterministic({
      ...input({ severity: 'high', incident_type: 'suspicious_login' }, [], []),
      alerts: [{ source: 'entra', raw: risky }],
    });
    expect(v.reasons.join('\n')).toMatch(/entra_id\.signin_risk_high: .*: \+0\.5 \(restates the vendor risk/);
    expect(v.classification).toBe('suspicious');
    const none = analyzeDeterministic({
      ...input({ severity: 'high', incident_type: 'suspicious_login' }, [], []),
      alerts: [{ source: 'entra', raw: risky }],
      ruleHits: [],
    });
    expect(none.classification).toBe('inconclusive');
  });
});
