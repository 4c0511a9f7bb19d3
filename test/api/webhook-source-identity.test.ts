import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { TEST_SECRETS, startRuntime, testConfig } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

const GENERIC_SECRET = 'generic-test-secret-0123456789abc';
const graphPhishing = (
  JSON.parse(
    readFileSync(new URL('../fixtures/vendors/microsoft-graph.json', import.meta.url), 'utf8'),
  ) as Record<string, Record<string, unknown>>
).phishing!;

let rt: Runtime;
beforeAll(async () => {
  rt = await startRuntime(testConfig({ webhooks: { sources: { generic: { secret: GENERIC_SECRET } } } }));
});
afterAll(async () => {
  await rt?.stop();
});

async function post(source: string, payload: unknown, secret: string) {
  const body = JSON.stringify(payload);
  return rt.app.inject({
    method: 'POST',
    url: `/api/v1/webhooks/${source}`,
    headers: signedHeaders(secret, body),
    payload: body,
  });
}

describe("an incident's source is the authenticated source", () => {
  it('the aliases m365 and defender: m365 accepts the microsoft-graph secret; both record microsoft-graph', async () => {
    const m365 = await post(
      'm365',
      { ...graphPhishing, id: `m365-${Date.now()}` },
      TEST_SECRETS['microsoft-graph'],
    );
    expect(m365.statusCode, m365.body).toBe(202);
    expect(m365.json().incident.source).toBe('microsoft-graph');
    // defender has a secret of its own in the test config: that one is used, the source is canonical.
    const defender = await post(
      'defender',
      { ...graphPhishing, id: `def-${Date.now()}` },
      TEST_SECRETS.defender,
    );
    expect(defender.statusCode, defender.body).toBe(202);
    expect(defender.json().incident.source).toBe('microsoft-graph');
  });

  it('a body claiming another source does not change it: the path wins', async () => {
    const res = await post(
      'generic',
      { title: `pretends to be crowdstrike ${Date.now()}`, severity: 'critical', source: 'crowdstrike' },
      GENERIC_SECRET,
    );
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().incident.source).toBe('generic');
    const list = await rt.app.inject({
      url: '/api/v1/incidents?source=crowdstrike&q=pretends',
      headers: asAdmin(),
    });
    expect(list.json().data).toHaveLength(0);
  });
});
