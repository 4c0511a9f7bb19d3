import { describe, expect, it } from 'vitest';
import { parseAlert } from '../../../src/core/ingest/index.ts';
import { RECEIVED_AT, pairs, parseFixture, validationError } from './helpers.ts';

describe('microsoft-graph', () => {
  it('maps a Defender for Office phishing alert', () => {
    const a = parseFixture('defender', 'microsoft-graph', 'phishing');
    expect(a).toMatchObject({
      source: 'defender',
      severity: 'high',
      incidentType: 'phishing',
      vendorId: 'fa6f41c9f2-7b3d-4e4c-9a7a-0b2b8f1c2d3e_1',
      mitreTechniques: ['T1566.002'],
    });
    expect(a.occurredAt.toISOString()).toBe('2024-06-15T09:58:47.000Z');
    expect(pairs(a)).toEqual(
      expect.arrayContaining([
        'url:https://login-micros0ft-secure.com/owa/auth?session=83f1',
        'domain:login-micros0ft-secure.com',
        'ipv4:45.155.205.233',
        'email:it-support@login-micros0ft-secure.com',
        'email:alice.martin@contoso.com',
      ]),
    );
    expect(a.assets).toContainEqual({ kind: 'mailbox', name: 'Alice.Martin@contoso.com' });
  });

  it('unwraps a { value: [alert] } envelope and reads device, process and ip evidence', () => {
    const a = parseFixture('microsoft-graph', 'microsoft-graph', 'endpoint_malware_envelope');
    expect(a).toMatchObject({
      severity: 'medium',
      incidentType: 'malware',
      vendorId: 'da637551227677560813_-961444813',
    });
    expect(pairs(a)).toEqual(
      expect.arrayContaining([
        'hostname:ws-107.contoso.local',
        'username:bwilson@contoso',
        'sha256:de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c',
        'url:http://45.155.205.233/a.ps1',
        'ipv4:45.155.205.233',
      ]),
    );
  });

  it('maps an Entra ID Protection risky sign-in; unknown severity is medium', () => {
    const a = parseFixture('m365', 'microsoft-graph', 'risky_signin');
    expect(a).toMatchObject({ severity: 'medium', incidentType: 'suspicious_login' });
    expect(pairs(a)).toEqual(
      expect.arrayContaining(['username:carla.diaz@contoso.com', 'ipv4:185.220.101.47']),
    );
  });

  it('maps informational to info', () => {
    expect(
      parseAlert('defender', { id: 'a', title: 't', severity: 'informational' }, RECEIVED_AT).severity,
    ).toBe('info');
  });

  it('rejects an object with neither id nor title', () => {
    expect(validationError(() => parseAlert('defender', { severity: 'high' }, RECEIVED_AT)).details).toEqual({
      source: 'defender',
      field: 'title',
    });
  });
});
describe('guardduty', () => {
  it('maps an SSH brute force finding', () => {
    const a = parseFixture('guardduty', 'guardduty', 'ssh_brute_force');
    expect(a).toMatchObject({
      severity: 'medium',
      incidentType: 'suspicious_login',
      vendorId: '7ec7f5a1b8e34c5e9e4f6a2d3b1c0f9e',
    });
    expect(a.occurredAt.toISOString()).toBe('2024-06-15T08:41:02.000Z');
    expect(pairs(a)).toEqual(
      expect.arrayContaining([
        'ipv4:185.220.101.47',
        'cloud_resource:i-0a1b2c3d4e5f67890',
        'cloud_resource:arn:aws:iam::123456789012:instance-profile/web-frontend',
      ]),
    );
    expect(pairs(a)).not.toContain('ipv4:172.31.12.45'); // our own instance's address is not an IOC
    expect(a.assets[0]).toEqual({
      kind: 'cloud_resource',
      name: 'web-frontend-1',
      id: 'i-0a1b2c3d4e5f67890',
    });
    expect(a.tags).toEqual(expect.arrayContaining(['aws_account:123456789012', 'aws_region:eu-west-1']));
  });

  it('maps an IAM finding with access key and user', () => {
    const a = parseFixture('guardduty', 'guardduty', 'iam_malicious_caller');
    expect(a).toMatchObject({ severity: 'high', incidentType: 'suspicious_login' });
    expect(pairs(a)).toEqual(
      expect.arrayContaining([
        'cloud_resource:AKIAIOSFODNN7EXAMPLE',
        'username:ci-deployer',
        'ipv4:45.155.205.233',
      ]),
    );
  });

  it.each([
    [0.5, 'info'],
    [1.0, 'low'],
    [3.9, 'low'],
    [4.0, 'medium'],
    [6.9, 'medium'],
    [7.0, 'high'],
    [8.9, 'high'],
    [9.0, 'critical'],
    [10, 'critical'],
  ])('severity %d → %s', (severity, expected) => {
    const a = parseAlert(
      'guardduty',
      { detail: { id: 'f', type: 'Recon:EC2/PortProbeUnprotectedPort', severity } },
      RECEIVED_AT,
    );
    expect(a.severity).toBe(expected);
  });

  it.each([
    ['Backdoor:EC2/C&CActivity.B!DNS', 'malware'],
    ['CryptoCurrency:EC2/BitcoinTool.B!DNS', 'malware'],
    ['Backdoor:EC2/DenialOfService.Tcp', 'denial_of_service'],
    ['UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B', 'suspicious_login'],
    ['Recon:EC2/PortProbeUnprotectedPort', 'reconnaissance'],
    ['Trojan:EC2/DNSDataExfiltration', 'data_exfiltration'],
    ['Policy:S3/BucketBlockPublicAccessDisabled', 'cloud_misconfiguration'],
    ['Stealth:IAMUser/CloudTrailLoggingDisabled', 'policy_violation'],
    ['PrivilegeEscalation:Runtime/DockerSocketAccessed', 'privilege_escalation'],
  ])('type %s → %s', (type, expected) => {
    expect(
      parseAlert('guardduty', { detail: { id: 'f', type, severity: 5 } }, RECEIVED_AT).incidentType,
    ).toBe(expected);
  });

  it('reads PascalCase keys too', () => {
    const a = parseAlert(
      'guardduty',
      { Detail: { Id: 'F1', Type: 'Recon:EC2/Portscan', Severity: 2 } },
      RECEIVED_AT,
    );
    expect(a).toMatchObject({ vendorId: 'F1', severity: 'low', incidentType: 'reconnaissance' });
  });

  it('rejects events without a finding', () => {
    expect(
      validationError(() => parseAlert('guardduty', { 'detail-type': 'x' }, RECEIVED_AT)).details,
    ).toEqual({
      source: 'guardduty',
      field: 'detail',
    });
    expect(
      validationError(() => parseAlert('guardduty', { detail: { id: 'x' } }, RECEIVED_AT)).details,
    ).toEqual({
      source: 'guardduty',
      field: 'detail.type',
    });
  });
});
describe('okta', () => {
  it('maps a failed sign-in with threatSuspected and high risk', () => {
    const a = parseFixture('okta', 'okta', 'suspicious_login');
    expect(a).toMatchObject({
      severity: 'high',
      incidentType: 'suspicious_login',
      vendorId: 'f3a9b1c2-5d6e-11ef-9a7b-3f2c1d0e9b8a',
      vendorConfidence: 0.9,
    });
    expect(a.occurredAt.toISOString()).toBe('2024-06-15T11:24:37.412Z');
    expect(pairs(a)).toEqual(
      expect.arrayContaining(['ipv4:45.155.205.233', 'username:jdoe@contoso.com', 'email:jdoe@contoso.com']),
    );
    expect(a.tags).toEqual(expect.arrayContaining(['threat_suspected', 'proxy', 'outcome:FAILURE']));
  });

  it('takes the first event of an event hook body', () => {
    const a = parseFixture('okta', 'okta', 'event_hook_privilege_grant');
    expect(a).toMatchObject({
      severity: 'low',
      incidentType: 'privilege_escalation',
      vendorId: '0b1c2d3e-5f6a-11ef-8b9c-7d6e5f4a3b2c',
    });
    expect(pairs(a)).toEqual(expect.arrayContaining(['username:m.ross@contoso.com', 'ipv4:8.8.8.8']));
  });

  it('treats security.threat.detected as a high suspicious login', () => {
    const a = parseAlert(
      'okta',
      { uuid: 'u', eventType: 'security.threat.detected', severity: 'INFO' },
      RECEIVED_AT,
    );
    expect(a).toMatchObject({ severity: 'high', incidentType: 'suspicious_login' });
  });

  it('rejects an event without eventType', () => {
    expect(validationError(() => parseAlert('okta', { uuid: 'x' }, RECEIVED_AT)).details).toEqual({
      source: 'okta',
      field: 'eventType',
    });
  });
});
