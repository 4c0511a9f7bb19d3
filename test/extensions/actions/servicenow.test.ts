import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicenowKind } from '../../../src/extensions/actions/vendors/servicenow.ts';
import { FakeServiceNow } from '../../fakes/vendors/servicenow.ts';
import { actionRequest, guardedDeps, loopbackDeps, never } from '../../fakes/vendors/request.ts';

const fake = new FakeServiceNow();
let origin = '';
const BASIC = { username: FakeServiceNow.USER, password: FakeServiceNow.PASSWORD };
const OAUTH = { client_id: FakeServiceNow.CLIENT_ID, client_secret: FakeServiceNow.CLIENT_SECRET };
const sn = (secrets: Record<string, string> = BASIC, deps = loopbackDeps()) =>
  servicenowKind.create(
    {
      name: 'snow',
      config: { instance_url: origin, timeout_ms: 500, assignment_group: 'SOC' },
      secrets,
      actionTypes: ['create_ticket', 'update_ticket'],
    },
    deps,
  );
const ticket = (action_id: string, over: Parameters<typeof actionRequest>[0] = {}) =>
  actionRequest({
    action_id,
    action_type: 'create_ticket',
    target: { type: 'ticket', value: 'new' },
    parameters: {},
    ...over,
  });
const update = (
  action_id: string,
  value: string,
  parameters: Record<string, unknown> = { message: 'Host isolated' },
) =>
  actionRequest({ action_id, action_type: 'update_ticket', target: { type: 'ticket', value }, parameters });

beforeAll(async () => {
  origin = await fake.start();
});
afterAll(() => fake.close());

describe('servicenow connector', () => {
  it('validates the instance URL and credentials', () => {
    expect(servicenowKind.validate({}, {}).map((p) => p.field)).toEqual(['instance_url', 'secrets.password']);
    expect(
      servicenowKind
        .validate({ instance_url: 'https://acme.service-now.com' }, { client_id: 'x' })
        .map((p) => p.field),
    ).toEqual(['secrets.client_secret']);
    expect(servicenowKind.validate({ instance_url: 'https://acme.service-now.com' }, BASIC)).toEqual([]);
  });

  it('creates an incident with correlation_id = action id; the same action twice is one incident', async () => {
    const n = fake.incidents.size;
    const a = await sn().execute(ticket('sn-1'), never());
    const b = await sn().execute(ticket('sn-1'), never());
    expect(a).toMatchObject({
      ok: true,
      vendor_ref: expect.stringMatching(/^INC\d+$/),
      details: { deduplicated: false, status: 201 },
    });
    expect(b).toMatchObject({ ok: true, details: { deduplicated: true } });
    expect(a.ok && b.ok && a.vendor_ref === b.vendor_ref).toBe(true);
    expect(fake.incidents.size).toBe(n + 1);
    const inc = [...fake.incidents.values()].at(-1)!;
    expect(inc.fields).toMatchObject({
      correlation_id: 'sn-1',
      correlation_display: 'Triage Warden',
      urgency: '1',
      impact: '2',
      assignment_group: 'SOC',
    });
  });

  it('update_ticket by number or sys_id adds a work note and sets state', async () => {
    const first = [...fake.incidents.values()][0]!;
    expect(
      await sn().execute(update('sn-u1', first.number, { message: 'Contained', state: '6' }), never()),
    ).toMatchObject({
      ok: true,
      vendor_ref: first.number,
    });
    expect(await sn().execute(update('sn-u2', first.sys_id), never())).toMatchObject({ ok: true });
    expect(first.work_notes).toHaveLength(2);
    expect(first.fields.state).toBe('6');
    expect(await sn().execute(update('sn-u3', 'INC9999999'), never())).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
    });
    expect(await sn().execute(update('sn-u4', 'f'.repeat(32)), never())).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
    });
    expect(await sn().execute(update('sn-u5', 'x^ORsys_id!=0'), never())).toMatchObject({
      ok: false,
      code: 'REJECTED',
      not_applied: true,
    });
  });

  it('OAuth: fetches a token once, reuses it, refreshes once after a 401', async () => {
    const c = sn(OAUTH);
    expect(await c.execute(ticket('sn-o1'), never())).toMatchObject({ ok: true });
    const grants = fake.tokenGrants;
    expect(await c.execute(ticket('sn-o2'), never())).toMatchObject({ ok: true });
    expect(fake.tokenGrants).toBe(grants);
    fake.revokeTokens();
    expect(await c.execute(ticket('sn-o3'), never())).toMatchObject({ ok: true });
    expect(fake.tokenGrants).toBe(grants + 1);
    expect(await sn({ ...OAUTH, ...BASIC }).test(never())).toMatchObject({ ok: true });
    expect(fake.requests.filter((r) => r.path === '/oauth_token.do').at(-1)!.body).toContain(
      'grant_type=password',
    );
    expect(await sn({ client_id: 'x', client_secret: 'y' }).execute(ticket('sn-o4'), never())).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
      not_applied: true,
    });
  });

  it('[code] tags in alert text cannot open HTML in journal fields', async () => {
    const first = [...fake.incidents.values()][0]!;
    await sn().execute(
      update('sn-x', first.number, { message: '[code]<img src=x onerror=alert(1)>[/code]' }),
      never(),
    );
    expect(first.work_notes.at(-1)).not.toMatch(/\[\/?code\]/i);
  });

  it('dry run redacts auth and sends nothing', async () => {
    const n = fake.requests.length;
    const r = await sn().dryRun(ticket('sn-d'));
    expect(fake.requests.length).toBe(n);
    expect(r).toMatchObject({
      ok: true,
      details: { request: { method: 'POST' }, steps: [{ method: 'GET' }, { method: 'POST' }] },
    });
    expect(JSON.stringify(r)).not.toContain(FakeServiceNow.PASSWORD);
  });

  it('maps errors: 401, 429, 500, hang after the lookup', async () => {
    expect(await sn({ username: 'x', password: 'y' }).execute(ticket('sn-e1'), never())).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
    });
    fake.inject({ status: 429, headers: { 'retry-after': '3' }, body: {} });
    expect(await sn().execute(ticket('sn-e2'), never())).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      details: { retry_after: 3 },
    });
    fake.inject({ status: 200, body: { result: [] } }, { status: 500, body: { error: { message: 'x' } } });
    expect(await sn().execute(ticket('sn-e3'), never())).toMatchObject({
      ok: false,
      code: 'VENDOR_ERROR',
      not_applied: false,
    });
    fake.inject({ status: 200, body: { result: [] } }, { status: 201, hang: true });
    expect(await sn().execute(ticket('sn-e4'), never())).toMatchObject({
      ok: false,
      code: 'OUTCOME_UNKNOWN',
    });
  });

  it('test() reads sys_user; the default policy refuses loopback', async () => {
    expect(await sn().test(never())).toMatchObject({ ok: true });
    expect(fake.requests.at(-1)!.path).toBe('/api/now/table/sys_user');
    expect(await sn({ username: 'x', password: 'y' }).test(never())).toMatchObject({ ok: false });
    const n = fake.requests.length;
    expect(await sn(BASIC, guardedDeps()).execute(ticket('sn-s'), never())).toMatchObject({
      ok: false,
      code: 'BLOCKED_URL',
    });
    expect(fake.requests.length).toBe(n);
  });
});
