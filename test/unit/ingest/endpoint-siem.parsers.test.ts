import { describe, expect, it } from 'vitest';
import { parseAlert } from '../../../src/core/ingest/index.ts';
import { MALICIOUS_SHA256, RECEIVED_AT, pairs, parseFixture, validationError } from './helpers.ts';

describe('crowdstrike', () => {
  it('maps a ransomware detection', () => {
    const a = parseFixture('crowdstrike', 'crowdstrike', 'ransomware');
    expect(a).toMatchObject({
      source: 'crowdstrike',
      severity: 'critical',
      incidentType: 'ransomware',
      vendorId: 'ldt:4f1e2a0c9b8d4e6f8a7b6c5d4e3f2a1b:8589937154',
      title: 'Ransomware',
    });
    expect(a.occurredAt.toISOString()).toBe('2024-06-15T09:52:03.000Z');
    expect(pairs(a)).toEqual(
      expect.arrayContaining([
        `sha256:${MALICIOUS_SHA256}`,
        'md5:5d41402abc4b2a76b9719d911017c592',
        'hostname:fin-ws-042',
        'username:jdoe@corp',
        'ipv4:10.20.4.42',
        'url:https://update-cdn.net/gate.php', // refanged from the command line
        'domain:update-cdn.net',
      ]),
    );
    expect(pairs(a).some((p) => p.startsWith('sha1:'))).toBe(false); // all-zero SHA1 is no indicator
    expect(pairs(a).some((p) => p.includes('crowdstrike.com'))).toBe(false); // console link is not an IOC
    expect(a.assets[0]).toEqual({ kind: 'host', name: 'FIN-WS-042', id: '4f1e2a0c9b8d4e6f8a7b6c5d4e3f2a1b' });
    expect(a.fingerprint).toBe('crowdstrike:id:ldt:4f1e2a0c9b8d4e6f8a7b6c5d4e3f2a1b:8589937154');
  });

  it('reads TechniqueId and treats credential dumping as malware', () => {
    const a = parseFixture('crowdstrike', 'crowdstrike', 'credential_dumping');
    expect(a.severity).toBe('high');
    expect(a.incidentType).toBe('malware');
    expect(a.mitreTechniques).toEqual(['T1003.001']);
  });

  it.each([
    [1, 'info'],
    [2, 'low'],
    [3, 'medium'],
    [4, 'high'],
    [5, 'critical'],
  ])('Severity %i → %s', (sev, expected) => {
    const a = parseAlert('crowdstrike', { event: { DetectId: 'x', Severity: sev } }, RECEIVED_AT);
    expect(a.severity).toBe(expected);
  });

  it('falls back to SeverityName and to receivedAt', () => {
    const a = parseAlert('crowdstrike', { event: { SeverityName: 'High' } }, RECEIVED_AT);
    expect(a.severity).toBe('high');
    expect(a.occurredAt).toEqual(RECEIVED_AT);
  });

  it('rejects a body without event', () => {
    const err = validationError(() => parseAlert('crowdstrike', { metadata: {} }, RECEIVED_AT));
    expect(err.message).toMatch(/"event"/);
    expect(err.details).toEqual({ source: 'crowdstrike', field: 'event' });
  });
});
describe('splunk', () => {
  it('maps benign low-urgency DNS noise', () => {
    const a = parseFixture('splunk', 'splunk', 'benign_dns');
    expect(a).toMatchObject({
      severity: 'low',
      incidentType: 'policy_violation',
      title: 'Policy - DNS queries to external resolver',
    });
    expect(a.vendorId).toMatch(/^scheduler__admin__search__/);
    expect(a.occurredAt.toISOString()).toBe('2024-06-15T11:00:00.000Z');
    expect(pairs(a)).toEqual(
      expect.arrayContaining([
        'ipv4:8.8.8.8',
        'ipv4:10.20.4.42',
        'domain:microsoft.com',
        'username:jdoe@corp',
      ]),
    );
    expect(a.tags).toEqual(expect.arrayContaining(['app:search', 'owner:admin']));
  });

  it('maps an ES notable with urgency, multivalue users, risk score and ATT&CK annotations', () => {
    const a = parseFixture('splunk', 'splunk', 'es_notable_bruteforce');
    expect(a).toMatchObject({ severity: 'high', incidentType: 'suspicious_login', vendorConfidence: 0.8 });
    expect(a.vendorId).toContain('@@notable@@');
    expect(a.mitreTechniques).toEqual(['T1110', 'T1110.001']);
    expect(pairs(a)).toEqual(
      expect.arrayContaining([
        'ipv4:185.220.101.47',
        'hostname:vpn-gw-01',
        'username:svc_vpn',
        'username:administrator',
      ]),
    );
    expect(a.assets[0]).toEqual({ kind: 'host', name: 'vpn-gw-01' });
  });

  it.each([
    ['informational', 'info'],
    ['critical', 'critical'],
    ['5', 'high'],
  ])('urgency/severity %s → %s', (value, expected) => {
    expect(parseAlert('splunk', { result: { severity: value } }, RECEIVED_AT).severity).toBe(expected);
  });

  it('rejects a body without result', () => {
    expect(validationError(() => parseAlert('splunk', { sid: 'x' }, RECEIVED_AT)).details).toEqual({
      source: 'splunk',
      field: 'result',
    });
  });
});
describe('elastic', () => {
  it('maps a dotted-key alert document', () => {
    const a = parseFixture('elastic', 'elastic', 'dotted_office_child');
    expect(a).toMatchObject({ severity: 'medium', incidentType: 'phishing', vendorConfidence: 0.47 });
    expect(a.vendorId).toMatch(/^5f6c1e2d/);
    expect(a.occurredAt.toISOString()).toBe('2024-06-15T13:44:58.000Z');
    expect(a.mitreTechniques).toEqual(['T1566', 'T1566.001']);
    expect(pairs(a)).toEqual(
      expect.arrayContaining([
        `sha256:${MALICIOUS_SHA256}`,
        'domain:login-micros0ft-secure.com',
        'ipv4:45.155.205.233',
        'hostname:fin-ws-042',
        'username:jdoe@corp',
      ]),
    );
  });

  it('maps a nested Elasticsearch hit; severity from risk score', () => {
    const a = parseFixture('elastic', 'elastic', 'nested_network');
    expect(a).toMatchObject({ severity: 'low', incidentType: 'reconnaissance', vendorConfidence: 0.21 });
    expect(a.vendorId).toMatch(/^b7c8d9e0/);
    expect(pairs(a)).toContain('ipv4:185.220.101.47');
  });

  it.each([
    [0, 'low'],
    [21, 'low'],
    [22, 'medium'],
    [47, 'medium'],
    [48, 'high'],
    [73, 'high'],
    [74, 'critical'],
    [100, 'critical'],
  ])('risk score %i → %s', (score, expected) => {
    const a = parseAlert(
      'elastic',
      { kibana: { alert: { rule: { name: 'r' }, risk_score: score } } },
      RECEIVED_AT,
    );
    expect(a.severity).toBe(expected);
    expect(a.vendorConfidence).toBeCloseTo(score / 100);
  });

  it('rejects documents that are not alerts', () => {
    expect(
      validationError(() => parseAlert('elastic', { host: { name: 'x' } }, RECEIVED_AT)).details,
    ).toEqual({
      source: 'elastic',
      field: 'kibana.alert.rule.name',
    });
  });
});
