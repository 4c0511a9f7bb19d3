import { describe, expect, it } from 'vitest';
import {
  BENIGN_THRESHOLD,
  CONFIDENCE_RANGE,
  DeterministicAnalyzer,
  MALICIOUS_THRESHOLD,
  SUSPICIOUS_THRESHOLD,
  analyzeDeterministic,
} from '../../../src/core/triage/deterministic.analyzer.ts';
import type { Indicator } from '../../../src/contracts/index.ts';
import {
  DOMAIN_GOOGLE,
  DOMAIN_MS,
  DOMAIN_PHISH,
  HASH_BAD,
  HASH_UNKNOWN,
  IP_DNS,
  IP_TOR,
  input,
  listHit,
} from './fixtures.ts';

const analyzer = new DeterministicAnalyzer();

describe('DeterministicAnalyzer: verdicts per incident type', () => {
  it('calls a malware incident with a listed malicious hash malicious, with high confidence', async () => {
    const v = await analyzer.analyze(
      input(
        { incident_type: 'malware', severity: 'medium', assets: [{ kind: 'host', name: 'ws-0142' }] },
        [HASH_BAD, HASH_UNKNOWN],
        [listHit(HASH_BAD, 'malicious', ['malware-hashes-demo']), listHit(HASH_UNKNOWN, 'unknown')],
      ),
    );
    expect(analyzer.name).toBe('deterministic');
    expect(v.classification).toBe('malicious');
    expect(v.confidence).toBeGreaterThanOrEqual(0.85);
    expect(v.score).toBeGreaterThanOrEqual(MALICIOUS_THRESHOLD);
    expect(v.category).toBe('malware_infection');
    expect(v.recommended_actions).toEqual(['isolate_host:ws-0142', `block_hash:${HASH_BAD.value}`]);
    expect(v.mitre_techniques).toContain('T1204.002');
    expect(v.indicators).toEqual([HASH_BAD]);
  });

  it('calls a low-severity incident with only allowlisted indicators benign', async () => {
    const v = await analyzer.analyze(
      input(
        { incident_type: 'phishing', severity: 'low' },
        [DOMAIN_MS, DOMAIN_GOOGLE],
        [listHit(DOMAIN_MS, 'clean', ['allowlist']), listHit(DOMAIN_GOOGLE, 'clean', ['allowlist'])],
      ),
    );
    expect(v.classification).toBe('benign');
    expect(v.score).toBeLessThanOrEqual(BENIGN_THRESHOLD);
    expect(v.confidence).toBeGreaterThan(0.6);
    expect(v.category).toBe('false_positive');
    expect(v.recommended_actions).toEqual(['close_as_false_positive']);
    expect(v.mitre_techniques).toEqual([]);
  });

  it("weighs an allowlist's clean but not a vendor's (no detections is weak evidence)", async () => {
    const vendorClean = await analyzer.analyze(
      input(
        { incident_type: 'phishing', severity: 'low' },
        [DOMAIN_MS, DOMAIN_GOOGLE],
        [listHit(DOMAIN_MS, 'clean', [], 'vt'), listHit(DOMAIN_GOOGLE, 'clean', [], 'vt')],
      ),
    );
    const noIntel = await analyzer.analyze(
      input({ incident_type: 'phishing', severity: 'low' }, [DOMAIN_MS, DOMAIN_GOOGLE], []),
    );
    expect(vendorClean.score).toBe(noIntel.score);
    expect(vendorClean.classification).not.toBe('benign');
  });

  it('is inconclusive with low-moderate confidence when there is no intel at all, whatever the severity', async () => {
    for (const severity of ['low', 'medium', 'critical'] as const) {
      const v = await analyzer.analyze(
        input(
          { incident_type: 'malware', severity, mitre_techniques: ['T1059'] },
          [HASH_UNKNOWN, IP_TOR],
          [],
        ),
      );
      expect(v.classification).toBe('inconclusive');
      expect(v.confidence).toBeGreaterThanOrEqual(CONFIDENCE_RANGE.inconclusive[0]);
      expect(v.confidence).toBeLessThanOrEqual(CONFIDENCE_RANGE.inconclusive[1]);
      expect(v.recommended_actions).toEqual(['escalate_to_analyst']);
      expect(v.reasons).toContain('no threat-intel data for the 2 indicators: +0.0');
    }
  });

  it('calls conflicting evidence suspicious with moderate confidence', async () => {
    const v = await analyzer.analyze(
      input(
        { incident_type: 'phishing', severity: 'medium' },
        [DOMAIN_PHISH, DOMAIN_MS, DOMAIN_GOOGLE],
        [
          listHit(DOMAIN_PHISH, 'malicious', ['phishing-domains']),
          listHit(DOMAIN_MS, 'clean', ['allowlist']),
          listHit(DOMAIN_GOOGLE, 'clean', ['allowlist']),
        ],
      ),
    );
    expect(v.classification).toBe('suspicious');
    expect(v.confidence).toBeGreaterThanOrEqual(CONFIDENCE_RANGE.suspicious[0]);
    expect(v.confidence).toBeLessThanOrEqual(CONFIDENCE_RANGE.suspicious[1]);
    // Conflicting evidence sits below the top of the suspicious range.
    expect(v.confidence).toBeLessThan(0.9);
    expect(v.recommended_actions).toEqual([
      'quarantine_email',
      `block_domain:${DOMAIN_PHISH.value}`,
      'escalate_to_analyst',
    ]);
    expect(v.indicators).toEqual([DOMAIN_PHISH]);
  });

  it('never calls an incident with a known-bad indicator benign, however many allowlist hits', () => {
    const allowed: Indicator[] = Array.from({ length: 20 }, (_, i) => ({
      type: 'domain',
      value: `ok${i}.example`,
    }));
    const v = analyzeDeterministic(
      input(
        { incident_type: 'phishing', severity: 'info' },
        [DOMAIN_PHISH, ...allowed],
        [
          listHit(DOMAIN_PHISH, 'malicious', ['phishing-domains']),
          ...allowed.map((i) => listHit(i, 'clean', ['allowlist'])),
        ],
      ),
    );
    expect(v.classification).toBe('suspicious');
    // -1.0, -1.0, -0.5, then nothing: the allowlist floor of -2.5 holds.
    expect(v.reasons.filter((r) => r.includes('allowlist total floor -2.5 reached'))).toHaveLength(18);
    expect(v.reasons).toContain(
      'indicator ok2.example (domain) is on list allowlist: clean, -0.5 (allowlist total floor -2.5 reached)',
    );
    expect(v.reasons).toContain(
      'indicator ok3.example (domain) is on list allowlist: clean, +0.0 (allowlist total floor -2.5 reached)',
    );
  });

  it('calls a login from a Tor exit node on two lists malicious and recommends account containment', () => {
    const v = analyzeDeterministic(
      input(
        { incident_type: 'suspicious_login', severity: 'high', assets: [{ kind: 'user', name: 'bob' }] },
        [IP_TOR],
        [listHit(IP_TOR, 'malicious', ['tor-exit-demo', 'abuse-feed'])],
      ),
    );
    expect(v.classification).toBe('malicious');
    expect(v.category).toBe('account_compromise');
    expect(v.recommended_actions).toEqual([
      'disable_user:bob',
      'reset_credentials:bob',
      'revoke_sessions:bob',
      'block_ip:185.220.101.47',
    ]);
    expect(v.mitre_techniques).toEqual(['T1078', 'T1090.003']);
  });

  it('counts a suspicious exfiltration destination as evidence on data_exfiltration incidents', () => {
    const paste: Indicator = { type: 'domain', value: 'pastebin.com' };
    const v = analyzeDeterministic(
      input(
        { incident_type: 'data_exfiltration', severity: 'medium' },
        [paste],
        [listHit(paste, 'suspicious', ['abused-services'])],
      ),
    );
    expect(v.classification).toBe('suspicious');
    expect(v.score).toBeGreaterThanOrEqual(SUSPICIOUS_THRESHOLD);
    expect(v.mitre_techniques).toEqual(['T1567']);
  });

  it('uses vendor confidence both ways', () => {
    const base = { incident_type: 'other', severity: 'medium' } as const;
    const high = analyzeDeterministic(input(base, [], [], 0.95));
    const low = analyzeDeterministic(input(base, [], [], 0.05));
    expect(high.reasons).toContain('vendor confidence 0.95: +1.5');
    expect(low.reasons).toContain('vendor confidence 0.05: -1.5');
    expect(high.score ?? 0).toBeGreaterThan(low.score ?? 1);
    expect(high.classification).toBe('suspicious');
  });
});

describe('DeterministicAnalyzer: model properties', () => {
  const rich = input(
    {
      incident_type: 'malware',
      severity: 'high',
      occurrence_count: 60,
      mitre_techniques: ['T1059', 'T1003', 'T1021'],
      tags: ['crown-jewel'],
    },
    [HASH_BAD, IP_TOR, IP_DNS, HASH_UNKNOWN],
    [
      listHit(HASH_BAD, 'malicious', ['malware-hashes-demo']),
      listHit(IP_TOR, 'malicious', ['tor-exit-demo']),
      listHit(IP_TOR, 'malicious', [], 'virustotal'),
      listHit(IP_DNS, 'clean', ['allowlist-demo']),
      listHit(HASH_UNKNOWN, 'unknown'),
    ],
    0.8,
  );

  it('writes one reason per piece of evidence, each with its contribution', () => {
    const v = analyzeDeterministic(rich);
    expect(v.reasons).toEqual([
      'severity high sets the prior: +0.0 (50% before evidence)',
      `indicator ${HASH_BAD.value} (sha256) is on list malware-hashes-demo: malicious, +2.0`,
      'indicator 185.220.101.47 (ipv4) is on list tor-exit-demo: malicious, +2.0',
      'indicator 185.220.101.47 (ipv4) is rated malicious by virustotal (score 0.90), +1.0',
      'indicator 8.8.8.8 (ipv4) is on list allowlist-demo: clean, -1.0',
      '1 indicator had no threat-intel match: +0.0',
      `known-malicious file hash ${HASH_BAD.value} on a malware incident: +1.5`,
      'vendor confidence 0.80: +0.7',
      'alert repeated 60 times: +0.8',
      '3 MITRE ATT&CK techniques mapped (T1059, T1003, T1021): +0.5',
      'critical asset tag "crown-jewel": +0.3',
    ]);
    expect(v.reasoning).toMatch(
      /^Malware incident "Test incident" \(severity high\) is \d+(\.\d)?% likely malicious/,
    );
    expect(v.reasoning).toContain('Classified malicious');
    expect(v.reasoning.split('\n')).toHaveLength(1);
  });

  it('is deterministic: the same input gives the same verdict', () => {
    const a = analyzeDeterministic(rich);
    const b = analyzeDeterministic(structuredClone(rich));
    expect(b).toEqual(a);
  });

  it('is monotone: adding a malicious hit never lowers the score or the classification', () => {
    const order = ['benign', 'inconclusive', 'suspicious', 'malicious'];
    const others: Indicator[] = [
      IP_TOR,
      HASH_BAD,
      DOMAIN_PHISH,
      { type: 'url', value: 'http://update-flashplayer.net/x' },
      { type: 'email', value: 'a@b.example' },
    ];
    for (const type of ['malware', 'phishing', 'suspicious_login', 'data_exfiltration', 'other']) {
      for (const severity of ['info', 'medium', 'critical'] as const) {
        let enrichments = [
          listHit(DOMAIN_MS, 'clean', ['allowlist']),
          listHit(IP_DNS, 'clean', ['allowlist']),
        ];
        let prev = analyzeDeterministic(
          input({ incident_type: type, severity }, [DOMAIN_MS, IP_DNS, ...others], enrichments),
        );
        for (const [n, ind] of [...others, IP_TOR, IP_TOR, IP_TOR, DOMAIN_MS].entries()) {
          enrichments = [...enrichments, listHit(ind, 'malicious', [`list-${n}`])];
          const next = analyzeDeterministic(
            input({ incident_type: type, severity }, [DOMAIN_MS, IP_DNS, ...others], enrichments),
          );
          expect(next.score ?? 0).toBeGreaterThanOrEqual(prev.score ?? 0);
          expect(order.indexOf(next.classification)).toBeGreaterThanOrEqual(
            order.indexOf(prev.classification),
          );
          expect(next.classification).not.toBe('benign');
          prev = next;
        }
      }
    }
  });

  it('caps corroboration: a fourth list adds nothing more', () => {
    const v = analyzeDeterministic(
      input({ severity: 'medium' }, [IP_TOR], [listHit(IP_TOR, 'malicious', ['a', 'b', 'c', 'd'])]),
    );
    expect(v.reasons.slice(1, 5)).toEqual([
      'indicator 185.220.101.47 (ipv4) is on list a: malicious, +2.0',
      'indicator 185.220.101.47 (ipv4) is also on list b: malicious, +1.0',
      'indicator 185.220.101.47 (ipv4) is also on list c: malicious, +1.0',
      'indicator 185.220.101.47 (ipv4) is also on list d: malicious, +0.0 (corroboration cap reached)',
    ]);
  });

  it('keeps confidence and score within 0..1 and honours an aborted signal', async () => {
    const v = analyzeDeterministic(rich);
    expect(v.confidence).toBeGreaterThan(0);
    expect(v.confidence).toBeLessThanOrEqual(0.99);
    expect(v.score).toBeGreaterThan(0.99);
    await expect(analyzer.analyze(rich, AbortSignal.abort(new Error('stop')))).rejects.toThrow('stop');
  });

  it('lowers benign confidence when most indicators are unknown', () => {
    const all = analyzeDeterministic(
      input(
        { severity: 'low' },
        [DOMAIN_MS, DOMAIN_GOOGLE],
        [listHit(DOMAIN_MS, 'clean', ['allowlist']), listHit(DOMAIN_GOOGLE, 'clean', ['allowlist'])],
      ),
    );
    const partial = analyzeDeterministic(
      input(
        { severity: 'low' },
        [DOMAIN_MS, DOMAIN_GOOGLE, HASH_UNKNOWN, IP_TOR],
        [
          listHit(DOMAIN_MS, 'clean', ['allowlist']),
          listHit(DOMAIN_GOOGLE, 'clean', ['allowlist']),
          listHit(HASH_UNKNOWN, 'unknown'),
          listHit(IP_TOR, 'unknown'),
        ],
      ),
    );
    expect(partial.classification).toBe('benign');
    expect(partial.confidence).toBeLessThan(all.confidence);
  });
});
