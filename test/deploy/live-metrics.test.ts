// The names deploy/ relies on (metrics.json, which metrics.test.ts ties to every rule, adapter rule,
// HPA and dashboard query) are the names a running instance really exposes: scrape one.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { TEST_SECRETS, eventually, startRuntime } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';
import { asAdmin } from '../helpers/auth.ts';

interface MetricsFile {
  metrics: { name: string; type: string; labels: string[]; scope: string; roles: string[] }[];
  external: { names: string[]; prefixes: string[] };
}
const file = JSON.parse(readFileSync('deploy/metrics.json', 'utf8')) as MetricsFile;

let rt: Runtime;
let scrape: string;
beforeAll(async () => {
  rt = await startRuntime();
  const payload = JSON.parse(readFileSync('test/fixtures/vendors/okta.json', 'utf8')).suspicious_login;
  const body = JSON.stringify(payload);
  const res = await rt.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/okta',
    headers: signedHeaders(TEST_SECRETS.okta, body, { noTimestamp: true }),
    payload: body,
  });
  const id = res.json().incident_id;
  await eventually(
    async () => (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json().verdict,
    'verdict',
  );
  await rt.leaderJobs!.aggregate();
  scrape = (await rt.app.inject('/metrics')).body;
});
afterAll(async () => rt?.stop());

const exposed = () =>
  new Map([...scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const));

describe('a live scrape of `start` matches deploy/metrics.json', () => {
  it('every listed metric is exposed with its type', () => {
    const live = exposed();
    const missing = file.metrics
      .filter((m) => m.roles.includes('start') && !live.has(m.name))
      .map((m) => m.name);
    expect(missing).toEqual([]);
    for (const m of file.metrics) if (live.has(m.name)) expect(live.get(m.name), m.name).toBe(m.type);
  });

  it('every exposed metric is listed (or is a prom-client default)', () => {
    const unlisted = [...exposed().keys()].filter(
      (n) => !file.metrics.some((m) => m.name === n) && !file.external.prefixes.some((p) => n.startsWith(p)),
    );
    expect(unlisted).toEqual([]);
  });

  it('seed metrics carry values after traffic', () => {
    expect(scrape).toMatch(
      /^http_request_duration_seconds_bucket\{.*route="\/api\/v1\/webhooks\/:source".*status_code="202"/m,
    );
    expect(scrape).toMatch(/^http_requests_per_second \d/m);
    expect(scrape).toMatch(/^cpu_usage_percent \d/m);
    expect(scrape).toMatch(/^memory_usage_percent \d/m);
    expect(scrape).toMatch(/^incident_queue_depth 0$/m);
    expect(scrape).toMatch(/^db_connection_pool_waiting\{pool="primary"\} 0$/m);
    expect(scrape).toMatch(/^tw_incidents_ingested_total\{source="okta",result="created"\} 1$/m);
    expect(scrape).toMatch(/^tw_leader 1$/m);
    expect(scrape).toMatch(/^tw_incidents\{status="pending_review"\} 1$/m);
  });
});
