// The Defender for Endpoint connector against a loopback Defender API and Entra token endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defenderKind } from '../../../src/extensions/actions/vendors/defender.ts';
import { fakeDefender } from '../../fakes/vendors/defender.ts';
import { action, build, codeOf, signal } from './connector-kit.ts';

const TENANT = 'contoso.onmicrosoft.com';
const fake = fakeDefender({
  tenant: TENANT,
  clientId: 'app-id',
  clientSecret: 'right-secret',
  machines: { 'fin-lt-0417.contoso.local': 'm-0417', 'hr-pc-1.contoso.local': 'm-hr1' },
});
let config: Record<string, unknown> = {};
const secrets = { client_id: 'app-id', client_secret: 'right-secret' };

beforeAll(async () => {
  const origin = await fake.server.start();
  config = { tenant_id: TENANT, login_url: origin, api_url: origin };
});
afterAll(() => fake.server.close());

describe('defender connector', () => {
  it('isolates a machine found by DNS name with our comment, and unisolates on rollback', async () => {
    const c = build(defenderKind, config, secrets);
    const req = action('isolate_host', 'host', 'FIN-LT-0417.contoso.local');
    const r = await c.execute(req, signal());
    expect(r).toMatchObject({
      ok: true,
      vendor_ref: 'ma-1',
      details: { machine_id: 'm-0417', verb: 'isolate' },
    });
    expect(fake.actions[0]!.body).toEqual({
      Comment: expect.stringContaining(req.action_id),
      IsolationType: 'Full',
    });
    expect(fake.isolated.has('m-0417')).toBe(true);
    expect(codeOf(await c.rollback!(req, {}, signal()))).toBe('ok');
    expect(fake.isolated.has('m-0417')).toBe(false);
    expect(fake.tokens.issued).toBe(1);
  });

  it('dry run shows the calls, redacts the client secret and sends nothing', async () => {
    const before = fake.server.requests.length;
    const c = build(defenderKind, { ...config, isolation_type: 'Selective' }, secrets);
    const r = await c.dryRun(action('isolate_host', 'host', 'hr-pc-1.contoso.local'));
    const text = JSON.stringify(r);
    expect(text).toContain('Selective');
    expect(text).toContain('/oauth2/v2.0/token');
    expect(text).not.toContain('right-secret');
    expect(fake.server.requests.length).toBe(before);
  });

  it('a second isolate is REJECTED by the vendor; an expired token is refreshed', async () => {
    const c = build(defenderKind, config, secrets);
    const req = action('isolate_host', 'host', 'hr-pc-1.contoso.local');
    expect(codeOf(await c.execute(req, signal()))).toBe('ok');
    fake.tokens.expireAll();
    expect(await c.execute(req, signal())).toMatchObject({ ok: false, code: 'REJECTED', not_applied: true });
    await c.rollback!(req, {}, signal());
  });

  it('a wrong secret is AUTH_FAILED; an unknown machine is NOT_FOUND', async () => {
    const bad = build(defenderKind, config, { ...secrets, client_secret: 'nope-nope' });
    expect(
      await bad.execute(action('isolate_host', 'host', 'hr-pc-1.contoso.local'), signal()),
    ).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
    });
    expect((await bad.test(signal())).ok).toBe(false);
    const c = build(defenderKind, config, secrets);
    expect((await c.test(signal())).ok).toBe(true);
    expect(codeOf(await c.execute(action('isolate_host', 'host', "x' or 1 eq 1"), signal()))).toBe(
      'NOT_FOUND',
    );
  });

  it('429 RATE_LIMITED with Retry-After, 5xx VENDOR_ERROR, a cut-off isolate OUTCOME_UNKNOWN', async () => {
    const c = build(defenderKind, config, secrets);
    const isolate = (r: { path: string }) => r.path.endsWith('/isolate');
    fake.server.script(
      { status: 429, headers: { 'retry-after': '30' }, body: { error: { code: 'TooManyRequests' } } },
      isolate,
    );
    expect(await c.execute(action('isolate_host', 'host', 'hr-pc-1.contoso.local'), signal())).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retry_after: 30 },
    });
    fake.server.script({ status: 500, body: { error: { code: 'InternalServerError' } } }, isolate);
    expect(codeOf(await c.execute(action('isolate_host', 'host', 'hr-pc-1.contoso.local'), signal()))).toBe(
      'VENDOR_ERROR',
    );
    fake.server.script({ status: 201, delayMs: 600, body: {} }, isolate);
    expect(
      await c.execute(action('isolate_host', 'host', 'hr-pc-1.contoso.local'), signal(250)),
    ).toMatchObject({
      code: 'OUTCOME_UNKNOWN',
      not_applied: false,
    });
  });
});
