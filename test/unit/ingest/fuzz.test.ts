import { describe, expect, it } from 'vitest';
import type { NormalizedAlert } from '../../../src/contracts/index.ts';
import { isAppError } from '../../../src/contracts/index.ts';
import { PARSERS } from '../../../src/core/ingest/index.ts';
import type { AlertParser } from '../../../src/core/ingest/index.ts';
import { RECEIVED_AT, alertProblems, fixture } from './helpers.ts';

/** Small seeded PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = [
  'event',
  'metadata',
  'result',
  'detail',
  'Detail',
  'value',
  'data',
  'events',
  'evidence',
  'resource',
  'service',
  'action',
  'id',
  'uuid',
  'title',
  'type',
  'severity',
  'Severity',
  'SeverityName',
  'eventType',
  'actor',
  'client',
  'ipAddress',
  'kibana.alert.rule.name',
  'kibana',
  'alert',
  'rule',
  'risk_score',
  '_source',
  'alert_type',
  'source',
  'indicators',
  'incident_type',
  'raw_data',
  'tags',
  'urgency',
  'src',
  'dest',
  'user',
  'userAccount',
  '@odata.type',
  'remoteIpDetails',
  'ipAddressV4',
  'instanceDetails',
  'DetectId',
  'CommandLine',
  'mitreTechniques',
  'threat',
  'technique',
  'debugContext',
  'debugData',
  'risk',
  'outcome',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
];

const STRINGS = [
  '',
  ' ',
  'x',
  'null',
  'undefined',
  'unknown',
  '-',
  'high',
  'CRITICAL',
  'informational',
  'moderate',
  '9.5',
  '-1',
  '1e400',
  '185.220.101.47',
  '999.1.1.1',
  '::',
  '2001:db8::1',
  'login-micros0ft-secure.com',
  'hxxps://evil[.]com/a',
  'http://',
  'https://[::1]:99999/',
  'CORP\\jdoe',
  '\\\\\\',
  '@',
  'a@b',
  'NT AUTHORITY\\SYSTEM',
  '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'i-0a1b2c3d4e5f67890',
  'arn:aws:iam::1:role/x',
  '/subscriptions/00000000-0000-0000-0000-000000000000/x',
  '2024-06-15T09:30:00Z',
  '1718449200',
  '0000-00-00',
  '9999-12-31T23:59:59Z',
  'T1059.001',
  'TA0001',
  '#microsoft.graph.security.ipEvidence',
  '#microsoft.graph.security.fileEvidence',
  'user.session.start',
  'security.threat.detected',
  'UnauthorizedAccess:IAMUser/X',
  'Backdoor:',
  ':',
  'phishing',
  'ransomware',
  '{level=HIGH}',
  '\u0000\u0001\u007f',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'münchen.de',
  '<script>',
  '%00',
  'a'.repeat(300),
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)] as T;
}

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty so that "__proto__" becomes an own key, as JSON.parse makes it.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function randomValue(r: () => number, depth: number): unknown {
  const roll = r();
  if (depth <= 0 || roll < 0.45) {
    const s = r();
    if (s < 0.1) return null;
    if (s < 0.2) return r() < 0.5;
    if (s < 0.35)
      return pick(r, [0, -1, 1, 3.9, 4, 5, 6, 9, 10, 11, 100, 1e21, -1e21, 0.5, 1718449200000, 2 ** 53]);
    if (s < 0.4) return pick(r, ['ab', '1.2.3.4 ', 'a.b.c']).repeat(Math.floor(r() * 5_000));
    return pick(r, STRINGS);
  }
  if (roll < 0.7) {
    return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth - 1));
  }
  const obj: Record<string, unknown> = {};
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) setOwn(obj, pick(r, KEYS), randomValue(r, depth - 1));
  return obj;
}

/** Replace or delete random sub-values of a real payload: near-valid input is the best fuzz. */
function mutate(r: () => number, value: unknown, rate: number): unknown {
  if (r() < rate) return r() < 0.2 ? undefined : randomValue(r, 3);
  if (Array.isArray(value)) return value.map((v) => mutate(r, v, rate));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const m = mutate(r, v, rate);
      if (m !== undefined) setOwn(out, k, m);
    }
    if (r() < rate) setOwn(out, pick(r, KEYS), randomValue(r, 2));
    return out;
  }
  return value;
}

/** Parse, and require either a valid alert or a VALIDATION_ERROR. Returns what happened. */
function check(parser: AlertParser, payload: unknown): 'ok' | 'rejected' {
  let alert: NormalizedAlert;
  try {
    alert = parser.parse(payload, { source: parser.name, receivedAt: RECEIVED_AT });
  } catch (err) {
    if (isAppError(err) && err.code === 'VALIDATION_ERROR') return 'rejected';
    throw new Error(`${parser.name} threw ${String(err)} for ${JSON.stringify(payload)?.slice(0, 500)}`, {
      cause: err,
    });
  }
  const problems = alertProblems(alert);
  if (problems.length > 0) {
    throw new Error(
      `${parser.name} produced an invalid alert (${problems.join(', ')}) for ${JSON.stringify(payload)?.slice(0, 500)}`,
    );
  }
  return 'ok';
}

const ALL_FIXTURES = [
  'crowdstrike',
  'splunk',
  'microsoft-graph',
  'guardduty',
  'okta',
  'elastic',
  'generic',
  'manual',
].flatMap((vendor) => Object.values(fixture(vendor)));

describe('every parser on malformed input', () => {
  it.each(PARSERS.map((p) => [p.name, p] as const))(
    '%s returns a valid alert or a VALIDATION_ERROR',
    (_name, parser) => {
      const r = rng(0xc0ffee ^ parser.name.length);
      const outcomes = { ok: 0, rejected: 0 };
      const scalars: unknown[] = [
        null,
        undefined,
        0,
        -1,
        NaN,
        true,
        '',
        'x',
        [],
        [null],
        [{}],
        {},
        { event: null },
      ];
      for (const v of scalars) outcomes[check(parser, v)]++;
      for (let i = 0; i < 1_500; i++) outcomes[check(parser, randomValue(r, 6))]++;
      for (let i = 0; i < 1_500; i++) {
        // Half the time the parser's own fixtures, so mutants often stay in its format.
        const base = r() < 0.5 ? pick(r, Object.values(fixture(parser.name))) : pick(r, ALL_FIXTURES);
        // Round-trip through JSON text, as the HTTP layer delivers it.
        const text = JSON.stringify(mutate(r, base, pick(r, [0.02, 0.1, 0.3]))) ?? 'null';
        outcomes[check(parser, JSON.parse(text))]++;
      }
      // Both paths were exercised: the fuzz reached real parsing, not only the format check.
      expect(outcomes.ok).toBeGreaterThan(50);
      expect(outcomes.rejected).toBeGreaterThan(50);
    },
  );
});

describe('hostile payloads', () => {
  const huge = `${'A'.repeat(2_000_000)} 185.220.101.47 ${'b.'.repeat(500_000)}`;
  const deep = JSON.parse(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`) as unknown;
  const wide = Object.fromEntries(
    Array.from({ length: 50_000 }, (_, i) => [`k${i}`, `10.0.${(i >> 8) & 255}.${i & 255}`]),
  );
  const long = Array.from({ length: 100_000 }, (_, i) => `host-${i}`);

  const cases: Array<[string, unknown]> = [
    [
      'crowdstrike',
      { event: { DetectName: huge, CommandLine: huge, ComputerName: huge, UserName: long, x: deep } },
    ],
    [
      'splunk',
      { result: { ...wide, _raw: huge, dest: long, user: long, nested: deep }, sid: huge, search_name: huge },
    ],
    [
      'microsoft-graph',
      {
        id: 'x',
        title: huge,
        evidence: Array.from({ length: 10_000 }, () => ({
          '@odata.type': '#microsoft.graph.security.processEvidence',
          processCommandLine: huge,
        })),
      },
    ],
    [
      'guardduty',
      {
        detail: {
          id: 'x',
          type: huge,
          title: huge,
          resource: deep,
          service: { action: { portProbeAction: { portProbeDetails: long } } },
        },
      },
    ],
    [
      'okta',
      {
        data: {
          events: [
            {
              eventType: 'user.session.start',
              displayMessage: huge,
              target: long,
              debugContext: { debugData: { risk: huge } },
            },
          ],
        },
      },
    ],
    [
      'elastic',
      { 'kibana.alert.rule.name': huge, 'process.command_line': huge, kibana: deep, 'source.ip': long },
    ],
    ['generic', { title: huge, description: huge, data: { ...wide, deep, long, text: huge } }],
    [
      'manual',
      {
        incident_type: 'other',
        source: 's',
        severity: 'low',
        title: huge,
        raw_data: { ...wide, deep, huge },
      },
    ],
  ];

  it.each(cases)('%s: bounded output from huge, deep and wide input', (source, payload) => {
    const parser = PARSERS.find((p) => p.name === source)!;
    const alert = parser.parse(payload, { source, receivedAt: RECEIVED_AT });
    expect(alertProblems(alert)).toEqual([]);
    expect(alert.indicators.length).toBeLessThanOrEqual(200);
    expect(alert.title.length).toBeLessThanOrEqual(300);
    expect(alert.assets.length).toBeLessThanOrEqual(20);
    expect(alert.tags.length).toBeLessThanOrEqual(40);
  });
});
