// The generic firewall webhook connector against a loopback receiver that verifies our signature
// scheme and honours Idempotency-Key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firewallWebhookKind } from '../../../src/extensions/actions/vendors/firewall-webhook.ts';
import { fakeFirewall } from '../../fakes/vendors/firewall.ts';
import { action, build, codeOf, signal } from './connector-kit.ts';

const SECRET = 'firewall-shared-secret-0123456789';
const fake = fakeFirewall({ secret: SECRET });
let url = '';

beforeAll(async () => {
  url = `${await fake.server.start()}/hooks/firewall`;
});
afterAll(() => fake.server.close());

describe('firewall_webhook connector', () => {
  it('blocks an IP once per action id (a redelivery is a no-op), unblocks on rollback', async () => {
    const c = build(firewallWebhookKind, { url }, { signing_secret: SECRET });
    const req = action('block_ip', 'ip', '203.0.113.7');
    const r = await c.execute(req, signal());
    expect(r).toMatchObject({ ok: true, vendor_ref: 'r-1', details: { action: 'block', type: 'ip' } });
    const sent = fake.server.requests.at(-1)!;
    expect(sent.headers['idempotency-key']).toBe(req.action_id);
    expect(sent.json).toEqual({
      action: 'block',
      type: 'ip',
      value: '203.0.113.7',
      action_id: req.action_id,
      incident_id: req.incident.id,
    });
    expect(await c.execute(req, signal())).toMatchObject({ ok: true, vendor_ref: 'r-1' });
    expect(fake.applications.filter((a) => a.key === req.action_id)).toHaveLength(1);
    expect(fake.blocked.has('ip:203.0.113.7')).toBe(true);
    expect(codeOf(await c.rollback!(req, {}, signal()))).toBe('ok');
    expect(fake.blocked.has('ip:203.0.113.7')).toBe(false);
    expect(fake.server.requests.at(-1)!.headers['idempotency-key']).toBe(`${req.action_id}:rollback`);
  });

  it('blocks and unblocks domains; a domain action on an IP target is UNSUPPORTED', async () => {
    const c = build(firewallWebhookKind, { url }, { signing_secret: SECRET });
    expect(codeOf(await c.execute(action('block_domain', 'domain', 'evil.example'), signal()))).toBe('ok');
    expect(fake.blocked.has('domain:evil.example')).toBe(true);
    expect(codeOf(await c.execute(action('unblock_domain', 'domain', 'evil.example'), signal()))).toBe('ok');
    expect(fake.blocked.has('domain:evil.example')).toBe(false);
    expect(codeOf(await c.execute(action('block_domain', 'ip', '1.2.3.4'), signal()))).toBe('UNSUPPORTED');
  });

  it('dry run: the signed request with the signature masked; nothing sent', async () => {
    const before = fake.server.requests.length;
    const r = await build(firewallWebhookKind, { url }, { signing_secret: SECRET }).dryRun(
      action('block_ip', 'ip', '198.51.100.1'),
    );
    expect(r).toMatchObject({
      ok: true,
      details: { requests: [{ headers: { 'x-webhook-signature': '[redacted]' } }] },
    });
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(fake.server.requests.length).toBe(before);
  });

  it('a wrong secret is AUTH_FAILED; test() signs a harmless call', async () => {
    const bad = build(firewallWebhookKind, { url }, { signing_secret: 'another-secret-0123456789' });
    expect(codeOf(await bad.execute(action('block_ip', 'ip', '198.51.100.2'), signal()))).toBe('AUTH_FAILED');
    expect((await bad.test(signal())).ok).toBe(false);
    expect((await build(firewallWebhookKind, { url }, { signing_secret: SECRET }).test(signal())).ok).toBe(
      true,
    );
    const wrongPath = build(firewallWebhookKind, { url: `${url}/nope` }, { signing_secret: SECRET });
    expect(codeOf(await wrongPath.execute(action('block_ip', 'ip', '198.51.100.2'), signal()))).toBe(
      'NOT_FOUND',
    );
  });

  it('429 RATE_LIMITED, 5xx VENDOR_ERROR, a cut-off call OUTCOME_UNKNOWN', async () => {
    const c = build(firewallWebhookKind, { url }, { signing_secret: SECRET });
    fake.server.script({ status: 429, headers: { 'retry-after': '2' }, body: {} });
    expect(await c.execute(action('block_ip', 'ip', '198.51.100.3'), signal())).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retry_after: 2 },
    });
    fake.server.script({ status: 500, body: {} });
    expect(codeOf(await c.execute(action('block_ip', 'ip', '198.51.100.3'), signal()))).toBe('VENDOR_ERROR');
    fake.server.script({ status: 200, delayMs: 600, body: {} });
    expect(await c.execute(action('block_ip', 'ip', '198.51.100.3'), signal(250))).toMatchObject({
      code: 'OUTCOME_UNKNOWN',
      not_applied: false,
    });
  });
});
