// The CrowdStrike connector against a loopback Falcon API: token flow and refresh, containment,
// dry run, rollback, and each failure mapped to its ConnectorResult code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crowdstrikeKind } from '../../../src/extensions/actions/vendors/crowdstrike.ts';
import { fakeCrowdStrike } from '../../fakes/vendors/crowdstrike.ts';
import { action, build, codeOf, signal } from './connector-kit.ts';

const secrets = { client_id: 'cid', client_secret: 'right-secret' };
const fake = fakeCrowdStrike({
  clientId: 'cid',
  clientSecret: 'right-secret',
  hosts: { 'FIN-LT-0417': 'dev-0417', 'HR-PC-1': 'dev-hr1' },
});
let origin = '';

beforeAll(async () => {
  origin = await fake.server.start();
});
afterAll(() => fake.server.close());

describe('crowdstrike connector', () => {
  it('contains a host found by hostname, once, and lifts containment on rollback', async () => {
    const c = build(crowdstrikeKind, { base_url: origin }, secrets);
    const req = action('isolate_host', 'host', 'FIN-LT-0417');
    const r = await c.execute(req, signal());
    expect(r).toMatchObject({
      ok: true,
      vendor_ref: 'dev-0417',
      details: { status: 202, action_name: 'contain' },
    });
    expect(fake.contained.has('dev-0417')).toBe(true);
    const lookup = fake.server.calls('GET', '/devices/queries/devices/v1').at(-1)!;
    expect(lookup.query.get('filter')).toBe("hostname:'FIN-LT-0417'");
    expect(JSON.stringify(r)).not.toContain('tok-');
    const undo = await c.rollback!(req, r.ok ? r.details : {}, signal());
    expect(codeOf(undo)).toBe('ok');
    expect(fake.contained.has('dev-0417')).toBe(false);
    expect(fake.actions.slice(-2)).toEqual([
      { action: 'contain', id: 'dev-0417' },
      { action: 'lift_containment', id: 'dev-0417' },
    ]);
    // One token for all four calls.
    expect(fake.tokens.issued).toBe(1);
  });

  it('dry run shows the requests without any credential and calls nothing', async () => {
    const before = fake.server.requests.length;
    const c = build(crowdstrikeKind, { base_url: origin }, secrets);
    const r = await c.dryRun(action('unisolate_host', 'host', 'HR-PC-1'));
    expect(r.ok).toBe(true);
    const text = JSON.stringify(r);
    expect(text).toContain('action_name=lift_containment');
    expect(text).not.toContain('right-secret');
    expect(fake.server.requests.length).toBe(before);
  });

  it('fetches a new token when the vendor expires the old one', async () => {
    const c = build(crowdstrikeKind, { base_url: origin }, secrets);
    expect(codeOf(await c.execute(action('isolate_host', 'host', 'HR-PC-1'), signal()))).toBe('ok');
    const issued = fake.tokens.issued;
    fake.tokens.expireAll();
    expect(codeOf(await c.execute(action('unisolate_host', 'host', 'HR-PC-1'), signal()))).toBe('ok');
    expect(fake.tokens.issued).toBe(issued + 1);
  });

  it('parallel calls on a fresh connector share one token request', async () => {
    const c = build(crowdstrikeKind, { base_url: origin }, secrets);
    const issued = fake.tokens.issued;
    const results = await Promise.all([c.test(signal()), c.test(signal()), c.test(signal())]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fake.tokens.issued).toBe(issued + 1);
  });

  it('a wrong secret is AUTH_FAILED and nothing is contained', async () => {
    const n = fake.actions.length;
    const c = build(crowdstrikeKind, { base_url: origin }, { ...secrets, client_secret: 'wrong-secret' });
    const r = await c.execute(action('isolate_host', 'host', 'FIN-LT-0417'), signal());
    expect(r).toMatchObject({ ok: false, code: 'AUTH_FAILED', not_applied: true });
    expect(JSON.stringify(r)).not.toContain('wrong-secret');
    expect(fake.actions.length).toBe(n);
    expect((await c.test(signal())).ok).toBe(false);
    expect((await build(crowdstrikeKind, { base_url: origin }, secrets).test(signal())).ok).toBe(true);
  });

  it('an unknown host is NOT_FOUND; a hostname with a quote is refused before any call', async () => {
    const c = build(crowdstrikeKind, { base_url: origin }, secrets);
    expect(await c.execute(action('isolate_host', 'host', 'NO-SUCH-HOST'), signal())).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
      not_applied: true,
    });
    const before = fake.server.requests.length;
    expect(codeOf(await c.execute(action('isolate_host', 'host', "x' or hostname:'*"), signal()))).toBe(
      'REJECTED',
    );
    expect(fake.server.requests.length).toBe(before);
    expect(codeOf(await c.execute(action('isolate_host', 'ip', '10.0.0.1'), signal()))).toBe('UNSUPPORTED');
  });

  it('429 is RATE_LIMITED with Retry-After; 5xx is VENDOR_ERROR', async () => {
    const c = build(crowdstrikeKind, { base_url: origin }, secrets);
    const isAction = (r: { path: string }) => r.path === '/devices/entities/devices-actions/v2';
    fake.server.script(
      { status: 429, headers: { 'retry-after': '17' }, body: { errors: [{ code: 429 }] } },
      isAction,
    );
    expect(await c.execute(action('isolate_host', 'host', 'HR-PC-1'), signal())).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      not_applied: true,
      details: { retry_after: 17 },
    });
    fake.server.script({ status: 503, body: { errors: [{ code: 503 }] } }, isAction);
    expect(await c.execute(action('isolate_host', 'host', 'HR-PC-1'), signal())).toMatchObject({
      ok: false,
      code: 'VENDOR_ERROR',
    });
  });

  it('a containment call cut off by the timeout is OUTCOME_UNKNOWN; a lookup cut off is TIMEOUT, not applied', async () => {
    const c = build(crowdstrikeKind, { base_url: origin }, secrets);
    await c.test(signal()); // token cached
    fake.server.script(
      { status: 202, delayMs: 600, body: {} },
      (r) => r.path === '/devices/entities/devices-actions/v2',
    );
    expect(await c.execute(action('isolate_host', 'host', 'HR-PC-1'), signal(250))).toMatchObject({
      ok: false,
      code: 'OUTCOME_UNKNOWN',
      not_applied: false,
    });
    fake.server.script(
      { status: 200, delayMs: 600, body: {} },
      (r) => r.path === '/devices/queries/devices/v1',
    );
    expect(await c.execute(action('isolate_host', 'host', 'HR-PC-1'), signal(250))).toMatchObject({
      ok: false,
      code: 'TIMEOUT',
      not_applied: true,
    });
  });
});
