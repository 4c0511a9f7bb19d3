// deploy/k6/load-test.js, without a k6 binary: the guide's load shape and thresholds, and one run of
// setup() and two iterations under a small stand-in for the k6 modules (test/deploy/k6-shim/run.mjs)
// against a real server (in-memory PGlite), where every request it makes must succeed with the
// real routes, API key and webhook signature. The routes are the ones the bench scenarios measure.
// This checks the script's shape and requests; it says nothing about load (that is k6's job).
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { TEST_ADMIN_KEY } from '../helpers/auth.ts';
import { startRuntime, testConfig, TEST_SECRETS } from '../helpers/runtime.ts';
import { ROOT, readText } from './helpers.ts';
import { SEED_THRESHOLDS } from './seed.ts';

interface ShimRun {
  options: {
    stages: { duration: string; target: number }[];
    thresholds: Record<string, string[]>;
  };
  setup: { id: string };
  requests: { method: string; url: string; status: number; tags: Record<string, string> }[];
  checks: { name: string; pass: boolean }[];
}

const SCRIPT = join(ROOT, 'deploy/k6/load-test.js');
const seconds = (d: string) => Number(/^(\d+)([sm])$/.exec(d)![1]) * (d.endsWith('m') ? 60 : 1);

describe('k6 load test script', { timeout: 180_000 }, () => {
  let rt: Runtime;
  let run: ShimRun;

  beforeAll(async () => {
    rt = await startRuntime(testConfig(), { listen: true });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'test/deploy/k6-shim/run.mjs'), SCRIPT, '2'],
      {
        env: {
          ...process.env,
          TW_URL: rt.url!,
          TW_API_KEY: TEST_ADMIN_KEY,
          TW_WEBHOOK_SOURCE: 'acme-dlp',
          TW_WEBHOOK_SECRET: TEST_SECRETS['acme-dlp'],
        },
        timeout: 150_000,
      },
    );
    run = JSON.parse(stdout) as ShimRun;
  }, 180_000);
  afterAll(async () => {
    await rt?.stop();
  });

  it("ramps to the guide's 100 VUs over its 5 minutes, with its P99 warning as the threshold", () => {
    const { stages, thresholds } = run.options;
    expect(Math.max(...stages.map((s) => s.target))).toBe(100);
    expect(stages.reduce((sum, s) => sum + seconds(s.duration), 0)).toBe(300);
    expect(stages.at(-1)!.target).toBe(0);
    const p99ms = SEED_THRESHOLDS.http_request_duration_seconds.warning * 1000;
    for (const kind of ['read', 'ingest'])
      expect(thresholds[`http_req_duration{kind:${kind}}`]).toEqual([`p(99)<${p99ms}`]);
    expect(thresholds.http_req_failed).toEqual(['rate<0.01']);
    // The guide's command line names the file.
    expect(readText('docs/SCALING.md')).toContain('k6 run --vus 100 --duration 5m deploy/k6/load-test.js');
  });

  it('every request of setup and two iterations succeeds against the real server, and every check passes', () => {
    expect(run.setup.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.requests).toHaveLength(1 + 2 * 4);
    for (const r of run.requests) expect(r.status, `${r.method} ${r.url}`).toBeLessThan(300);
    expect(run.checks).toHaveLength(2 * 4);
    expect(run.checks.filter((c) => !c.pass)).toEqual([]);
    // The webhooks were signed and created incidents (202 only with a valid signature).
    expect(run.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([202, 202, 202]);
  });

  it('requests the routes the bench scenarios measure', () => {
    const routes = new Set(
      run.requests.map(({ method, url }) => {
        const path = new URL(url).pathname
          .replace(/\/webhooks\/[^/]+$/, '/webhooks/:source')
          .replace(/\/incidents\/[0-9a-f-]{36}$/, '/incidents/:id');
        return `${method} ${path}`;
      }),
    );
    expect([...routes].sort()).toEqual([
      'GET /api/v1/incidents',
      'GET /api/v1/incidents/:id',
      'GET /live',
      'POST /api/v1/webhooks/:source',
    ]);
    const bench = readdirSync(join(ROOT, 'bench/scenarios'))
      .map((f) => readText(`bench/scenarios/${f}`))
      .join('\n');
    for (const route of routes) expect(bench, route).toContain(route.split(' ')[1]!.replace(':source', ''));
  });
});
