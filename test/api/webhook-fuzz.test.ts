import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { webhookSignature } from '../helpers/harness.ts';
import { TEST_SECRETS, startRuntime, testConfig } from '../helpers/runtime.ts';

/**
 * Thousands of malformed, random and valid webhook requests across every source, through the whole
 * app (signature, body parser, vendor parser, store) with triage running alongside. Every answer is
 * a 202 or a documented 4xx, and every 202 is in the database exactly once.
 *
 * Reproduce a failure with TW_FUZZ_SEED=<seed printed in the failure>; TW_FUZZ_COUNT changes the size.
 */

const SEED = Number(process.env.TW_FUZZ_SEED ?? 20240615);
const COUNT = Number(process.env.TW_FUZZ_COUNT ?? 2500);
const CONCURRENCY = 8;
const BODY_LIMIT = 256 * 1024;

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

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const fixtureFile = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/vendors/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    Json
  >;

/** Source → its fixtures and signing secret (undefined: unsigned source). */
const SOURCES: { name: string; fixtures: Json[]; secret?: string }[] = [
  ...(['crowdstrike', 'splunk', 'microsoft-graph', 'guardduty', 'okta', 'elastic'] as const).map((name) => ({
    name,
    fixtures: Object.values(fixtureFile(name)),
    secret: TEST_SECRETS[name],
  })),
  {
    name: 'defender',
    fixtures: Object.values(fixtureFile('microsoft-graph')),
    secret: TEST_SECRETS.defender,
  },
  { name: 'acme-dlp', fixtures: Object.values(fixtureFile('generic')), secret: TEST_SECRETS['acme-dlp'] },
  {
    name: 'open-source',
    fixtures: [...Object.values(fixtureFile('generic')), ...Object.values(fixtureFile('manual'))],
  },
];

const ODD_STRINGS = [
  '',
  '\u0000',
  'nul\u0000inside',
  '\ud800',
  'lone \udfff low',
  '😀🔥👩‍💻',
  '\u202eevil.exe',
  'e\u0301\u0301\u0301',
  '\uffff\ufffe\ufeff',
  '漢字テスト',
  '"quoted" \\ back\\slash',
  "'; DROP TABLE incidents; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '${jndi:ldap://x}',
  '   ',
  '1e309',
  'null',
  '2024-13-45T99:99:99Z',
  '45.155.205.233',
  'login-micros0ft-secure[.]com',
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
    if (this.chance(0.4)) return this.pick(ODD_STRINGS);
    let s = '';
    const n = this.int(40);
    for (let i = 0; i < n; i++)
      s += String.fromCharCode(this.chance(0.8) ? 32 + this.int(95) : this.int(0x10000));
    return s;
  }
  number(): number {
    return this.pick([
      0,
      -0,
      1,
      -1,
      3.14,
      1e308,
      -1e308,
      Number.MAX_SAFE_INTEGER + 2,
      2 ** 31,
      -(2 ** 63),
      1e-320,
      this.int(1e9),
    ]);
  }
  value(depth = 0): Json {
    const kind = depth > 4 ? this.int(4) : this.int(6);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.number();
      case 3:
        return this.string();
      case 4:
        return Array.from({ length: this.int(5) }, () => this.value(depth + 1));
      default: {
        const o: Record<string, Json> = {};
        for (let i = this.int(6); i > 0; i--) {
          const key = this.pick([
            this.string(),
            'severity',
            'title',
            'id',
            '__proto__',
            'constructor',
            'data',
            'event',
          ]);
          // defineProperty: a plain assignment to __proto__ would set the prototype, not send the key.
          Object.defineProperty(o, key, {
            value: this.value(depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return o;
      }
    }
  }
  /** A value of the wrong type for whatever was there. */
  wrongType(): Json {
    return this.pick<() => Json>([
      () => null,
      () => this.chance(0.5),
      () => this.number(),
      () => this.string(),
      () => [],
      () => ({}),
      () => [this.value(3)],
      () => 'x'.repeat(1000 + this.int(60_000)),
      () => this.nest(20 + this.int(40)),
    ])();
  }
  nest(levels: number): Json {
    let v: Json = 'bottom';
    for (let i = 0; i < levels; i++) v = this.chance(0.5) ? [v] : { n: v };
    return v;
  }
  /** A deep copy of `fixture` with 1–4 random mutations (delete, wrong type, null, huge, NUL, unicode). */
  mutate(fixture: Json): Json {
    const copy = JSON.parse(JSON.stringify(fixture)) as Json;
    for (let m = 1 + this.int(4); m > 0; m--) {
      const paths: (string | number)[][] = [];
      const walk = (v: Json, path: (string | number)[]) => {
        if (v === null || typeof v !== 'object') return;
        for (const [k, child] of Object.entries(v)) {
          const key = Array.isArray(v) ? Number(k) : k;
          paths.push([...path, key]);
          walk(child, [...path, key]);
        }
      };
      walk(copy, []);
      if (paths.length === 0) break;
      const path = this.pick(paths);
      let parent = copy as Record<string | number, Json>;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
      const key = path.at(-1)!;
      const op = this.int(7);
      if (op === 0) {
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
      } else if (op === 1) parent[key] = null;
      else if (op === 2) parent[key] = this.wrongType();
      else if (op === 3)
        parent[key] =
          typeof parent[key] === 'string' ? `${parent[key]}\u0000${this.string()}` : this.string();
      else if (op === 4) parent[key] = this.pick(ODD_STRINGS);
      else if (op === 5) parent[key] = 'A'.repeat(10_000 + this.int(100_000));
      else parent[key] = this.value(2);
    }
    return copy;
  }
}

type Plan = {
  source: string;
  body: string;
  headers: Record<string, string>;
  /** What the answer must be, when it is determined by the input; otherwise 202 or a 4xx. */
  expect?: { status: number; code?: string };
  kind: string;
};

const sign = webhookSignature;

function plan(g: Gen, i: number): Plan {
  const src = g.chance(0.02)
    ? { name: `unknown-${g.int(3)}`, fixtures: SOURCES[0]!.fixtures, secret: 'not-known-to-the-server-0000' }
    : g.pick(SOURCES);
  const fixture = g.pick(src.fixtures);
  let kind: string;
  let body: string;
  const roll = g.r();
  if (roll < 0.2) {
    kind = 'valid';
    // Half keep the fixture as is (dedup), half get a unique title/marker so they make new incidents.
    body = JSON.stringify(g.chance(0.5) ? fixture : { ...(fixture as object), fuzz_marker: `${SEED}-${i}` });
  } else if (roll < 0.6) {
    kind = 'mutated';
    body = JSON.stringify(g.mutate(fixture));
  } else if (roll < 0.75) {
    kind = 'random';
    body = JSON.stringify(g.value());
  } else if (roll < 0.85) {
    kind = 'truncated';
    const full = JSON.stringify(fixture);
    body = full.slice(0, 1 + g.int(full.length - 1));
  } else if (roll < 0.9) {
    kind = 'garbage';
    body = g.pick([
      '',
      ' ',
      'null',
      '{',
      '}',
      '[]',
      '{"a":}',
      'NaN',
      'undefined',
      '\u0000',
      "{'single':1}",
      '{"a":1}{"b":2}',
      g.string(),
    ]);
  } else if (roll < 0.93) {
    kind = 'too-deep';
    body = JSON.stringify({ alert_type: 'x', data: g.nest(65 + g.int(200)) });
  } else if (roll < 0.94) {
    kind = 'too-large';
    body = JSON.stringify({ ...(fixture as object), blob: 'z'.repeat(BODY_LIMIT) });
  } else {
    kind = 'valid-unique';
    body = JSON.stringify({ ...(fixture as object), fuzz_marker: `${SEED}-${i}` });
  }

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  let expect: Plan['expect'];
  const parsesAsJson = (() => {
    try {
      JSON.parse(body);
      return true;
    } catch {
      return false;
    }
  })();
  const ct = g.r();
  if (ct < 0.03) headers['content-type'] = 'application/vnd.vendor.alert+json';
  else if (ct < 0.05) headers['content-type'] = 'application/json; charset=utf-8';
  else if (ct < 0.07) {
    headers['content-type'] = g.pick([
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
    ]);
    expect = { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' };
  }
  // The server's order: media type (415), size (413), JSON syntax and depth (400), then the source's signature.
  if (kind === 'too-large' && !expect) expect = { status: 413, code: 'PAYLOAD_TOO_LARGE' };
  if (!expect && (!parsesAsJson || kind === 'too-deep')) expect = { status: 400, code: 'BAD_REQUEST' };

  const now = Math.floor(Date.now() / 1000);
  if (src.secret) {
    const s = g.r();
    let sigOk = true;
    if (s < 0.65) {
      headers['x-webhook-timestamp'] = String(now);
      headers['x-webhook-signature'] = `sha256=${sign(src.secret, body, now)}`;
    } else if (s < 0.78) {
      headers[g.pick(['x-webhook-signature', 'x-signature-256', 'x-hub-signature-256'])] =
        g.pick(['sha256=', '']) + sign(src.secret, body);
    } else {
      sigOk = false;
      const bad = g.int(7);
      if (bad === 0) headers['x-webhook-signature'] = sign('a-wrong-secret-0123456789', body);
      else if (bad === 1) {
        /* missing */
      } else if (bad === 2) headers['x-webhook-signature'] = sign(src.secret, body).slice(0, 10 + g.int(50));
      else if (bad === 3) {
        headers['x-webhook-timestamp'] = String(now - 3600);
        headers['x-webhook-signature'] = sign(src.secret, body, now - 3600);
      } else if (bad === 4) {
        headers['x-webhook-timestamp'] = String(now + 3600);
        headers['x-webhook-signature'] = sign(src.secret, body, now + 3600);
      } else if (bad === 5) headers['x-webhook-signature'] = sign(src.secret, `${body} `);
      else headers['x-webhook-signature'] = g.string();
    }
    // An unknown source answers exactly like a bad signature: a 401 never says which sources exist.
    if (!expect && src.name.startsWith('unknown-')) expect = { status: 401, code: 'INVALID_SIGNATURE' };
    else if (!expect && !sigOk) expect = { status: 401, code: 'INVALID_SIGNATURE' };
  }
  return { source: src.name, body, headers, kind, ...(expect ? { expect } : {}) };
}

let rt: Runtime;
beforeAll(async () => {
  rt = await startRuntime(testConfig({ server: { body_limit: BODY_LIMIT } }));
}, 120_000);
afterAll(async () => {
  await rt?.stop();
});

describe(`webhook fuzz (seed ${SEED}, ${COUNT} requests)`, () => {
  it('answers 202 or a documented 4xx to everything, and loses no accepted alert', async () => {
    const g = new Gen(rng(SEED));
    const plans = Array.from({ length: COUNT }, (_, i) => plan(g, i));
    const failures: string[] = [];
    const tally = new Map<string, number>();
    const accepted: { incident_id: string; created: boolean; occurrence_count: number }[] = [];
    const started = performance.now();

    let next = 0;
    const worker = async () => {
      while (next < plans.length) {
        const i = next++;
        const p = plans[i]!;
        const res = await rt.app.inject({
          method: 'POST',
          url: `/api/v1/webhooks/${p.source}`,
          headers: p.headers,
          payload: p.body,
        });
        const where = `#${i} seed=${SEED} ${p.kind} ${p.source} → ${res.statusCode} ${res.body.slice(0, 300)} | sent ${p.body.slice(0, 200)}`;
        let body: Record<string, unknown> | undefined;
        try {
          body = res.json();
        } catch {
          failures.push(`not JSON: ${where}`);
          continue;
        }
        tally.set(
          `${p.kind} ${res.statusCode} ${String(body!.code ?? '')}`,
          (tally.get(`${p.kind} ${res.statusCode} ${String(body!.code ?? '')}`) ?? 0) + 1,
        );
        if (res.statusCode === 202) {
          // A JSON array or a vendor envelope of several events is answered { accepted, results }.
          const results = Array.isArray(body!.results)
            ? (body!.results as Record<string, unknown>[])
            : [body!];
          for (const r of results) {
            if (typeof r.incident_id !== 'string') failures.push(`202 without incident_id: ${where}`);
            accepted.push(r as (typeof accepted)[number]);
          }
        } else if (res.statusCode >= 400 && res.statusCode < 500) {
          const keys = Object.keys(body!);
          const shapeOk =
            typeof body!.code === 'string' &&
            typeof body!.message === 'string' &&
            body!.request_id === res.headers['x-request-id'] &&
            keys.every((k) => ['code', 'message', 'details', 'request_id'].includes(k));
          if (!shapeOk) failures.push(`undocumented error body: ${where}`);
        } else {
          failures.push(`status ${res.statusCode}: ${where}`);
        }
        if (
          p.expect &&
          (res.statusCode !== p.expect.status || (p.expect.code && body!.code !== p.expect.code))
        ) {
          failures.push(`expected ${p.expect.status} ${p.expect.code ?? ''}: ${where}`);
        }
        if (
          !p.expect &&
          (p.kind === 'valid' || p.kind === 'valid-unique') &&
          res.statusCode !== 202 &&
          body!.code !== 'INVALID_SIGNATURE' &&
          // The same signed request while its twin is still being ingested (plans share a timestamp).
          body!.code !== 'CONFLICT'
        ) {
          failures.push(`a valid fixture was refused: ${where}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `webhook fuzz: ${COUNT} requests in ${seconds.toFixed(1)} s, ${accepted.length} accepted\n` +
        [...tally.entries()]
          .sort()
          .map(([k, n]) => `  ${k}: ${n}`)
          .join('\n'),
    );
    expect(failures.slice(0, 15), `${failures.length} failures`).toEqual([]);

    // The app is still healthy.
    expect((await rt.app.inject('/live')).statusCode).toBe(200);
    expect((await rt.app.inject('/ready')).statusCode).toBe(200);

    // Nothing accepted is lost: the database holds exactly what the 202s said.
    const db = rt.database.primary;
    const incidents = await db.selectFrom('incidents').select(['id', 'occurrence_count']).execute();
    const alerts = await db
      .selectFrom('alerts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const perIncident = new Map<string, number>();
    for (const a of accepted) perIncident.set(a.incident_id, (perIncident.get(a.incident_id) ?? 0) + 1);
    const stored = new Map(incidents.map((i) => [i.id, Number(i.occurrence_count)]));

    expect(accepted.length).toBeGreaterThan(COUNT / 5); // the mix really exercises ingest
    expect(incidents.reduce((s, i) => s + Number(i.occurrence_count), 0)).toBe(accepted.length);
    expect(Number(alerts.n)).toBe(accepted.length);
    expect(incidents.length).toBe(accepted.filter((a) => a.created).length);
    expect(incidents.length).toBe(perIncident.size);
    const missing = [...perIncident.keys()].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    const miscounted = [...perIncident].filter(([id, n]) => stored.get(id) !== n);
    expect(miscounted).toEqual([]);
    // Each 202 reported the count at its own commit: the highest one per incident is the final count.
    const maxReported = new Map<string, number>();
    for (const a of accepted)
      maxReported.set(a.incident_id, Math.max(maxReported.get(a.incident_id) ?? 0, a.occurrence_count));
    expect([...maxReported].filter(([id, n]) => stored.get(id) !== n)).toEqual([]);
  }, 240_000);
});
