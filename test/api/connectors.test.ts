// /api/v1/connectors on the embedded runtime: kinds, create/replace/delete, write-only credentials,
// the SSRF check on URL settings, the test call, and the directory the executor resolves through
// following every change. Who may call what is test/api/authz-matrix.test.ts.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/core/webhooks/secret-box.ts';
import { InProcessEventBus } from '../../src/adapters/in-process/index.ts';
import { openPGliteDatabase } from '../../src/adapters/pglite/pglite.database.ts';
import { migrate } from '../../src/adapters/sql/index.ts';
import { SILENT_LOGGER } from '../../src/ports/index.ts';
import { connectorSecretBox, createConnectors } from '../../src/runtime/connectors.wiring.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';
import { fakeFirewall } from '../fakes/vendors/firewall.ts';
import { action, signal } from '../extensions/actions/connector-kit.ts';

const SECRET = 'firewall-shared-secret-0123456789';
const fake = fakeFirewall({ secret: SECRET });
let rt: Runtime;
let url = '';

const put = (name: string, body: unknown) =>
  rt.app.inject({
    method: 'PUT',
    url: `/api/v1/connectors/${name}`,
    headers: asAdmin(),
    payload: body as object,
  });
const get = (path: string) => rt.app.inject({ method: 'GET', url: `/api/v1${path}`, headers: asAdmin() });

beforeAll(async () => {
  const port = new URL(await fake.server.start()).port;
  url = `http://127.0.0.1:${port}/hooks/firewall`;
  rt = await startRuntime(
    testConfig({ response: { outbound: { allow_http: true, allow_hosts: ['127.0.0.1/32'] } } }),
  );
}, 60_000);
afterAll(async () => {
  await rt?.stop();
  await fake.server.close();
});

describe('/api/v1/connectors', () => {
  it('lists every response kind with its settings, credential names and action types', async () => {
    const res = await get('/connectors/kinds');
    expect(res.statusCode).toBe(200);
    const kinds = (
      res.json() as { data: { kind: string; secrets: { name: string }[]; action_types: string[] }[] }
    ).data;
    for (const k of ['crowdstrike', 'defender', 'graph_mail', 'okta', 'entra', 'firewall_webhook'])
      expect(kinds.map((x) => x.kind)).toContain(k);
    expect(kinds.find((k) => k.kind === 'crowdstrike')).toMatchObject({
      action_types: ['isolate_host', 'unisolate_host'],
      secrets: [{ name: 'client_id' }, { name: 'client_secret' }],
    });
  });

  it('creates (201) and replaces (200) a connector; credentials are never returned; the directory runs it', async () => {
    const created = await put('edge-fw', {
      kind: 'firewall_webhook',
      config: { url },
      secrets: { signing_secret: SECRET },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.body).not.toContain(SECRET);
    expect(created.json()).toMatchObject({
      name: 'edge-fw',
      secrets_set: ['signing_secret'],
      action_types: ['block_ip', 'unblock_ip', 'block_domain', 'unblock_domain'],
      enabled: true,
      dry_run: false,
      version: 1,
      updated_by: expect.stringContaining('api_key'),
    });
    // A replace without secrets keeps the stored credential: the connector still signs correctly.
    const replaced = await put('edge-fw', {
      kind: 'firewall_webhook',
      config: { url },
      action_types: ['block_ip'],
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({
      version: 2,
      action_types: ['block_ip'],
      secrets_set: ['signing_secret'],
    });
    expect((await get('/connectors')).json().data.map((c: { name: string }) => c.name)).toEqual(['edge-fw']);
    expect((await get('/connectors/edge-fw')).body).not.toContain(SECRET);

    const resolved = await eventually(async () => {
      const r = await rt.connectors.directory.resolve('block_ip');
      return r.connector && r.connector.actionTypes.length === 1 ? r : null;
    }, 'the directory to follow the change');
    const r = await resolved.connector!.execute(action('block_ip', 'ip', '203.0.113.9'), signal());
    expect(r).toMatchObject({ ok: true });
    expect(fake.blocked.has('ip:203.0.113.9')).toBe(true);
    expect(await rt.connectors.directory.resolve('block_domain')).toMatchObject({
      connector: null,
      reason: 'no enabled connector runs block_domain',
    });
  });

  it('the test call answers ok, or ok: false (200) when the vendor refuses', async () => {
    const ok = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/connectors/edge-fw/test',
      headers: asAdmin(),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true });
    await put('bad-fw', {
      kind: 'firewall_webhook',
      config: { url },
      secrets: { signing_secret: 'not-the-right-one-000' },
    });
    const bad = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/connectors/bad-fw/test',
      headers: asAdmin(),
    });
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toMatchObject({ ok: false, message: expect.stringContaining('401') });
    expect(bad.body).not.toContain('not-the-right-one');
    const missing = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/connectors/nope/test',
      headers: asAdmin(),
    });
    expect(missing.statusCode).toBe(404);
  });

  it('several connectors for one type: resolve asks for a name; by name it finds the one', async () => {
    const both = await eventually(async () => {
      const r = await rt.connectors.directory.resolve('block_ip');
      return r.connector === null ? r : null;
    }, 'two connectors for block_ip');
    expect(both).toMatchObject({ reason: expect.stringContaining('bad-fw, edge-fw') });
    expect((await rt.connectors.directory.resolve('block_ip', 'edge-fw')).connector?.name).toBe('edge-fw');
    expect(await rt.connectors.directory.resolve('isolate_host', 'edge-fw')).toMatchObject({
      connector: null,
    });
  });

  it('refuses SSRF targets (400 BLOCKED_URL), unknown kinds and settings (400), bad names (400)', async () => {
    for (const bad of [
      'http://10.0.0.5/hook',
      'http://169.254.169.254/latest',
      'http://[::ffff:7f00:2]/x',
      'ftp://x.example/',
    ])
      expect(
        (
          await put('ssrf', {
            kind: 'firewall_webhook',
            config: { url: bad },
            secrets: { signing_secret: SECRET },
          })
        ).json(),
        bad,
      ).toMatchObject({ code: 'BLOCKED_URL' });
    expect((await put('x', { kind: 'nope', config: {} })).json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await put('x', { kind: 'okta', config: { org_url: url, extra: 1 } })).statusCode).toBe(400);
    expect((await put('Bad_Name', { kind: 'okta', config: {} })).statusCode).toBe(400);
    expect((await put('x', { kind: 'okta', config: { org_url: url } })).json()).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { problems: [{ field: 'secrets.api_token' }] },
    });
    expect((await get('/connectors/ssrf')).statusCode).toBe(404);
  });

  it('deletes (204, then 404) and the directory forgets it', async () => {
    for (const name of ['edge-fw', 'bad-fw'])
      expect(
        (await rt.app.inject({ method: 'DELETE', url: `/api/v1/connectors/${name}`, headers: asAdmin() }))
          .statusCode,
      ).toBe(204);
    expect(
      (await rt.app.inject({ method: 'DELETE', url: '/api/v1/connectors/edge-fw', headers: asAdmin() }))
        .statusCode,
    ).toBe(404);
    await eventually(
      async () =>
        (await rt.connectors.directory.resolve('block_ip')).connector === null &&
        (await rt.connectors.directory.resolve('block_ip', 'edge-fw')).connector === null,
      'the directory to drop them',
    );
  });
});

describe('connector encryption key', () => {
  it('prefers response.connectors.encryption_key, keeps the webhook key for rows sealed under it', () => {
    const own = randomBytes(32).toString('base64');
    const webhook = randomBytes(32).toString('hex');
    const { box } = connectorSecretBox(
      testConfig({
        response: { connectors: { encryption_key: own } },
        webhooks: { encryption_key: webhook },
      }),
    );
    const old = new SecretBox(Buffer.from(webhook, 'hex')).seal('x', 'tw-connector:a');
    expect(box!.open(old, 'tw-connector:a')).toBe('x');
    expect(box!.keyId).toBe(new SecretBox(Buffer.from(own, 'base64')).keyId);
  });

  it('falls back to webhooks.encryption_key; distributed mode without a key has none (and starts)', () => {
    const webhook = randomBytes(32).toString('hex');
    expect(connectorSecretBox(testConfig({ webhooks: { encryption_key: webhook } })).origin).toBe('webhooks');
    expect(
      connectorSecretBox(testConfig({ database: { primary_url: 'postgres://u@127.0.0.1:1/x' } })),
    ).toEqual({
      box: null,
      origin: 'none',
    });
    expect(connectorSecretBox(testConfig()).origin).toBe('memory');
  });

  it('distributed mode without a key still wires up; credentials answer 409 ENCRYPTION_KEY_MISSING', async () => {
    const db = await openPGliteDatabase(null);
    await migrate(db);
    const bus = new InProcessEventBus();
    try {
      const config = testConfig({ database: { primary_url: 'postgres://u@127.0.0.1:1/x' } });
      const c = await createConnectors(config, db, bus, SILENT_LOGGER);
      await expect(
        c.service.put(
          'fw',
          {
            kind: 'firewall_webhook',
            config: { url: 'https://fw.example/h' },
            secrets: { signing_secret: SECRET },
          },
          'u',
        ),
      ).rejects.toMatchObject({
        code: 'ENCRYPTION_KEY_MISSING',
        message: expect.stringContaining('encryption_key'),
      });
      expect(await c.directory.resolve('block_ip')).toMatchObject({ connector: null });
      c.stop();
    } finally {
      await bus.close();
      await db.close();
    }
  });
});
