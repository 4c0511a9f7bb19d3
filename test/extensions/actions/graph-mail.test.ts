// The Graph mail connector against a loopback Microsoft Graph: quarantine by Internet Message-ID,
// sender block as an inbox rule, rollback of both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphMailKind } from '../../../src/extensions/actions/vendors/graph-mail.ts';
import { fakeGraph } from '../../fakes/vendors/graph.ts';
import { action, build, codeOf, signal } from './connector-kit.ts';

const TENANT = 'contoso.onmicrosoft.com';
const fake = fakeGraph({
  tenant: TENANT,
  clientId: 'app',
  clientSecret: 'right-secret',
  users: ['alice@contoso.com'],
});
const secrets = { client_id: 'app', client_secret: 'right-secret' };
let config: Record<string, unknown> = {};
const MID = "<CAF=abc'123@mail.evil.example>";

beforeAll(async () => {
  const origin = await fake.server.start();
  config = { tenant_id: TENANT, login_url: origin, graph_url: origin };
});
afterAll(() => fake.server.close());

describe('graph_mail connector', () => {
  it('moves the message into the quarantine folder and back to the inbox on rollback', async () => {
    fake.deliver('alice@contoso.com', MID);
    const c = build(graphMailKind, config, secrets);
    const req = action('quarantine_email', 'email_message', MID, { mailbox: 'alice@contoso.com' });
    const r = await c.execute(req, signal());
    expect(r).toMatchObject({ ok: true, details: { folder: 'junkemail' } });
    const msgs = [...fake.users.get('alice@contoso.com')!.messages.values()];
    expect(msgs).toEqual([{ internetMessageId: MID, folder: 'junkemail' }]);
    const undo = await c.rollback!(req, r.ok ? r.details : {}, signal());
    expect(codeOf(undo)).toBe('ok');
    expect([...fake.users.get('alice@contoso.com')!.messages.values()][0]!.folder).toBe('inbox');
  });

  it('a message not in the mailbox is NOT_FOUND; no mailbox at all is REJECTED before any call', async () => {
    const c = build(graphMailKind, config, secrets);
    expect(
      codeOf(
        await c.execute(
          action('quarantine_email', 'email_message', '<none@x>', { mailbox: 'alice@contoso.com' }),
          signal(),
        ),
      ),
    ).toBe('NOT_FOUND');
    const before = fake.server.requests.length;
    expect(codeOf(await c.execute(action('quarantine_email', 'email_message', MID), signal()))).toBe(
      'REJECTED',
    );
    expect(fake.server.requests.length).toBe(before);
  });

  it('blocks a sender with one inbox rule named after the action (a repeat adds none), deleted on rollback', async () => {
    const c = build(graphMailKind, { ...config, mailbox: 'alice@contoso.com' }, secrets);
    const req = action('block_sender', 'email', 'ceo@evil.example');
    const r = await c.execute(req, signal());
    expect(r).toMatchObject({ ok: true, details: { rule_id: expect.any(String) } });
    const rules = fake.users.get('alice@contoso.com')!.rules;
    expect([...rules.values()]).toEqual([
      expect.objectContaining({
        displayName: `Triage Warden block ${req.action_id}`,
        conditions: { senderContains: ['ceo@evil.example'] },
        actions: { delete: true, stopProcessingRules: true },
      }),
    ]);
    expect(await c.execute(req, signal())).toMatchObject({ ok: true, details: { already: true } });
    expect(rules.size).toBe(1);
    expect(codeOf(await c.rollback!(req, r.ok ? r.details : {}, signal()))).toBe('ok');
    expect(rules.size).toBe(0);
  });

  it('dry run shows the rule it would add, without secrets, and sends nothing', async () => {
    const before = fake.server.requests.length;
    const r = await build(graphMailKind, { ...config, mailbox: 'alice@contoso.com' }, secrets).dryRun(
      action('block_sender', 'email', 'x@evil.example'),
    );
    expect(JSON.stringify(r)).toContain('senderContains');
    expect(JSON.stringify(r)).not.toContain('right-secret');
    expect(fake.server.requests.length).toBe(before);
  });

  it('AUTH_FAILED, RATE_LIMITED, VENDOR_ERROR and OUTCOME_UNKNOWN on the move', async () => {
    const req = () => action('quarantine_email', 'email_message', MID, { mailbox: 'alice@contoso.com' });
    expect(
      codeOf(
        await build(graphMailKind, config, { ...secrets, client_secret: 'bad' }).execute(req(), signal()),
      ),
    ).toBe('AUTH_FAILED');
    const c = build(graphMailKind, config, secrets);
    expect((await c.test(signal())).ok).toBe(true);
    const move = (r: { path: string }) => r.path.endsWith('/move');
    fake.server.script({ status: 429, headers: { 'retry-after': '3' }, body: {} }, move);
    expect(await c.execute(req(), signal())).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retry_after: 3 },
    });
    fake.server.script({ status: 500, body: {} }, move);
    expect(codeOf(await c.execute(req(), signal()))).toBe('VENDOR_ERROR');
    fake.server.script({ status: 201, delayMs: 600, body: {} }, move);
    expect(await c.execute(req(), signal(250))).toMatchObject({
      code: 'OUTCOME_UNKNOWN',
      not_applied: false,
    });
  });
});
