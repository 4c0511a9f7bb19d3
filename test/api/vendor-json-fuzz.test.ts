import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../src/contracts/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { TEST_SECRETS, startRuntime, testConfig } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

/**
 * Arbitrary real-world-shaped vendor JSON (vendor fixtures and synthesized events with re-cased keys,
 * random nesting, unicode, huge strings, nulls, numbers where strings are expected, arrays and batch
 * envelopes) sent to sources without a parser, to every vendor parser and to the manual route.
 * 0 × 5xx; every 2xx is durable (read back); every 4xx carries a catalog code; a non-empty JSON
 * object (or batch of them) sent to a source without a parser is always accepted.
 *
 * Reproduce a failure with TW_FUZZ_SEED=<seed printed in the failure>; TW_FUZZ_COUNT changes the size.
 */

const SEED = Number(process.env.TW_FUZZ_SEED ?? 20261204);
const COUNT = Number(process.env.TW_FUZZ_COUNT ?? 500);
const CONCURRENCY = 4;
const BODY_LIMIT = 512 * 1024;
const MAX_BATCH = 500;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

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

const file = (name: string): Json[] => {
  const all = JSON.parse(
    readFileSync(new URL(`../fixtures/vendors/${name}.json`, import.meta.url), 'utf8'),
  ) as Record<string, Json>;
  return Object.values(all);
};
const FAMILY_FIXTURES = ['entra-id', 'google-workspace', 'm365-audit', 'falcon-fdr', 'okta-export'].flatMap(
  file,
);
const VENDOR_FIXTURES: Record<string, Json[]> = Object.fromEntries(
  ['crowdstrike', 'splunk', 'microsoft-graph', 'guardduty', 'okta', 'elastic'].map((v) => [v, file(v)]),
);
const ALL_FIXTURES = [...FAMILY_FIXTURES, ...Object.values(VENDOR_FIXTURES).flat(), ...file('generic')];

/** Sources without a parser (signed and unsigned) and every vendor parser. */
const UNKNOWN = ['soc-forwarder', 'open-source'];
const SECRETS: Record<string, string | undefined> = {
  ...TEST_SECRETS,
  'soc-forwarder': 'soc-forwarder-fuzz-secret-0123456789',
  'open-source': undefined,
};
const KNOWN = ['crowdstrike', 'splunk', 'microsoft-graph', 'defender', 'guardduty', 'okta', 'elastic'];

const STRINGS = [
  '',
  ' ',
  '\u0000',
  '😀🔥👩‍💻',
  '\u202eexe.txt',
  '漢字テスト',
  'e\u0301\u0301',
  '\ud800 lone',
  '185.220.101.47',
  '2001:db8::dead:beef',
  'hxxps://login-micros0ft-secure[.]com/owa',
  'alice@contoso.com',
  'CONTOSO\\bob',
  '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  '2024-06-15T09:12:44',
  '1718441234567',
  'T1059.001',
  'HIGH',
  'none',
  "'; DROP TABLE incidents; --",
  '${jndi:ldap://x}',
];
/** Field names vendor events carry (any case is tried). */
const KEYS = [
  'eventType',
  'displayMessage',
  'activityDisplayName',
  'Operation',
  'operationName',
  'event_simpleName',
  'eventName',
  'name',
  'severity',
  'riskLevel',
  'risk_level',
  'riskLevelDuringSignIn',
  'level',
  'risk_score',
  'ipAddress',
  'ClientIP',
  'callerIpAddress',
  'sourceIPAddress',
  'userPrincipalName',
  'UserId',
  'actor',
  'status',
  'events',
  'id',
  'uuid',
  'timestamp',
  'CreationTime',
  'createdDateTime',
  'CommandLine',
  'SHA256HashData',
  'DomainName',
  'properties',
  'data',
  'value',
  'items',
  'records',
  'Records',
  'title',
  'alert_type',
  '__proto__',
  'constructor',
];

class Gen {
  constructor(readonly r: () => number) {}
  int(n: number) {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number) {
    return this.r() < p;
  }
  string(): string {
    if (this.chance(0.6)) return this.pick(STRINGS);
    let s = '';
    for (let i = this.int(30); i > 0; i--)
      s += String.fromCodePoint(this.chance(0.7) ? 32 + this.int(95) : this.int(0x2ffff) & 0x10ffff);
    return s;
  }
  scalar(): Json {
    return this.pick<() => Json>([
      () => null,
      () => this.chance(0.5),
      () => this.pick([0, -1, 3, 4, 53003, 1e308, -1e-308, 2 ** 53 + 1, 1718441234]),
      () => this.string(),
      () => 'Z'.repeat(1_000 + this.int(20_000)),
    ])();
  }
  value(depth: number): Json {
    if (depth > 5 || this.chance(0.5)) return this.scalar();
    if (this.chance(0.35)) return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
    return this.object(depth + 1);
  }
  object(depth = 0): { [k: string]: Json } {
    const o: { [k: string]: Json } = {};
    for (let i = 1 + this.int(7); i > 0; i--) {
      const key = this.chance(0.8) ? this.pick(KEYS) : this.string();
      // defineProperty: an assignment to __proto__ would set the prototype instead of sending the key.
      Object.defineProperty(o, key, {
        value: this.value(depth),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return o;
  }
  recase(key: string): string {
    const how = this.int(5);
    return how === 0 ? key.toLowerCase() : how === 1 ? key.toUpperCase() : key;
  }
  /** A copy with keys re-cased and a few values replaced by nulls, numbers, unicode, huge strings or nesting. */
  vendorize(v: Json, depth = 0, rate = this.pick([0, 0.05, 0.2])): Json {
    if (Array.isArray(v)) return v.map((x) => this.vendorize(x, depth + 1, rate));
    if (v === null || typeof v !== 'object') {
      if (!this.chance(rate)) return v;
      return this.pick<() => Json>([
        () => null,
        () => this.int(1e6),
        () => this.string(),
        () => `${String(v)}${'Ω'.repeat(this.int(5_000))}`,
        () => this.value(depth),
        () => [v],
      ])();
    }
    const lower = this.chance(0.25);
    const out: { [k: string]: Json } = {};
    for (const [k, child] of Object.entries(v)) {
      if (this.chance(rate / 2)) continue;
      const key = lower ? k.toLowerCase() : this.chance(0.1) ? this.recase(k) : k;
      Object.defineProperty(out, key, {
        value: this.vendorize(child, depth + 1, rate),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    if (this.chance(rate)) out[this.pick(KEYS)] = this.value(depth);
    return out;
  }
  event(pool: readonly Json[]): Json {
    return this.chance(0.7) ? this.vendorize(this.pick(pool)) : this.object();
  }
}

type Plan = {
  kind: string;
  source: string;
  body: string;
  manual: boolean;
  expect?: { status: number; code: string };
};

function plan(g: Gen, i: number): Plan {
  const manual = g.chance(0.05);
  const unknown = !manual && g.chance(0.55);
  const source = manual ? 'manual' : unknown ? g.pick(UNKNOWN) : g.pick(KNOWN);
  const pool =
    unknown || manual
      ? ALL_FIXTURES
      : g.chance(0.7)
        ? VENDOR_FIXTURES[source === 'defender' ? 'microsoft-graph' : source]!
        : ALL_FIXTURES;
  let payload: Json;
  let events: Json[] | undefined;
  const roll = g.r();
  let kind: string;
  if (roll < 0.55) {
    kind = 'event';
    payload = g.event(pool);
    // Unique per request half the time, so most requests create incidents rather than fold.
    if (payload && typeof payload === 'object' && !Array.isArray(payload) && g.chance(0.5))
      payload.fuzz_marker = `${SEED}-${i}`;
  } else if (roll < 0.9) {
    const n = g.chance(0.05) ? 0 : g.chance(0.03) ? MAX_BATCH + 1 + g.int(20) : 1 + g.int(12);
    events = Array.from({ length: n }, () => (n > 50 ? { eventType: 'bulk', n: g.int(1e9) } : g.event(pool)));
    kind = `batch-${n === 0 ? 'empty' : n > MAX_BATCH ? 'oversized' : 'ok'}`;
    const wrap = g.int(8);
    payload =
      wrap === 0
        ? events
        : wrap === 1
          ? {
              '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns',
              value: events,
            }
          : wrap === 2
            ? { kind: 'admin#reports#activities', nextPageToken: g.string(), items: events }
            : wrap === 3
              ? { records: events }
              : wrap === 4
                ? { Records: events }
                : wrap === 5
                  ? { events }
                  : wrap === 6
                    ? { eventType: 'com.okta.event_hook', eventId: g.string(), data: { events } }
                    : events;
    kind += `-${['array', 'value', 'items', 'records', 'Records', 'events', 'okta-hook', 'array'][wrap]}`;
  } else {
    kind = 'random';
    payload = g.value(0);
  }
  const body = JSON.stringify(payload);
  let expect: Plan['expect'];
  const bytes = Buffer.byteLength(body);
  const objects = events?.every(nonEmpty);
  if (bytes > BODY_LIMIT) expect = { status: 413, code: 'PAYLOAD_TOO_LARGE' };
  else if (manual) expect = undefined;
  else if (kind.startsWith('batch-empty') && kind !== 'batch-empty-okta-hook')
    expect = { status: 400, code: 'VALIDATION_ERROR' };
  else if (kind.startsWith('batch-oversized') && objects) expect = { status: 413, code: 'PAYLOAD_TOO_LARGE' };
  else if (unknown && kind.startsWith('batch-ok') && objects) expect = { status: 202, code: '' };
  else if (unknown && kind === 'event' && isNonEmptyObject(payload)) expect = { status: 202, code: '' };
  return { kind, source, body, manual, ...(expect ? { expect } : {}) };
}

function isNonEmptyObject(v: Json): boolean {
  return nonEmpty(v) && !isEnvelopeLike(v as { [k: string]: Json });
}

/** Non-empty once the server's JSON parser has dropped prototype-polluting keys (`__proto__`, `constructor`). */
function nonEmpty(v: Json): boolean {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Object.keys(v).some((k) => k !== '__proto__' && k !== 'constructor')
  );
}

/** An object whose only content is an empty or non-object batch array may be refused as an empty batch. */
function isEnvelopeLike(v: { [k: string]: Json }): boolean {
  const keys = Object.keys(v);
  return keys.some(
    (k) =>
      ['value', 'items', 'records', 'events'].includes(k.toLowerCase()) &&
      Array.isArray(v[k]) &&
      (v[k] as Json[]).length === 0,
  );
}

let rt: Runtime;
beforeAll(async () => {
  rt = await startRuntime(
    testConfig({
      server: { body_limit: BODY_LIMIT },
      webhooks: { sources: { 'soc-forwarder': { secret: SECRETS['soc-forwarder'] } } },
    }),
  );
}, 120_000);
afterAll(async () => {
  await rt?.stop();
});

describe(`vendor JSON fuzz (seed ${SEED}, ${COUNT} requests)`, () => {
  it('never answers 5xx, keeps every accepted event, refuses only with catalog codes', async () => {
    const g = new Gen(rng(SEED));
    const plans = Array.from({ length: COUNT }, (_, i) => plan(g, i));
    const failures: string[] = [];
    const tally = new Map<string, number>();
    const accepted: { incident_id: string; created: boolean; occurrence_count: number }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < plans.length) {
        const i = next++;
        const p = plans[i]!;
        const secret = SECRETS[p.source];
        const res = await rt.app.inject({
          method: 'POST',
          url: p.manual ? '/api/v1/incidents' : `/api/v1/webhooks/${p.source}`,
          headers: p.manual
            ? asAdmin({ 'content-type': 'application/json' })
            : secret
              ? signedHeaders(secret, p.body, { noTimestamp: true })
              : { 'content-type': 'application/json' },
          payload: p.body,
        });
        const where = `#${i} seed=${SEED} ${p.kind} ${p.source} → ${res.statusCode} ${res.body.slice(0, 300)} | sent ${p.body.slice(0, 300)}`;
        let body: Record<string, unknown>;
        try {
          body = res.json();
        } catch {
          failures.push(`not JSON: ${where}`);
          continue;
        }
        const key = `${p.manual ? 'manual' : KNOWN.includes(p.source) ? 'vendor' : 'unknown'} ${p.kind} ${res.statusCode} ${String(body.code ?? '')}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        if (res.statusCode === 202) {
          const results = Array.isArray(body.results) ? (body.results as Record<string, unknown>[]) : [body];
          if (Array.isArray(body.results) && body.accepted !== results.length)
            failures.push(`accepted ≠ results: ${where}`);
          for (const r of results) {
            if (typeof r.incident_id !== 'string') failures.push(`202 without incident_id: ${where}`);
            else accepted.push(r as (typeof accepted)[number]);
          }
        } else if (res.statusCode >= 400 && res.statusCode < 500) {
          const code = String(body.code);
          const catalog = (ERROR_CATALOG as Record<string, { status: number }>)[code];
          if (!catalog || catalog.status !== res.statusCode) failures.push(`unstable code: ${where}`);
          if (typeof body.message !== 'string' || body.request_id !== res.headers['x-request-id'])
            failures.push(`undocumented error body: ${where}`);
        } else failures.push(`status ${res.statusCode}: ${where}`);
        if (
          p.expect &&
          (res.statusCode !== p.expect.status || (p.expect.code && body.code !== p.expect.code))
        )
          failures.push(`expected ${p.expect.status} ${p.expect.code}: ${where}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(
      `vendor JSON fuzz: ${COUNT} requests, ${accepted.length} alerts accepted\n` +
        [...tally.entries()]
          .sort()
          .map(([k, n]) => `  ${k}: ${n}`)
          .join('\n'),
    );
    expect(failures.slice(0, 15), `${failures.length} failures`).toEqual([]);
    expect(accepted.length).toBeGreaterThan(COUNT / 2);

    // Every 2xx is durable: each incident reads back, and the database holds exactly the accepted alerts.
    const db = rt.database.primary;
    const incidents = await db.selectFrom('incidents').select(['id', 'occurrence_count']).execute();
    const alerts = await db
      .selectFrom('alerts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(alerts.n)).toBe(accepted.length);
    const perIncident = new Map<string, number>();
    for (const a of accepted) perIncident.set(a.incident_id, (perIncident.get(a.incident_id) ?? 0) + 1);
    const stored = new Map(incidents.map((i) => [i.id, Number(i.occurrence_count)]));
    expect([...perIncident].filter(([id, n]) => stored.get(id) !== n)).toEqual([]);
    expect(incidents.length).toBe(perIncident.size);
    for (const id of [...perIncident.keys()].filter((_, i) => i % 10 === 0)) {
      const res = await rt.app.inject({ method: 'GET', url: `/api/v1/incidents/${id}`, headers: asAdmin() });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      expect(res.json().alerts.length).toBeGreaterThan(0);
    }
    expect((await rt.app.inject('/ready')).statusCode).toBe(200);
  }, 300_000);
});
