import { describe, expect, it } from 'vitest';
import { DEMO_ALERTS, demoAlerts } from '../../../src/cli/demo/samples.ts';
import { findParser, parseAlert } from '../../../src/core/ingest/index.ts';
import { alertProblems, pairs } from './helpers.ts';

const NOW = new Date('2024-06-15T12:00:00.000Z');

describe('demo alerts', () => {
  const alerts = demoAlerts(NOW);

  it('has 6–8 alerts across the vendors, each parsing into a valid alert', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(6);
    expect(alerts.length).toBeLessThanOrEqual(8);
    const parsers = new Set(alerts.map((a) => findParser(a.source).name));
    expect(parsers).toEqual(
      new Set(['crowdstrike', 'guardduty', 'okta', 'microsoft-graph', 'splunk', 'elastic', 'generic']),
    );
    for (const demo of alerts) {
      expect(demo.note.length).toBeGreaterThan(10);
      expect(alertProblems(parseAlert(demo.source, demo.payload, NOW))).toEqual([]);
    }
  });

  it('carries the demo threat-intel values where the tour expects them', () => {
    const bySource = new Map(alerts.map((a) => [a.source, parseAlert(a.source, a.payload, NOW)]));
    const cs = bySource.get('crowdstrike')!;
    expect(cs).toMatchObject({ severity: 'critical', incidentType: 'ransomware' });
    expect(pairs(cs)).toContain('sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
    expect(bySource.get('guardduty')!.incidentType).toBe('suspicious_login');
    expect(pairs(bySource.get('guardduty')!)).toContain('ipv4:185.220.101.47');
    expect(pairs(bySource.get('okta')!)).toContain('ipv4:45.155.205.233');
    expect(bySource.get('microsoft-graph')!.incidentType).toBe('phishing');
    expect(pairs(bySource.get('microsoft-graph')!)).toContain('domain:login-micros0ft-secure.com');
    const splunk = bySource.get('splunk')!;
    expect(splunk.severity).toBe('low');
    expect(pairs(splunk)).toEqual(expect.arrayContaining(['ipv4:8.8.8.8', 'domain:microsoft.com']));
  });

  it('timestamps relative to now, recent and in the past', () => {
    for (const demo of alerts) {
      const at = parseAlert(demo.source, demo.payload, new Date(0)).occurredAt.getTime();
      expect(at).toBeLessThan(NOW.getTime());
      expect(at).toBeGreaterThan(NOW.getTime() - 2 * 3600_000);
    }
  });

  it('is deterministic for one `now` and yields new vendor ids for another', () => {
    expect(demoAlerts(NOW)).toEqual(alerts);
    const later = demoAlerts(new Date(NOW.getTime() + 60_000));
    const fp = (list: typeof alerts) => list.map((a) => parseAlert(a.source, a.payload, NOW).fingerprint);
    const before = fp(alerts);
    fp(later).forEach((f, i) => expect(f).not.toBe(before[i]));
  });

  it('exports a ready-made list', () => {
    expect(DEMO_ALERTS).toHaveLength(alerts.length);
  });
});
