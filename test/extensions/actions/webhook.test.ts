import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacHex } from '../../../src/core/webhooks/signature.ts';
import { signedWebhookKind } from '../../../src/extensions/actions/vendors/signed-webhook.ts';
import { FakeWebhookReceiver } from '../../fakes/vendors/webhook.ts';
import { actionRequest, guardedDeps, loopbackDeps, never } from '../../fakes/vendors/request.ts';

const fake = new FakeWebhookReceiver({ timestampBound: true });
let origin = '';
const hook = (
  config: Record<string, unknown> = {},
  secret = FakeWebhookReceiver.SECRET,
  deps = loopbackDeps(),
) =>
  signedWebhookKind.create(
    {
      name: 'soar',
      config: { url: `${origin}/hooks/tw`, timeout_ms: 500, ...config },
      secrets: { signing_secret: secret },
      actionTypes: ['notify', 'create_ticket'],
    },
    deps,
  );

beforeAll(async () => {
  origin = await fake.start();
});
afterAll(() => fake.close());

describe('signed webhook connector', () => {
  it('validates url, signature mode and secret', () => {
    expect(signedWebhookKind.validate({}, {}).map((p) => p.field)).toEqual(['url', 'secrets.signing_secret']);
    expect(
      signedWebhookKind.validate(
        { url: 'https://soar.example/h', signature: 'md5' },
        { signing_secret: 'x'.repeat(16) },
      ),
    ).toHaveLength(1);
  });

  it('signs <timestamp>.<body> so our own inbound verifier accepts it; Idempotency-Key = action id', async () => {
    const r = await hook().execute(actionRequest({ action_type: 'create_ticket' }), never());
    expect(r).toMatchObject({ ok: true, vendor_ref: 'T-1', details: { status: 201 } });
    const req = fake.requests.at(-1)!;
    expect(req.headers['idempotency-key']).toBe(actionRequest().action_id);
    const ts = req.headers['x-webhook-timestamp']!;
    expect(req.headers['x-webhook-signature']).toBe(
      `sha256=${hmacHex(FakeWebhookReceiver.SECRET, `${ts}.`, req.body)}`,
    );
    expect(fake.accepted.at(-1)).toMatchObject({
      event: 'triage_warden.action',
      action_type: 'create_ticket',
      incident: { id: 'inc-42' },
    });
  });

  it('the same action twice is one delivery at a deduping receiver', async () => {
    const req = actionRequest({ action_id: 'dup-1' });
    const n = fake.accepted.length;
    const a = await hook().execute(req, never());
    const b = await hook().execute(req, never());
    expect(fake.accepted.length).toBe(n + 1);
    expect(a.ok && b.ok && a.vendor_ref === b.vendor_ref).toBe(true);
  });

  it('body-only mode signs the raw body (refused by a receiver requiring the timestamp binding)', async () => {
    const open = new FakeWebhookReceiver();
    const o = await open.start();
    try {
      const c = signedWebhookKind.create(
        {
          name: 'b',
          config: { url: `${o}/hooks/tw`, signature: 'body' },
          secrets: { signing_secret: FakeWebhookReceiver.SECRET },
          actionTypes: ['notify'],
        },
        loopbackDeps(),
      );
      expect(await c.execute(actionRequest(), never())).toMatchObject({ ok: true });
      const req = open.requests.at(-1)!;
      expect(req.headers['x-webhook-signature']).toBe(
        `sha256=${hmacHex(FakeWebhookReceiver.SECRET, req.body)}`,
      );
    } finally {
      await open.close();
    }
    expect(await hook({ signature: 'body' }).execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
    });
  });

  it('dry run redacts the signature and sends nothing; unsupported types are refused', async () => {
    const n = fake.requests.length;
    const r = await hook().dryRun(actionRequest());
    expect(r).toMatchObject({
      ok: true,
      details: { request: { headers: { 'x-webhook-signature': '[redacted]' } } },
    });
    expect(JSON.stringify(r)).not.toContain(FakeWebhookReceiver.SECRET);
    expect(await hook().execute(actionRequest({ action_type: 'isolate_host' }), never())).toMatchObject({
      ok: false,
      code: 'UNSUPPORTED',
    });
    expect(fake.requests.length).toBe(n);
  });

  it('maps errors: wrong secret 401, 404, 429, 500, hang', async () => {
    expect(await hook({}, 'wrong-secret-0123456').execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
    });
    expect(await hook({ url: `${origin}/nope` }).execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
    });
    fake.inject({ status: 429, headers: { 'retry-after': '12' } });
    expect(await hook().execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      details: { retry_after: 12 },
    });
    fake.inject({ status: 503 });
    expect(await hook().execute(actionRequest(), never())).toMatchObject({ ok: false, code: 'VENDOR_ERROR' });
    fake.inject({ status: 200, hang: true });
    expect(await hook().execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'OUTCOME_UNKNOWN',
      not_applied: false,
    });
  });

  it('test() sends a signed ping; the default policy refuses loopback', async () => {
    expect(await hook().test(never())).toMatchObject({ ok: true });
    expect(fake.requests.at(-1)!.json).toMatchObject({ event: 'ping' });
    const n = fake.requests.length;
    expect(
      await hook({}, FakeWebhookReceiver.SECRET, guardedDeps()).execute(actionRequest(), never()),
    ).toMatchObject({
      ok: false,
      code: 'BLOCKED_URL',
    });
    expect(fake.requests.length).toBe(n);
  });
});
