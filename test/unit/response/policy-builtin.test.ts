// The shipped guardrails (policies/guardrails.yaml) against the scenario of issue 12, including the
// protected targets an LLM recommendation might try to hit in another spelling.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ActionType, TargetType } from '../../../src/contracts/index.ts';
import { compilePolicy } from '../../../src/core/response/policy/index.ts';
import type { PolicySubject } from '../../../src/ports/policy.port.ts';

const source = readFileSync(new URL('../../../policies/guardrails.yaml', import.meta.url), 'utf8');
const compiled = compilePolicy(source, 'policies/guardrails.yaml', 1);
if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
const policy = compiled.policy;
const none = { last_hour: 0, last_day: 0, executing: 0 };

const subject = (
  action_type: ActionType,
  type: TargetType,
  value: string,
  over: Partial<PolicySubject> = {},
): PolicySubject => ({
  action_type,
  target: { type, value },
  origin: 'recommended',
  requested_by: 'playbook:phishing@1/contain',
  mode: 'supervised',
  incident: {
    id: 'i-1',
    severity: 'high',
    incident_type: 'phishing',
    tags: [],
    classification: 'malicious',
    confidence: 0.92,
  },
  ...over,
});

describe('built-in guardrails', () => {
  it('auto-approves phishing containment at confidence 0.8 or more, not below, not for other verdicts', () => {
    for (const t of ['quarantine_email', 'block_sender'] as const) {
      const target = t === 'block_sender' ? 'evil@phish.example.net' : '<abc@phish.example.net>';
      const d = policy.decide(subject(t, t === 'block_sender' ? 'email' : 'email_message', target), none);
      expect(d).toMatchObject({
        outcome: 'allowed',
        rule: 'auto_approve.phishing-containment',
        policy_version: 1,
      });
    }
    const low = subject('quarantine_email', 'email_message', '<a@b>');
    low.incident = { ...low.incident, confidence: 0.79 };
    expect(policy.decide(low, none)).toMatchObject({
      outcome: 'requires_approval',
      rule: 'default.recommended',
      level: 'analyst',
    });
    const sus = subject('block_sender', 'email', 'x@phish.example.net');
    sus.incident = { ...sus.incident, classification: 'suspicious' };
    expect(policy.decide(sus, none).outcome).toBe('requires_approval');
    const unknown = subject('block_sender', 'email', 'x@phish.example.net');
    unknown.incident = { ...unknown.incident, classification: null, confidence: null };
    expect(policy.decide(unknown, none).outcome).toBe('requires_approval');
  });

  it.each([
    'DC-01',
    'dc-01',
    ' DC-01 ',
    'dc-01.corp.local',
    'DC-01.CORP.LOCAL.',
    'corp-dc02',
    'NYC-DC3.corp.local',
    'PROD-DB-07',
    'prod-db-07.corp.local',
    'CORP\\DC-01$',
    'ＤＣ-01',
    'DC-\u200b01',
  ])('denies isolating protected host %j, whatever the spelling', (host) => {
    for (const origin of ['manual', 'recommended'] as const)
      for (const mode of ['assisted', 'supervised', 'autonomous'] as const)
        expect(policy.decide(subject('isolate_host', 'host', host, { origin, mode }), none)).toMatchObject({
          outcome: 'denied',
          rule: 'deny.protected_hosts',
        });
  });

  it('asks an analyst to isolate a normal host, a senior for a critical one; autonomous runs only the analyst level', () => {
    expect(policy.decide(subject('isolate_host', 'host', 'FIN-LT-0417'), none)).toMatchObject({
      outcome: 'requires_approval',
      rule: 'approval.isolate-host',
      level: 'analyst',
    });
    const critical = subject('isolate_host', 'host', 'FIN-SRV-01', { target_criticality: 'critical' });
    expect(policy.decide(critical, none)).toMatchObject({
      rule: 'approval.isolate-critical',
      level: 'senior',
    });
    expect(policy.decide({ ...critical, mode: 'autonomous' }, none)).toMatchObject({ level: 'senior' });
    const tagged = subject('isolate_host', 'host', 'FIN-SRV-02', { target_tags: ['Crown-Jewel'] });
    expect(policy.decide(tagged, none)).toMatchObject({
      rule: 'approval.isolate-crown-jewel',
      level: 'senior',
    });
    expect(
      policy.decide(subject('isolate_host', 'host', 'FIN-LT-0417', { mode: 'autonomous' }), none),
    ).toMatchObject({
      outcome: 'allowed',
      rule: 'mode.autonomous',
    });
  });

  it.each([
    'admin',
    'Administrator',
    'admin.jane@corp.example',
    'CORP\\admin-ops',
    'svc-backup',
    'svc_sql@corp.example',
    'break-glass-01',
    'KRBTGT',
    'it-admin',
  ])('denies disabling admin-like account %j', (user) => {
    expect(policy.decide(subject('disable_user', 'user', user, { origin: 'manual' }), none)).toMatchObject({
      outcome: 'denied',
      rule: 'deny.protected_accounts',
    });
  });

  it('lets an analyst decide on disabling an ordinary user', () => {
    expect(policy.decide(subject('disable_user', 'user', 'jane.doe@corp.example'), none)).toMatchObject({
      outcome: 'requires_approval',
      rule: 'approval.identity-actions',
      level: 'analyst',
    });
  });

  it.each([
    '10.1.2.3',
    '192.168.0.1',
    '172.31.255.255',
    '127.0.0.1',
    '::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:10.0.0.5',
    '203.0.113.10',
    '0.0.0.0/0',
    '10.0.0.0/24',
    ' 10.0.0.1 ',
    '::/0',
  ])('denies blocking internal or own address %j', (ip) => {
    expect(policy.decide(subject('block_ip', 'ip', ip), none)).toMatchObject({
      outcome: 'denied',
      rule: 'deny.internal_networks',
    });
  });

  it('treats a public address by the default (recommended: analyst)', () => {
    expect(policy.decide(subject('block_ip', 'ip', '198.51.100.7'), none)).toMatchObject({
      outcome: 'requires_approval',
      rule: 'default.recommended',
    });
    expect(policy.decide(subject('block_ip', 'ip', '2001:db8::7'), none).outcome).toBe('requires_approval');
  });

  it('never blocks our own domains or senders from them (subdomains and case included)', () => {
    expect(policy.decide(subject('block_domain', 'domain', 'Mail.Example.COM'), none).rule).toBe(
      'deny.own_domains',
    );
    expect(policy.decide(subject('block_sender', 'email', 'ceo@example.com'), none).rule).toBe(
      'deny.own_domains',
    );
    expect(policy.decide(subject('block_domain', 'domain', 'example.com.evil.net'), none).rule).not.toBe(
      'deny.own_domains',
    );
  });

  it('allows notifications and tickets; assisted mode holds recommended ones for an analyst', () => {
    expect(policy.decide(subject('notify', 'channel', 'soc'), none)).toMatchObject({
      outcome: 'allowed',
      rule: 'auto_approve.notifications-and-tickets',
    });
    expect(policy.decide(subject('create_ticket', 'ticket', 'SOC'), none).outcome).toBe('allowed');
    expect(policy.decide(subject('notify', 'channel', 'soc', { mode: 'assisted' }), none)).toMatchObject({
      outcome: 'requires_approval',
      rule: 'mode.assisted',
      level: 'analyst',
    });
    expect(
      policy.decide(subject('notify', 'channel', 'soc', { mode: 'assisted', origin: 'manual' }), none)
        .outcome,
    ).toBe('allowed');
  });

  it('applies isolate_host rate limits (10/h, 50/day, 3 concurrent) before approval rules', () => {
    const s = subject('isolate_host', 'host', 'FIN-LT-0417');
    expect(policy.rateLimit('isolate_host')).toEqual({ per_hour: 10, per_day: 50, concurrent: 3 });
    expect(policy.decide(s, { last_hour: 10, last_day: 10, executing: 0 }).rule).toBe(
      'rate_limit.isolate_host.per_hour',
    );
    expect(policy.decide(s, { last_hour: 9, last_day: 50, executing: 0 }).rule).toBe(
      'rate_limit.isolate_host.per_day',
    );
    expect(policy.decide(s, { last_hour: 0, last_day: 0, executing: 3 }).rule).toBe(
      'rate_limit.isolate_host.concurrent',
    );
    expect(policy.decide(s, { last_hour: 9, last_day: 49, executing: 2 }).rule).toBe('approval.isolate-host');
    expect(
      policy.decide({ ...s, mode: 'autonomous' }, { last_hour: 10, last_day: 0, executing: 0 }).outcome,
    ).toBe('denied');
  });

  it('quotes only the target value, cut and cleaned, in its messages', () => {
    const long = `DC-01${'\u0007'.repeat(3)}${'x'.repeat(200)}`;
    const d = policy.decide(subject('isolate_host', 'host', long), none);
    expect(d.outcome).toBe('denied');
    expect(d.message).not.toContain('\u0007');
    expect(d.message.length).toBeLessThan(400);
  });
});
