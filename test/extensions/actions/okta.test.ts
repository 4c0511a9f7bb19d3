// The Okta connector against a loopback Okta org (SSWS token, lifecycle rules, error envelope).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oktaKind } from '../../../src/extensions/actions/vendors/okta.ts';
import { fakeOkta } from '../../fakes/vendors/okta.ts';
import { action, build, codeOf, signal } from './connector-kit.ts';

const fake = fakeOkta({
  apiToken: '00right-token',
  users: [
    { id: '00u1', login: 'alice@acme.com' },
    { id: '00u2', login: 'bob@acme.com' },
  ],
});
let org = '';
const secrets = { api_token: '00right-token' };

beforeAll(async () => {
  org = await fake.server.start();
});
afterAll(() => fake.server.close());

describe('okta connector', () => {
  it('suspends a user found by login, re-enables on rollback; a repeat changes nothing', async () => {
    const c = build(oktaKind, { org_url: org }, secrets);
    const req = action('disable_user', 'user', 'alice@acme.com');
    expect(await c.execute(req, signal())).toMatchObject({
      ok: true,
      vendor_ref: '00u1',
      details: { status: 200 },
    });
    expect(fake.users.get('00u1')!.status).toBe('SUSPENDED');
    const suspends = fake.server.calls('POST', '/api/v1/users/00u1/lifecycle/suspend').length;
    expect(await c.execute(req, signal())).toMatchObject({ ok: true, details: { already: true } });
    expect(fake.server.calls('POST', '/api/v1/users/00u1/lifecycle/suspend').length).toBe(suspends);
    expect(codeOf(await c.rollback!(req, {}, signal()))).toBe('ok');
    expect(fake.users.get('00u1')!.status).toBe('ACTIVE');
  });

  it('revokes sessions and resets factors; neither can be rolled back', async () => {
    const c = build(oktaKind, { org_url: org }, secrets);
    const revoke = action('revoke_sessions', 'user', 'bob@acme.com');
    expect(codeOf(await c.execute(revoke, signal()))).toBe('ok');
    expect(fake.users.get('00u2')!.sessions).toBe(0);
    expect(codeOf(await c.execute(action('reset_mfa', 'email', 'bob@acme.com'), signal()))).toBe('ok');
    expect(fake.users.get('00u2')!.factors).toBe(0);
    expect(codeOf(await c.rollback!(revoke, {}, signal()))).toBe('UNSUPPORTED');
  });

  it('dry run redacts the token and calls nothing', async () => {
    const before = fake.server.requests.length;
    const r = await build(oktaKind, { org_url: org }, secrets).dryRun(
      action('reset_mfa', 'user', 'bob@acme.com'),
    );
    expect(JSON.stringify(r)).toContain('lifecycle/reset_factors');
    expect(JSON.stringify(r)).not.toContain('00right-token');
    expect(fake.server.requests.length).toBe(before);
  });

  it('a wrong token is AUTH_FAILED; an unknown user NOT_FOUND', async () => {
    const bad = build(oktaKind, { org_url: org }, { api_token: 'wrong' });
    expect(await bad.execute(action('disable_user', 'user', 'alice@acme.com'), signal())).toMatchObject({
      code: 'AUTH_FAILED',
      not_applied: true,
    });
    expect((await bad.test(signal())).ok).toBe(false);
    const c = build(oktaKind, { org_url: org }, secrets);
    expect((await c.test(signal())).ok).toBe(true);
    expect(codeOf(await c.execute(action('disable_user', 'user', 'nobody@acme.com'), signal()))).toBe(
      'NOT_FOUND',
    );
  });

  it('429 RATE_LIMITED, 5xx VENDOR_ERROR, a cut-off call OUTCOME_UNKNOWN', async () => {
    const c = build(oktaKind, { org_url: org }, secrets);
    const sessions = (r: { path: string; method: string }) => r.method === 'DELETE';
    fake.server.script(
      { status: 429, headers: { 'retry-after': '5' }, body: { errorCode: 'E0000047' } },
      sessions,
    );
    expect(await c.execute(action('revoke_sessions', 'user', 'bob@acme.com'), signal())).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retry_after: 5 },
    });
    // Okta's own rate-limit answer carries X-Rate-Limit-Reset (epoch seconds) and no Retry-After.
    fake.server.script(
      { status: 429, headers: { 'x-rate-limit-reset': '1767225600' }, body: { errorCode: 'E0000047' } },
      sessions,
    );
    expect(await c.execute(action('revoke_sessions', 'user', 'bob@acme.com'), signal())).toMatchObject({
      code: 'RATE_LIMITED',
      not_applied: true,
      details: { rate_limit_reset: 1767225600 },
    });
    fake.server.script({ status: 502, body: {} }, sessions);
    expect(codeOf(await c.execute(action('revoke_sessions', 'user', 'bob@acme.com'), signal()))).toBe(
      'VENDOR_ERROR',
    );
    fake.server.script({ status: 204, delayMs: 600 }, sessions);
    expect(await c.execute(action('revoke_sessions', 'user', 'bob@acme.com'), signal(250))).toMatchObject({
      code: 'OUTCOME_UNKNOWN',
      not_applied: false,
    });
  });
});
