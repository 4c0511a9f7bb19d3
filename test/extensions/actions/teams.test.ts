import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamsKind } from '../../../src/extensions/actions/vendors/teams.ts';
import { FakeTeams } from '../../fakes/vendors/teams.ts';
import { actionRequest, guardedDeps, HOSTILE, loopbackDeps, never } from '../../fakes/vendors/request.ts';

const fake = new FakeTeams();
let origin = '';
const hook = (path = FakeTeams.HOOK_PATH, deps = loopbackDeps()) =>
  teamsKind.create(
    {
      name: 'teams-soc',
      config: { timeout_ms: 500 },
      secrets: { webhook_url: `${origin}${path}` },
      actionTypes: ['notify'],
    },
    deps,
  );

beforeAll(async () => {
  origin = await fake.start();
});
afterAll(() => fake.close());

describe('teams connector', () => {
  it('validates the webhook URL', () => {
    expect(teamsKind.validate({}, {})).toEqual([{ field: 'secrets.webhook_url', message: 'is required' }]);
    expect(teamsKind.validate({}, { webhook_url: 'ftp://x' })).toHaveLength(1);
    expect(teamsKind.validate({}, { webhook_url: 'https://x.webhook.office.com/webhookb2/a' })).toEqual([]);
  });

  it('posts an Adaptive Card to an incoming webhook (200 "1") and a Workflows webhook (202)', async () => {
    expect(await hook().execute(actionRequest(), never())).toMatchObject({
      ok: true,
      details: { status: 200 },
    });
    expect(
      await hook(`${FakeTeams.WORKFLOW_PATH}?sig=flowsig`).execute(actionRequest(), never()),
    ).toMatchObject({
      ok: true,
      details: { status: 202 },
    });
    expect(fake.cards).toHaveLength(2);
  });

  it('dry run hides the secret URL path and posts nothing', async () => {
    const n = fake.requests.length;
    const r = await hook().dryRun(actionRequest());
    expect(fake.requests.length).toBe(n);
    expect(JSON.stringify(r)).not.toContain('teamssecret');
    expect(r).toMatchObject({ ok: true, details: { dry_run: true, request: { method: 'POST' } } });
  });

  it('alert text goes only into TextRuns (no markdown), defanged, mentions broken', async () => {
    await hook().execute(
      actionRequest({ title: HOSTILE, parameters: { message: HOSTILE }, reason: HOSTILE }),
      never(),
    );
    const card = fake.cards.at(-1) as {
      attachments: {
        content: {
          body: { type: string; inlines?: { type: string; text: string }[]; facts?: { value: string }[] }[];
        };
      }[];
    };
    const body = card.attachments[0]!.content.body;
    for (const block of body) expect(['RichTextBlock', 'FactSet']).toContain(block.type);
    const facts = body.find((b) => b.type === 'FactSet')!.facts!;
    for (const f of facts) expect(f.value).toMatch(/^[\w -]+$/);
    const text = JSON.stringify(body);
    expect(text).not.toContain('https://evil');
    expect(text).not.toContain('@channel');
    expect(text).toContain('hxxps[://]evil.example');
  });

  it('maps errors: 404 unknown webhook, 400 bad card, 429, 500, hang', async () => {
    expect(await hook('/webhookb2/gone').execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
    });
    fake.inject({ status: 400, body: 'Bad payload' });
    expect(await hook().execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'REJECTED',
      not_applied: true,
    });
    fake.inject({ status: 429, headers: { 'retry-after': '5' }, body: '' });
    expect(await hook().execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      details: { retry_after: 5 },
    });
    fake.inject({ status: 200, body: 'Microsoft Teams endpoint returned HTTP error 429 with ContextId …' });
    expect(await hook().execute(actionRequest(), never())).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    fake.inject({ status: 502, body: 'bad gateway' });
    expect(await hook().execute(actionRequest(), never())).toMatchObject({ ok: false, code: 'VENDOR_ERROR' });
    fake.inject({ status: 200, hang: true });
    expect(await hook().execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'OUTCOME_UNKNOWN',
    });
  });

  it('test() checks the URL only and posts nothing; the default policy refuses loopback', async () => {
    const n = fake.requests.length;
    expect(await hook().test(never())).toMatchObject({
      ok: true,
      message: expect.stringContaining('nothing was posted'),
    });
    expect(await hook(FakeTeams.HOOK_PATH, guardedDeps()).test(never())).toMatchObject({ ok: false });
    expect(await hook(FakeTeams.HOOK_PATH, guardedDeps()).execute(actionRequest(), never())).toMatchObject({
      ok: false,
      code: 'BLOCKED_URL',
      not_applied: true,
    });
    expect(fake.requests.length).toBe(n);
  });
});
