import { describe, expect, it } from 'vitest';
import { parseAlert } from '../../../src/core/ingest/index.ts';
import { RECEIVED_AT, pairs, parseFixture, validationError } from './helpers.ts';

describe('generic', () => {
  it('maps the documented generic shape', () => {
    const a = parseFixture('generic', 'generic', 'data_exfil');
    expect(a).toMatchObject({ source: 'acme-dlp', severity: 'high', incidentType: 'data_exfiltration' });
    expect(a.vendorId).toBeUndefined();
    expect(a.occurredAt.toISOString()).toBe('2024-06-15T15:20:00.000Z');
    expect(pairs(a)).toEqual(
      expect.arrayContaining([
        'ipv4:45.155.205.233',
        'url:https://files.example-share.io/upload/ab12',
        'username:jdoe@contoso.com',
        'hostname:fin-ws-042',
        'domain:login-micros0ft-secure.com', // found by scanning free text
      ]),
    );
    expect(a.tags).toEqual(expect.arrayContaining(['dlp', 'finance']));
    expect(a.fingerprint).toMatch(/^acme-dlp:h:[0-9a-f]{64}$/);
  });

  it('maps informational and synonyms; uses receivedAt without timestamp', () => {
    const a = parseFixture('generic', 'generic', 'informational_scan');
    expect(a).toMatchObject({ source: 'generic', severity: 'info', incidentType: 'reconnaissance' });
    expect(a.occurredAt).toEqual(RECEIVED_AT);
  });

  it('keeps the webhook source name for unknown sources', () => {
    const a = parseAlert('Acme-EDR', { title: 'x', severity: 'Moderate', source: 'ignored' }, RECEIVED_AT);
    expect(a).toMatchObject({ source: 'acme-edr', severity: 'medium' });
  });

  it('takes a body with neither title nor alert_type as a vendor event; refuses only an empty object', () => {
    const a = parseAlert('acme', { severity: 'high' }, RECEIVED_AT);
    expect(a).toMatchObject({ source: 'acme', severity: 'high', title: 'Event from acme' });
    expect(validationError(() => parseAlert('acme', {}, RECEIVED_AT)).details).toEqual({
      source: 'acme',
      field: '(body)',
    });
  });
});
describe('manual', () => {
  it('maps an incident body with explicit and raw_data indicators', () => {
    const a = parseFixture('manual', 'manual', 'reported_phish');
    expect(a).toMatchObject({ source: 'user-report', severity: 'medium', incidentType: 'phishing' });
    expect(a.occurredAt.toISOString()).toBe('2024-06-15T09:30:00.000Z');
    expect(pairs(a).slice(0, 3)).toEqual([
      'url:https://login-micros0ft-secure.com/owa',
      'domain:login-micros0ft-secure.com',
      'email:it-support@login-micros0ft-secure.com',
    ]);
    expect(pairs(a)).toContain('ipv4:45.155.205.233');
    expect(a.tags).toEqual(expect.arrayContaining(['manual', 'reported-by-user']));
  });

  const base = { incident_type: 'malware', source: 'analyst', severity: 'high', title: 'Beacon on ws-1' };
  it.each([
    [{ ...base, incident_type: 'bogus' }, 'incident_type'],
    [{ ...base, severity: 'urgent' }, 'severity'],
    [{ ...base, title: '  ' }, 'title'],
    [{ ...base, source: 7 }, 'source'],
    [{ ...base, occurred_at: 'yesterday' }, 'occurred_at'],
    [{ ...base, tags: ['ok', 3] }, 'tags'],
    [{ ...base, indicators: 'x' }, 'indicators'],
    [{ ...base, indicators: [{ type: 'ip', value: '1.2.3.4' }] }, 'indicators[0].type'],
    [
      {
        ...base,
        indicators: [
          { type: 'ipv4', value: '1.2.3.4' },
          { type: 'ipv4', value: '999.1.1.1' },
        ],
      },
      'indicators[1].value',
    ],
  ])('rejects %j naming %s', (body, field) => {
    expect(validationError(() => parseAlert('manual', body, RECEIVED_AT)).details).toEqual({
      source: 'manual',
      field,
    });
  });
});
