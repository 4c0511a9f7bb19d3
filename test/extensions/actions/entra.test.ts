// The Entra ID connector against a loopback Microsoft Graph and its token endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraKind } from '../../../src/extensions/actions/vendors/entra.ts';
import { fakeGraph } from '../../fakes/vendors/graph.ts';
import { action, build, codeOf, signal } from './connector-kit.ts';

const TENANT = '11111111-2222-3333-4444-555555555555';
const fake = fakeGraph({
  tenant: TENANT,
  clientId: 'app',
  clientSecret: 'right-secret',
  users: ['alice@contoso.com', 'bob@contoso.com'],
});
const secrets = { client_id: 'app', client_secret: 'right-secret' };
let config: Record<string, unknown> = {};

beforeAll(async () => {
  const origin = await fake.server.start();
  config = { tenant_id: TENANT, login_url: origin, graph_url: origin };
});
afterAll(() => fake.server.close());

describe('entra connector', () => {
  it('disables an account and re-enables it on rollback', async () => {
    const c = build(entraKind, config, secrets);
    const req = action('disable_user', 'user', 'alice@contoso.com');
    expect(await c.execute(req, signal())).toMatchObject({ ok: true, details: { status: 204 } });
    expect(fake.users.get('alice@contoso.com')!.accountEnabled).toBe(false);
    expect(codeOf(await c.rollback!(req, {}, signal()))).toBe('ok');
    expect(fake.users.get('alice@contoso.com')!.accountEnabled).toBe(true);
  });

  it('revokes sessions; resets MFA by deleting every second factor but not the password', async () => {
    const c = build(entraKind, config, secrets);
    expect(codeOf(await c.execute(action('revoke_sessions', 'user', 'bob@contoso.com'), signal()))).toBe(
      'ok',
    );
    expect(fake.users.get('bob@contoso.com')!.revoked).toBe(1);
    const r = await c.execute(action('reset_mfa', 'user', 'bob@contoso.com'), signal());
    expect(r).toMatchObject({ ok: true, details: { methods_deleted: 2 } });
    expect(fake.users.get('bob@contoso.com')!.methods.map((m) => m.id)).toEqual(['pw']);
    expect(codeOf(await c.rollback!(action('reset_mfa', 'user', 'bob@contoso.com'), {}, signal()))).toBe(
      'UNSUPPORTED',
    );
  });

  it('dry run: the PATCH it would send, no secret, no call', async () => {
    const before = fake.server.requests.length;
    const r = await build(entraKind, config, secrets).dryRun(
      action('disable_user', 'user', 'alice@contoso.com'),
    );
    expect(r).toMatchObject({
      ok: true,
      details: { requests: [{}, { method: 'PATCH', body: { accountEnabled: false } }] },
    });
    expect(JSON.stringify(r)).not.toContain('right-secret');
    expect(fake.server.requests.length).toBe(before);
  });

  it('wrong secret AUTH_FAILED; unknown user NOT_FOUND; expired token refreshed', async () => {
    const bad = build(entraKind, config, { ...secrets, client_secret: 'wrong' });
    expect(codeOf(await bad.execute(action('disable_user', 'user', 'alice@contoso.com'), signal()))).toBe(
      'AUTH_FAILED',
    );
    const c = build(entraKind, config, secrets);
    expect((await c.test(signal())).ok).toBe(true);
    expect(codeOf(await c.execute(action('disable_user', 'user', 'nobody@contoso.com'), signal()))).toBe(
      'NOT_FOUND',
    );
    const issued = fake.tokens.issued;
    fake.tokens.expireAll();
    expect(codeOf(await c.execute(action('enable_user', 'user', 'alice@contoso.com'), signal()))).toBe('ok');
    expect(fake.tokens.issued).toBe(issued + 1);
  });

  it('429 RATE_LIMITED, 5xx VENDOR_ERROR, a cut-off PATCH OUTCOME_UNKNOWN', async () => {
    const c = build(entraKind, config, secrets);
    const patch = (r: { method: string }) => r.method === 'PATCH';
    fake.server.script({ status: 429, headers: { 'retry-after': '9' }, body: {} }, patch);
    expect(await c.execute(action('disable_user', 'user', 'bob@contoso.com'), signal())).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retry_after: 9 },
    });
    fake.server.script({ status: 503, body: {} }, patch);
    expect(codeOf(await c.execute(action('disable_user', 'user', 'bob@contoso.com'), signal()))).toBe(
      'VENDOR_ERROR',
    );
    fake.server.script({ status: 204, delayMs: 600 }, patch);
    expect(await c.execute(action('disable_user', 'user', 'bob@contoso.com'), signal(250))).toMatchObject({
      code: 'OUTCOME_UNKNOWN',
      not_applied: false,
    });
  });
});
