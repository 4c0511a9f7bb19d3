import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jiraKind } from '../../../src/extensions/actions/vendors/jira.ts';
import { FakeJira } from '../../fakes/vendors/jira.ts';
import { actionRequest, guardedDeps, HOSTILE, loopbackDeps, never } from '../../fakes/vendors/request.ts';

const fake = new FakeJira();
let origin = '';
const cloud = (
  secrets: Record<string, string> = { email: FakeJira.EMAIL, api_token: FakeJira.TOKEN },
  extra: Record<string, unknown> = {},
  deps = loopbackDeps(),
) =>
  jiraKind.create(
    {
      name: 'jira',
      config: {
        base_url: origin,
        project_key: 'SEC',
        timeout_ms: 500,
        labels: ['soc'],
        priorities: { high: 'High' },
        ...extra,
      },
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
const comment = (
  action_id: string,
  key: string,
  parameters: Record<string, unknown> = { message: 'Contained' },
) =>
  actionRequest({
    action_id,
    action_type: 'update_ticket',
    target: { type: 'ticket', value: key },
    parameters,
  });

beforeAll(async () => {
  origin = await fake.start();
});
afterAll(() => fake.close());

describe('jira connector', () => {
  it('validates base_url, project_key and credentials', () => {
    expect(jiraKind.validate({}, {}).map((p) => p.field)).toEqual([
      'base_url',
      'project_key',
      'secrets.api_token',
    ]);
    expect(
      jiraKind.validate(
        { base_url: 'https://acme.atlassian.net', project_key: 'SEC', labels: ['a b'] },
        { personal_access_token: 'x' },
      ),
    ).toEqual([{ field: 'labels', message: 'must be a list of labels without spaces' }]);
  });

  it('creates an issue with an ADF description, labels tw-<action id>, priority from severity', async () => {
    const r = await cloud().execute(ticket('c-1'), never());
    expect(r).toMatchObject({
      ok: true,
      vendor_ref: expect.stringMatching(/^SEC-\d+$/),
      details: { deduplicated: false },
    });
    const issue = fake.issues.get(r.ok ? r.vendor_ref! : '')!;
    expect(issue.labels).toEqual(['soc', 'triage-warden', 'tw-c-1']);
    expect(issue.fields).toMatchObject({
      issuetype: { name: 'Task' },
      priority: { name: 'High' },
      description: { type: 'doc', version: 1 },
    });
    expect(fake.requests.at(-1)!.path).toBe('/rest/api/3/issue');
  });

  it('the same action twice is one issue (JQL lookup on the label)', async () => {
    const n = fake.issues.size;
    const a = await cloud().execute(ticket('c-dup'), never());
    const b = await cloud().execute(ticket('c-dup'), never());
    expect(fake.issues.size).toBe(n + 1);
    expect(b).toMatchObject({ ok: true, details: { deduplicated: true } });
    expect(a.ok && b.ok && a.vendor_ref === b.vendor_ref).toBe(true);
    expect(fake.requests.at(-1)!.query.get('jql')).toBe('labels = "tw-c-dup"');
  });

  it('update_ticket comments once per action and applies a transition', async () => {
    const r1 = await cloud().execute(
      comment('u-1', 'SEC-1', { message: 'Contained', transition_id: '31' }),
      never(),
    );
    const r2 = await cloud().execute(comment('u-1', 'SEC-1', { message: 'Contained' }), never());
    expect(r1).toMatchObject({
      ok: true,
      vendor_ref: 'SEC-1',
      details: { deduplicated: false, transitioned: true },
    });
    expect(r2).toMatchObject({ ok: true, details: { deduplicated: true } });
    expect(fake.issues.get('SEC-1')!.comments).toHaveLength(1);
    expect(fake.issues.get('SEC-1')!.status).toBe('Done');
    expect(await cloud().execute(comment('u-2', 'SEC-1', { transition_id: '99' }), never())).toMatchObject({
      ok: false,
      code: 'REJECTED',
      not_applied: false,
    });
    expect(await cloud().execute(comment('u-3', 'not a key'), never())).toMatchObject({
      ok: false,
      code: 'REJECTED',
      not_applied: true,
    });
    expect(await cloud().execute(comment('u-4', 'SEC-999'), never())).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
    });
  });

  it('Data Center: v2 paths, bearer PAT, wiki markup body that cannot escape {noformat}', async () => {
    const r = await cloud({ personal_access_token: FakeJira.PAT }, { api_version: '2' }).execute(
      ticket('dc-1', { title: 'x {noformat} [evil|https://evil.example] {color:red}' }),
      never(),
    );
    expect(r).toMatchObject({ ok: true });
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe('/rest/api/2/issue');
    expect(req.headers.authorization).toBe(`Bearer ${FakeJira.PAT}`);
    const desc = (req.json as { fields: { description: string } }).fields.description;
    expect(desc.match(/\{noformat\}/g)).toHaveLength(2);
    expect(desc.startsWith('{noformat}\n') && desc.endsWith('\n{noformat}')).toBe(true);
  });

  it('ADF keeps hostile text as literal text nodes (no links, no mentions)', async () => {
    await cloud().execute(ticket('c-hostile', { title: HOSTILE, parameters: { message: HOSTILE } }), never());
    const issue = [...fake.issues.values()].find((i) => i.labels.includes('tw-c-hostile'))!;
    const nodes = JSON.stringify(issue.fields.description);
    expect(nodes).not.toMatch(/"type":"(mention|inlineCard)"|"link"/);
    expect(issue.fields.summary).not.toMatch(/[\r\n]/);
  });

  it('dry run shows lookup and create without the credentials and sends nothing', async () => {
    const n = fake.requests.length;
    const r = await cloud().dryRun(ticket('c-dry'));
    expect(fake.requests.length).toBe(n);
    expect(JSON.stringify(r)).not.toContain(
      Buffer.from(`${FakeJira.EMAIL}:${FakeJira.TOKEN}`).toString('base64'),
    );
    expect(r).toMatchObject({
      ok: true,
      details: { request: { method: 'POST', headers: { authorization: '[redacted]' } } },
    });
  });

  it('maps errors: bad token 401, 429 with Retry-After, 500, hang; a failed lookup creates nothing', async () => {
    expect(
      await cloud({ email: FakeJira.EMAIL, api_token: 'wrong' }).execute(ticket('e-1'), never()),
    ).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
      not_applied: true,
    });
    const n = fake.issues.size;
    fake.inject({ status: 429, headers: { 'retry-after': '20' }, body: {} });
    expect(await cloud().execute(ticket('e-2'), never())).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      details: { retry_after: 20 },
    });
    fake.inject({ status: 500, body: {} });
    expect(await cloud().execute(ticket('e-3'), never())).toMatchObject({
      ok: false,
      code: 'VENDOR_ERROR',
      not_applied: true,
    });
    expect(fake.issues.size).toBe(n);
    fake.inject({ status: 200, body: { issues: [] } }, { status: 201, hang: true });
    expect(await cloud().execute(ticket('e-4'), never())).toMatchObject({
      ok: false,
      code: 'OUTCOME_UNKNOWN',
      not_applied: false,
    });
  });

  it('test() calls myself; the default policy refuses loopback', async () => {
    expect(await cloud().test(never())).toMatchObject({ ok: true });
    expect(fake.requests.at(-1)!.path).toBe('/rest/api/3/myself');
    expect(await cloud({ personal_access_token: 'bad' }).test(never())).toMatchObject({ ok: false });
    const n = fake.requests.length;
    expect(await cloud(undefined, {}, guardedDeps()).execute(ticket('s-1'), never())).toMatchObject({
      ok: false,
      code: 'BLOCKED_URL',
    });
    expect(fake.requests.length).toBe(n);
  });
});
