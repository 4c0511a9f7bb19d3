import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackKind } from '../../../src/extensions/actions/vendors/slack.ts';
import { FakeSlack } from '../../fakes/vendors/slack.ts';
import { actionRequest, guardedDeps, HOSTILE, loopbackDeps, never } from '../../fakes/vendors/request.ts';

const fake = new FakeSlack();
let origin = '';

function bot(token = FakeSlack.TOKEN, extra: Record<string, unknown> = {}, deps = loopbackDeps()) {
  return slackKind.create(
    {
      name: 'slack-soc',
      config: { api_base_url: `${origin}/api`, timeout_ms: 500, ...extra },
      secrets: { bot_token: token },
      actionTypes: ['notify'],
    },
    deps,
  );
}

beforeAll(async () => {
  origin = await fake.start();
});
afterAll(() => fake.close());

describe('slack connector', () => {
  it('validates: a token or a webhook URL is required', () => {
    expect(slackKind.validate({}, {}).map((p) => p.field)).toContain('secrets.bot_token');
    expect(slackKind.validate({}, { bot_token: 'nope' }).length).toBe(1);
    expect(
      slackKind.validate({ timeout_ms: 5 }, { webhook_url: 'https://hooks.slack.com/services/x' }),
    ).toEqual([{ field: 'timeout_ms', message: 'must be an integer between 100 and 120000' }]);
    expect(slackKind.validate({}, { bot_token: FakeSlack.TOKEN })).toEqual([]);
  });

  it('posts a Block Kit message with chat.postMessage and returns channel:ts', async () => {
    const before = fake.messages.length;
    const r = await bot().execute(actionRequest(), never());
    expect(r).toMatchObject({ ok: true, vendor_ref: expect.stringMatching(/^C0SOC:1700000000\./) });
    expect(fake.messages.length).toBe(before + 1);
    const sent = fake.messages.at(-1)!;
    expect(sent).toMatchObject({ channel: 'C0SOC', link_names: false, unfurl_links: false });
    expect(sent.metadata).toEqual({
      event_type: 'triage_warden_action',
      event_payload: { action_id: actionRequest().action_id, incident_id: 'inc-42' },
    });
    const req = fake.requests.at(-1)!;
    expect(req.headers.authorization).toBe(`Bearer ${FakeSlack.TOKEN}`);
  });

  it('dry run shows the request without the token and sends nothing', async () => {
    const n = fake.requests.length;
    const r = await bot().dryRun(actionRequest());
    expect(fake.requests.length).toBe(n);
    expect(r.ok).toBe(true);
    const text = JSON.stringify(r);
    expect(text).not.toContain(FakeSlack.TOKEN);
    expect(text).toContain('chat.postMessage');
  });

  it('escapes alert-derived text: no <!here>, no live @channel, no links', async () => {
    await bot().execute(
      actionRequest({ title: HOSTILE, parameters: { message: HOSTILE }, reason: HOSTILE }),
      never(),
    );
    const sent = JSON.stringify(fake.messages.at(-1));
    expect(sent).not.toContain('<!here>');
    expect(sent).not.toContain('<@U123>');
    expect(sent).not.toMatch(/@channel/);
    expect(sent).not.toContain('https://evil');
    expect(sent).toContain('&lt;!here&gt;');
    expect(sent).toContain('hxxps[://]evil.example');
  });

  it('maps Slack errors: invalid_auth, channel_not_found, 429 with Retry-After, 500', async () => {
    expect(await bot('xoxb-wrong').execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
      not_applied: true,
    });
    expect(
      await bot().execute(actionRequest({ target: { type: 'channel', value: 'C0NONE' } }), never()),
    ).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    fake.inject({ status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } });
    expect(await bot().execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      details: { retry_after: 30 },
    });
    fake.inject({ status: 500, body: 'oops' });
    expect(await bot().execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'VENDOR_ERROR',
      not_applied: false,
    });
  });

  it('a hang is OUTCOME_UNKNOWN (the post may have happened)', async () => {
    fake.inject({ status: 200, hang: true });
    expect(await bot().execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'OUTCOME_UNKNOWN',
      not_applied: false,
    });
  });

  it('test() calls auth.test and reports a bad token', async () => {
    expect(await bot().test(never())).toMatchObject({ ok: true });
    expect(await bot('xoxb-wrong').test(never())).toMatchObject({ ok: false });
  });

  it('posts through an incoming webhook and maps its plain-text errors', async () => {
    const hook = (path: string) =>
      slackKind.create(
        { name: 'hook', config: {}, secrets: { webhook_url: `${origin}${path}` }, actionTypes: ['notify'] },
        loopbackDeps(),
      );
    const before = fake.messages.length;
    expect(await hook(FakeSlack.HOOK_PATH).execute(actionRequest(), never())).toMatchObject({ ok: true });
    expect(fake.messages.length).toBe(before + 1);
    expect(JSON.stringify(await hook(FakeSlack.HOOK_PATH).dryRun(actionRequest()))).not.toContain(
      'hooksecret',
    );
    expect(await hook('/services/T000/B000/wrong').execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
    });
    expect(await hook(FakeSlack.HOOK_PATH).test(never())).toMatchObject({ ok: true });
  });

  it('the default SSRF policy refuses loopback', async () => {
    const n = fake.requests.length;
    expect(await bot(FakeSlack.TOKEN, {}, guardedDeps()).execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'BLOCKED_URL',
      not_applied: true,
    });
    expect(fake.requests.length).toBe(n);
  });
});
