import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pagerdutyKind } from '../../../src/extensions/actions/vendors/pagerduty.ts';
import { FakePagerDuty } from '../../fakes/vendors/pagerduty.ts';
import { actionRequest, guardedDeps, HOSTILE, loopbackDeps, never } from '../../fakes/vendors/request.ts';

const fake = new FakePagerDuty();
let origin = '';
const pd = (config: Record<string, unknown> = {}, key = FakePagerDuty.ROUTING_KEY, deps = loopbackDeps()) =>
  pagerdutyKind.create(
    {
      name: 'pd',
      config: { base_url: origin, timeout_ms: 500, ...config },
      secrets: { routing_key: key },
      actionTypes: ['notify'],
    },
    deps,
  );

beforeAll(async () => {
  origin = await fake.start();
});
afterAll(() => fake.close());

describe('pagerduty connector', () => {
  it('validates the routing key and dedup_by', () => {
    expect(pagerdutyKind.validate({}, {})).toEqual([
      { field: 'secrets.routing_key', message: 'is required' },
    ]);
    expect(pagerdutyKind.validate({ dedup_by: 'x' }, { routing_key: 'short' }).map((p) => p.field)).toEqual([
      'secrets.routing_key',
      'dedup_by',
    ]);
    expect(pagerdutyKind.validate({}, { routing_key: FakePagerDuty.ROUTING_KEY })).toEqual([]);
  });

  it('triggers an alert keyed by the incident; the same action twice folds into one alert', async () => {
    const r1 = await pd().execute(actionRequest(), never());
    const r2 = await pd().execute(actionRequest(), never());
    expect(r1).toMatchObject({ ok: true, vendor_ref: 'tw-inc-42', details: { status: 202 } });
    expect(r2).toMatchObject({ ok: true, vendor_ref: 'tw-inc-42' });
    expect(fake.alerts.get('tw-inc-42')).toMatchObject({ status: 'triggered', triggers: 2 });
    const ev = fake.requests.at(-1)!.json as {
      payload: { severity: string; custom_details: { action_id: string } };
    };
    expect(ev.payload.severity).toBe('error');
    expect(ev.payload.custom_details.action_id).toBe(actionRequest().action_id);
  });

  it('dedup_by action keys by the action id; rollback resolves the same alert', async () => {
    const req = actionRequest({ action_id: 'a-rollback-1' });
    expect(await pd({ dedup_by: 'action' }).execute(req, never())).toMatchObject({
      ok: true,
      vendor_ref: 'tw-a-rollback-1',
    });
    expect(await pd({ dedup_by: 'action' }).rollback!(req, {}, never())).toMatchObject({
      ok: true,
      details: { event_action: 'resolve' },
    });
    expect(fake.alerts.get('tw-a-rollback-1')?.status).toBe('resolved');
  });

  it('dry run redacts the routing key and sends nothing', async () => {
    const n = fake.requests.length;
    const r = await pd().dryRun(actionRequest({ title: HOSTILE }));
    expect(fake.requests.length).toBe(n);
    expect(JSON.stringify(r)).not.toContain(FakePagerDuty.ROUTING_KEY);
    expect(r).toMatchObject({
      ok: true,
      details: { request: { body: { routing_key: '[redacted]', event_action: 'trigger' } } },
    });
  });

  it('maps errors: bad routing key 400, 429 with Retry-After, 500, hang', async () => {
    expect(await pd({}, 'X'.repeat(32)).execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'REJECTED',
      not_applied: true,
    });
    fake.inject({ status: 429, headers: { 'retry-after': '60' }, body: { status: 'throttle event' } });
    expect(await pd().execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      details: { retry_after: 60 },
    });
    fake.inject({ status: 500, body: {} });
    expect(await pd().execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'VENDOR_ERROR',
      not_applied: false,
    });
    fake.inject({ status: 202, hang: true });
    expect(await pd().execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'OUTCOME_UNKNOWN',
    });
  });

  it('summary is one line; test() acknowledges an unknown key and opens nothing', async () => {
    await pd().execute(
      actionRequest({ action_id: 'multi', title: 'a\nb\r\nc', parameters: { message: 'x\ny' } }),
      never(),
    );
    const ev = fake.requests.at(-1)!.json as { payload: { summary: string } };
    expect(ev.payload.summary).not.toMatch(/[\r\n]/);
    const open = fake.alerts.size;
    expect(await pd().test(never())).toMatchObject({ ok: true });
    expect(fake.alerts.size).toBe(open);
    expect(await pd({}, 'X'.repeat(32)).test(never())).toMatchObject({ ok: false });
  });

  it('the default SSRF policy refuses loopback', async () => {
    const n = fake.requests.length;
    expect(
      await pd({}, FakePagerDuty.ROUTING_KEY, guardedDeps()).execute(actionRequest(), never()),
    ).toMatchObject({
      ok: false,
      code: 'BLOCKED_URL',
    });
    expect(fake.requests.length).toBe(n);
  });
});
