import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { readLocalSecrets } from '../../src/runtime/local-secrets.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { TEST_ADMIN_KEY, asAdmin } from '../helpers/auth.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

const fixture = (name: string, key: string) =>
  (
    JSON.parse(readFileSync(new URL(`../fixtures/vendors/${name}.json`, import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >
  )[key];

const EXTRA_SECRET = 'extra-source-secret-0123456789abc';
const CROWDSTRIKE_CONFIGURED = 'crowdstrike-configured-secret-0123';
const ENV_SECRET = 'env-source-secret-0123456789abcdef';

/** Embedded mode on disk with ONE extra configured source besides the provisioned local secrets. */
describe('embedded: configured sources merge with the local secrets file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-merge-'));
  let rt: Runtime;
  let local: Record<string, string>;
  const logLines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const config = loadConfig({
      env: { TW_WEBHOOK_SECRET_ACME_ENV: ENV_SECRET },
      overrides: {
        data_dir: dir,
        server: { port: 0, host: '127.0.0.1', instance_id: 'test' },
        logging: { level: 'info' },
        auth: { admin_api_key: TEST_ADMIN_KEY },
        orchestrator: { reconcile_interval: '1h', metrics_interval: '1h', housekeeping_interval: '1h' },
        webhooks: {
          sources: {
            'acme-extra': { secret: EXTRA_SECRET },
            crowdstrike: { secret: CROWDSTRIKE_CONFIGURED },
          },
        },
      },
    });
    const log = pino(
      { level: 'debug' },
      { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    rt = await createRuntime(config, 'all', log);
    await rt.start({ listen: false });
    local = readLocalSecrets(dir)!;
  });
  afterAll(async () => {
    await rt?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(source: string, payload: unknown, secret: string) {
    const body = JSON.stringify(payload);
    return rt.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/${source}`,
      headers: signedHeaders(secret, body),
      payload: body,
    });
  }

  it('the local demo secrets stay valid next to a configured source', async () => {
    expect(local).toBeTruthy();
    for (const [source, file, key] of [
      ['splunk', 'splunk', 'benign_dns'],
      ['okta', 'okta', 'suspicious_login'],
      ['guardduty', 'guardduty', 'ssh_brute_force'],
    ] as const) {
      const res = await post(source, fixture(file, key), local[source]!);
      expect(res.statusCode, `${source}: ${res.body}`).toBe(202);
    }
    const extra = await post('acme-extra', { title: 'extra source alert', severity: 'low' }, EXTRA_SECRET);
    expect(extra.statusCode, extra.body).toBe(202);
  });

  it('per source, the configured secret wins over the local one', async () => {
    const payload = fixture('crowdstrike', 'ransomware');
    expect((await post('crowdstrike', payload, local.crowdstrike!)).statusCode).toBe(401);
    expect((await post('crowdstrike', payload, CROWDSTRIKE_CONFIGURED)).statusCode).toBe(202);
  });

  it('the aliases defender and m365 accept the microsoft-graph secret; the incident source is microsoft-graph', async () => {
    for (const alias of ['defender', 'm365']) {
      const payload = {
        ...(fixture('microsoft-graph', 'phishing') as object),
        id: `alias-${alias}-${Date.now()}`,
      };
      const res = await post(alias, payload, local['microsoft-graph']!);
      expect(res.statusCode, `${alias}: ${res.body}`).toBe(202);
      expect(res.json().incident.source).toBe('microsoft-graph');
    }
  });

  it("an incident's source is the authenticated path's source, never the one the body claims", async () => {
    const res = await post(
      'generic',
      { title: `claims to be crowdstrike ${Date.now()}`, severity: 'high', source: 'crowdstrike' },
      local.generic!,
    );
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().incident.source).toBe('generic');
    const d = (
      await rt.app.inject({ url: `/api/v1/incidents/${res.json().incident_id}`, headers: asAdmin() })
    ).json();
    expect(d.source).toBe('generic');
  });

  it('lists the sources with where they come from (config read-only, local file)', async () => {
    const res = await rt.app.inject({ url: '/api/v1/webhook-sources', headers: asAdmin() });
    expect(res.statusCode).toBe(200);
    const origin = Object.fromEntries(
      res.json().data.map((s: { name: string; origin: string }) => [s.name, s.origin]),
    );
    expect(origin).toMatchObject({ 'acme-extra': 'config', crowdstrike: 'config', splunk: 'local' });
    for (const s of Object.values(local)) expect(res.body).not.toContain(s);
  });

  it('the start log says which sources exist and where each comes from, names only', () => {
    const line = logLines.find((l) => l.msg === 'webhook sources (by where they are configured)');
    expect(line?.sources).toMatchObject({
      config: expect.arrayContaining(['acme-extra', 'crowdstrike']),
      env: ['acme-env'],
      local: expect.arrayContaining(['splunk', 'microsoft-graph', 'generic']),
    });
    const all = JSON.stringify(logLines);
    for (const secret of [EXTRA_SECRET, CROWDSTRIKE_CONFIGURED, ENV_SECRET, ...Object.values(local)])
      expect(all).not.toContain(secret);
  });
});
