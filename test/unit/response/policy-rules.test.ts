// Decision order, every rule kind, conditions and mode adjustments on small policies; compile errors
// with their file:line:column positions.
import { describe, expect, it } from 'vitest';
import { compilePolicy, compilePolicyDocument } from '../../../src/core/response/policy/index.ts';
import type { PolicySubject } from '../../../src/ports/policy.port.ts';

const none = { last_hour: 0, last_day: 0, executing: 0 };
const build = (yaml: string) => {
  const r = compilePolicy(yaml, 't.yaml', 7);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
};
const s = (
  over: Partial<PolicySubject> = {},
  incident: Partial<PolicySubject['incident']> = {},
): PolicySubject => ({
  action_type: 'isolate_host',
  target: { type: 'host', value: 'WS-1' },
  origin: 'manual',
  requested_by: 'user:alice',
  mode: 'supervised',
  incident: {
    id: 'i',
    severity: 'medium',
    incident_type: 'malware',
    tags: [],
    classification: 'malicious',
    confidence: 0.5,
    ...incident,
  },
  ...over,
});

describe('decision order', () => {
  const p = build(`
deny:
  no_reset: { kind: action_types, entries: [reset_mfa] }
  lab: { kind: targets, target_types: [host], entries: ["LAB-*"] }
rate_limits:
  isolate_host: { per_hour: 2 }
approval_rules:
  - name: first
    when: { action_types: [isolate_host], min_severity: high }
    level: manager
  - name: second
    when: { action_types: [isolate_host] }
    level: senior
auto_approve:
  - name: everything
defaults:
  manual: { decision: allowed }
  recommended: { decision: requires_approval, level: senior }
`);
  it('deny beats rate limit beats approval (first match) beats auto-approve beats default', () => {
    expect(
      p.decide(s({ action_type: 'reset_mfa', target: { type: 'user', value: 'a' } }), none),
    ).toMatchObject({ outcome: 'denied', rule: 'deny.no_reset', policy_version: 7 });
    expect(
      p.decide(s({ target: { type: 'host', value: 'lab-9' } }), { last_hour: 5, last_day: 0, executing: 0 })
        .rule,
    ).toBe('deny.lab');
    expect(p.decide(s({}, { severity: 'critical' }), { last_hour: 2, last_day: 0, executing: 0 }).rule).toBe(
      'rate_limit.isolate_host.per_hour',
    );
    expect(p.decide(s({}, { severity: 'critical' }), none)).toMatchObject({
      rule: 'approval.first',
      level: 'manager',
    });
    expect(p.decide(s(), none)).toMatchObject({ rule: 'approval.second', level: 'senior' });
    expect(p.decide(s({ action_type: 'notify', target: { type: 'channel', value: 'x' } }), none).rule).toBe(
      'auto_approve.everything',
    );
    expect(p.rateLimit('notify')).toBeNull();
  });
  it('a targets list with target_types ignores other target types', () => {
    expect(
      p.decide(s({ action_type: 'block_domain', target: { type: 'domain', value: 'lab-1' } }), none).rule,
    ).toBe('auto_approve.everything');
  });
});

describe('defaults and modes', () => {
  const p = build(`
approval_rules:
  - name: mgr
    when: { action_types: [disable_user] }
    level: manager
defaults:
  manual: { decision: allowed }
  recommended: { decision: requires_approval }
`);
  it('the default per origin names default.<origin>', () => {
    expect(p.decide(s(), none)).toMatchObject({ outcome: 'allowed', rule: 'default.manual' });
    expect(p.decide(s({ origin: 'recommended' }), none)).toMatchObject({
      outcome: 'requires_approval',
      level: 'analyst',
      rule: 'default.recommended',
    });
  });
  it('assisted holds allowed recommended actions only; autonomous releases only analyst approvals', () => {
    const lib = build('defaults:\n  recommended: { decision: allowed }\n  manual: { decision: allowed }\n');
    expect(lib.decide(s({ origin: 'recommended', mode: 'assisted' }), none)).toMatchObject({
      outcome: 'requires_approval',
      rule: 'mode.assisted',
      level: 'analyst',
    });
    expect(lib.decide(s({ origin: 'manual', mode: 'assisted' }), none).rule).toBe('default.manual');
    expect(p.decide(s({ origin: 'recommended', mode: 'autonomous' }), none)).toMatchObject({
      outcome: 'allowed',
      rule: 'mode.autonomous',
    });
    expect(
      p.decide(
        s({ action_type: 'disable_user', target: { type: 'user', value: 'bob' }, mode: 'autonomous' }),
        none,
      ),
    ).toMatchObject({ outcome: 'requires_approval', level: 'manager' });
    expect(p.decide(s({ origin: 'recommended', mode: 'supervised' }), none).rule).toBe('default.recommended');
  });
  it('an empty document requires an analyst for everything', () => {
    const empty = build('description: nothing\n');
    expect(empty.decide(s(), none)).toMatchObject({
      outcome: 'requires_approval',
      level: 'analyst',
      rule: 'default.manual',
    });
  });
});

describe('conditions', () => {
  const rule = (when: string) =>
    build(
      `auto_approve:\n  - name: r\n    when: ${when}\ndefaults:\n  manual: { decision: requires_approval }\n`,
    );
  const hit = (when: string, subject: PolicySubject) =>
    rule(when).decide(subject, none).rule === 'auto_approve.r';
  it.each([
    ['{ target_types: [host] }', s(), true],
    ['{ target_types: [ip] }', s(), false],
    ['{ targets: ["ws-*"] }', s(), true],
    ['{ targets: ["srv-?"] }', s({ target: { type: 'host', value: 'SRV-1' } }), true],
    ['{ targets: ["srv-?"] }', s({ target: { type: 'host', value: 'SRV-12' } }), false],
    ['{ target_criticality: [critical] }', s({ target_criticality: 'critical' }), true],
    ['{ target_criticality: [critical] }', s(), false],
    ['{ target_tags: [pci] }', s({ target_tags: ['PCI'] }), true],
    ['{ incident_tags: [vip] }', s({}, { tags: ['vip'] }), true],
    ['{ incident_tags: [vip] }', s(), false],
    ['{ min_severity: medium }', s(), true],
    ['{ min_severity: high }', s(), false],
    ['{ incident_types: [malware] }', s(), true],
    ['{ incident_types: [phishing] }', s(), false],
    ['{ classifications: [benign] }', s(), false],
    ['{ classifications: [malicious] }', s({}, { classification: null }), false],
    ['{ min_confidence: 0.5 }', s(), true],
    ['{ min_confidence: 0.6 }', s(), false],
    ['{ max_confidence: 0.4 }', s(), false],
    ['{ max_confidence: 0.9 }', s({}, { confidence: null }), false],
    ['{ origins: [recommended] }', s(), false],
    ['{ origins: [manual] }', s(), true],
  ] as const)('%s', (when, subject, expected) => {
    expect(hit(when, subject)).toBe(expected);
  });
});

describe('deny list kinds', () => {
  const p = build(`
deny:
  hosts_only_isolate:
    kind: hosts
    entries:
      - { value: "core-*", action_types: [isolate_host] }
      - "*.corp.local"
  v6: { kind: ips, entries: ["2001:db8:abcd::/48", "198.51.100.9"] }
  doms: { kind: domains, entries: ["*.gov", "bank.test"] }
  users: { kind: users, entries: ["root"] }
defaults:
  manual: { decision: allowed }
`);
  it('per-entry action types narrow the entry only', () => {
    expect(p.decide(s({ target: { type: 'host', value: 'CORE-SW1' } }), none).rule).toBe(
      'deny.hosts_only_isolate',
    );
    expect(
      p.decide(s({ action_type: 'unisolate_host', target: { type: 'host', value: 'CORE-SW1' } }), none).rule,
    ).toBe('default.manual');
    expect(
      p.decide(s({ action_type: 'unisolate_host', target: { type: 'host', value: 'ws.corp.local' } }), none)
        .rule,
    ).toBe('deny.hosts_only_isolate');
  });
  it('matches IPv6 CIDRs, single addresses and hosts given by address', () => {
    const ip = (value: string) =>
      p.decide(s({ action_type: 'block_ip', target: { type: 'ip', value } }), none).rule;
    expect(ip('2001:DB8:ABCD:1::5')).toBe('deny.v6');
    expect(ip('2001:db8:abce::1')).toBe('default.manual');
    expect(ip('198.51.100.9')).toBe('deny.v6');
    expect(ip('198.51.100.0/24')).toBe('deny.v6');
    expect(ip('198.51.100.10')).toBe('default.manual');
    expect(p.decide(s({ target: { type: 'host', value: '198.51.100.9' } }), none).rule).toBe('deny.v6');
  });
  it('matches domains of URLs and e-mail addresses, and subdomains', () => {
    const d = (type: 'domain' | 'url' | 'email', value: string) =>
      p.decide(s({ action_type: 'block_domain', target: { type, value } }), none).rule;
    expect(d('url', 'https://login.bank.test/x?y')).toBe('deny.doms');
    expect(d('email', 'ops@BANK.test')).toBe('deny.doms');
    expect(d('domain', 'irs.gov')).toBe('deny.doms');
    expect(d('domain', 'notbank.test')).toBe('default.manual');
    expect(
      p.decide(s({ action_type: 'disable_user', target: { type: 'user', value: 'CORP\\Root' } }), none).rule,
    ).toBe('deny.users');
  });
});

describe('compile errors', () => {
  const errors = (yaml: string) => {
    const r = compilePolicyDocument(yaml, 'g.yaml');
    if (r.ok) throw new Error('compiled');
    return r.errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.field} ${e.message}`);
  };
  it('locates unknown keys, bad values and bad CIDRs', () => {
    expect(errors('deny:\n  x:\n    kind: hosts\n    entries: [a]\n    colour: red\n')).toEqual([
      expect.stringMatching(/^g\.yaml:5:5 deny\.x\.colour unknown key "colour"/),
    ]);
    expect(errors('deny:\n  nets:\n    kind: ips\n    entries:\n      - 10.0.0.0/33\n')).toEqual([
      expect.stringMatching(
        /^g\.yaml:5:9 deny\.nets\.entries\[0\] "10\.0\.0\.0\/33" is not an IP address or CIDR/,
      ),
    ]);
    expect(errors('rate_limits:\n  isolate_host: { per_hour: -1 }\n')[0]).toMatch(
      /^g\.yaml:2:29 rate_limits\.isolate_host\.per_hour must be an integer/,
    );
    expect(errors('rate_limits:\n  launch_missiles: { per_hour: 1 }\n')[0]).toMatch(
      /^g\.yaml:2:3 rate_limits\.launch_missiles unknown key/,
    );
    expect(errors('approval_rules:\n  - name: a\n    level: boss\n')[0]).toMatch(
      /^g\.yaml:3:12 approval_rules\[0\]\.level "boss" is not one of/,
    );
    expect(errors('approval_rules:\n  - name: a\n')[0]).toMatch(
      /approval_rules\[0\]\.level level is required/,
    );
    expect(errors('auto_approve:\n  - name: a\n  - name: a\n')[0]).toMatch(
      /^g\.yaml:3:11 auto_approve\[1\]\.name rule "a" is named twice/,
    );
    expect(
      errors('auto_approve:\n  - name: a\n    when: { min_confidence: 0.9, max_confidence: 0.2 }\n')[0],
    ).toMatch(/max_confidence smaller than min_confidence/);
    expect(errors('defaults:\n  manual: { decision: allowed, level: senior }\n')[0]).toMatch(
      /defaults\.manual\.level only requires_approval takes a level/,
    );
    expect(errors('deny:\n  Bad-Name: { kind: hosts, entries: [a] }\n')[0]).toMatch(
      /^g\.yaml:2:3 deny\.Bad-Name a deny list name/,
    );
    expect(
      errors('deny:\n  x: { kind: action_types, entries: [{ value: notify, action_types: [notify] }] }\n')[0],
    ).toMatch(/no per-entry action types/);
    expect(errors('deny:\n  x: { kind: hosts, entries: ["  "] }\n')[0]).toMatch(/is empty/);
  });
  it('refuses empty, non-YAML, anchors and oversized documents without throwing', () => {
    expect(errors('')[0]).toMatch(/the document is empty/);
    expect(errors('deny: [unclosed\n')[0]).toMatch(/^g\.yaml:\d+:\d+ /);
    expect(errors('deny:\n  a: &x { kind: hosts, entries: [a] }\n  b: *x\n').length).toBeGreaterThan(0);
    expect(errors(`description: "${'x'.repeat(300 * 1024)}"`)[0]).toMatch(/larger than/);
    expect(errors('- just\n- a list\n')[0]).toMatch(/must be a mapping/);
  });
});

describe('globs', () => {
  it('match case-insensitively, anchored, with * and ?, and stay fast on hostile values', async () => {
    const { compileGlob } = await import('../../../src/core/response/policy/target-match.ts');
    const g = (p: string, v: string) => compileGlob(p).test(v);
    expect(g('DC-*', 'dc-01')).toBe(true);
    expect(g('DC-*', 'xdc-01')).toBe(false);
    expect(g('*-dc*', 'nyc-dc3')).toBe(true);
    expect(g('a?c', 'abc')).toBe(true);
    expect(g('a?c', 'ac')).toBe(false);
    expect(g('a.c', 'abc')).toBe(false);
    expect(g('**', '')).toBe(true);
    expect(g('(x)+[y]', '(x)+[y]')).toBe(true);
    // A backtracking RegExp takes far beyond the test timeout on this; the wildcard matcher does not.
    expect(g('*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
  });
});
