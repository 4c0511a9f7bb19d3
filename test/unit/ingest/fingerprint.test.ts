import { describe, expect, it } from 'vitest';
import { fingerprint, parseAlert } from '../../../src/core/ingest/index.ts';
import { RECEIVED_AT, fixture, scenario } from './helpers.ts';

/** Deep copy with object keys in reverse order (arrays keep their order: it is data). */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

describe('fingerprint', () => {
  it('uses the vendor id when there is one', () => {
    const a = parseAlert('okta', scenario('okta', 'suspicious_login'), RECEIVED_AT);
    expect(a.fingerprint).toBe('okta:id:f3a9b1c2-5d6e-11ef-9a7b-3f2c1d0e9b8a');
  });

  it('is stable across key order for hashed (id-less) alerts', () => {
    const payload = scenario('generic', 'data_exfil');
    const a = parseAlert('generic', payload, RECEIVED_AT);
    const b = parseAlert('generic', reverseKeys(payload), new Date());
    expect(a.fingerprint).toMatch(/^acme-dlp:h:[0-9a-f]{64}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
  });

  it('is stable across key order for every vendor fixture', () => {
    for (const vendor of [
      'crowdstrike',
      'splunk',
      'microsoft-graph',
      'guardduty',
      'okta',
      'elastic',
      'generic',
      'manual',
    ]) {
      for (const payload of Object.values(fixture(vendor))) {
        expect(parseAlert(vendor, reverseKeys(payload), RECEIVED_AT).fingerprint).toBe(
          parseAlert(vendor, payload, RECEIVED_AT).fingerprint,
        );
      }
    }
  });

  it('is stable across case and whitespace of the identifying fields', () => {
    const base = { incidentType: 'malware' as const, assets: [{ kind: 'host' as const, name: 'WS-1' }] };
    const a = fingerprint('Acme', {
      ...base,
      title: 'Beacon  Detected',
      indicators: [
        { type: 'ipv4', value: '1.2.3.4' },
        { type: 'domain', value: 'evil.com' },
      ],
    });
    const b = fingerprint(' acme ', {
      ...base,
      assets: [{ kind: 'host', name: 'ws-1' }],
      title: 'beacon detected',
      indicators: [
        { type: 'domain', value: 'EVIL.com', context: 'other' },
        { type: 'ipv4', value: '1.2.3.4' },
      ],
    });
    expect(b).toBe(a);
  });

  it('changes with the identifying fields', () => {
    const parts = { incidentType: 'malware' as const, title: 't', indicators: [], assets: [] };
    const a = fingerprint('acme', parts);
    expect(fingerprint('acme', { ...parts, title: 'u' })).not.toBe(a);
    expect(fingerprint('acme', { ...parts, incidentType: 'phishing' })).not.toBe(a);
    expect(fingerprint('other', parts)).not.toBe(a);
    expect(fingerprint('acme', { ...parts, indicators: [{ type: 'ipv4', value: '1.2.3.4' }] })).not.toBe(a);
    expect(fingerprint('acme', { ...parts, assets: [{ kind: 'user', name: 'bob' }] })).not.toBe(a);
  });

  it('differs by vendor id, and ignores everything else when the id is there', () => {
    const payload = scenario('crowdstrike', 'ransomware') as { event: Record<string, unknown> };
    const other = { ...payload, event: { ...payload.event, DetectId: 'ldt:other:1' } };
    const a = parseAlert('crowdstrike', payload, RECEIVED_AT);
    expect(parseAlert('crowdstrike', other, RECEIVED_AT).fingerprint).not.toBe(a.fingerprint);
    const retitled = { ...payload, event: { ...payload.event, DetectName: 'Something else' } };
    expect(parseAlert('crowdstrike', retitled, RECEIVED_AT).fingerprint).toBe(a.fingerprint);
  });

  it('hashes very long vendor ids', () => {
    const fp = fingerprint('x', {
      vendorId: 'a'.repeat(500),
      incidentType: 'other',
      title: 't',
      indicators: [],
      assets: [],
    });
    expect(fp).toMatch(/^x:id:[0-9a-f]{64}$/);
  });
});
