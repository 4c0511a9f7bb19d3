// The triage side of response actions on the embedded runtime: the demo's Microsoft Graph phishing
// alert, in supervised mode, with a policy that auto-approves quarantine_email, flows through the
// built-in phishing playbook to exactly one quarantine call on a loopback connector (the message's
// Internet Message-ID as target, the recipient as mailbox), announced after the verdict; a triage run
// redelivered after a crash mid-way proposes nothing twice and calls the vendor no more.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAlerts } from '../../src/cli/demo/samples.ts';
import type { ActionView, BusEvent } from '../../src/contracts/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import {
  LoopbackConnector,
  LoopbackVendor,
  TestConnectorDirectory,
  testPolicy,
} from '../helpers/loopback-connector.ts';
import { eventually, TEST_SECRETS, testConfig } from '../helpers/runtime.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

describe('triage proposes response actions (embedded, supervised)', () => {
  const vendor = new LoopbackVendor();
  const policy = testPolicy({ quarantine_email: { outcome: 'allowed' } });
  const graph = new LoopbackConnector('graph-mail', ['quarantine_email'], () => vendor.url);
  let rt: Runtime;
  const seen: BusEvent[] = [];

  beforeAll(async () => {
    await vendor.start();
    const config = testConfig();
    const log = createLogger({ level: config.logging.level, instance: 'test', role: 'all' });
    rt = await createRuntime(config, 'all', log, {
      response: { policy, connectors: new TestConnectorDirectory([graph]) },
    });
    await rt.start({ listen: false });
    await rt.transports.bus.subscribe((e) => void seen.push(e));
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
    await vendor.stop();
  });

  const actionsOf = async (incidentId: string) =>
    (
      (
        await rt.app.inject({
          method: 'GET',
          url: `/api/v1/incidents/${incidentId}/actions`,
          headers: asAdmin(),
        })
      ).json() as { data: ActionView[] }
    ).data;

  it('the Graph phishing alert → one quarantine_email call; redelivery proposes nothing twice', async () => {
    const sample = demoAlerts().find(
      (a) => a.source === 'microsoft-graph' && JSON.stringify(a.payload).includes('analyzedMessageEvidence'),
    )!;
    const evidence = (sample.payload as { evidence: Record<string, unknown>[] }).evidence[0]!;
    const body = JSON.stringify(sample.payload);
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/microsoft-graph',
      headers: signedHeaders(TEST_SECRETS['microsoft-graph'], body),
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(202);
    const incidentId = (res.json() as { incident_id: string }).incident_id;

    const quarantine = await eventually(
      async () => {
        const list = await actionsOf(incidentId);
        const q = list.find((a) => a.action_type === 'quarantine_email');
        return q?.status === 'executed' ? q : null;
      },
      'quarantine executed',
      30_000,
    );
    expect(quarantine).toMatchObject({
      origin: 'recommended',
      mode: 'supervised',
      target: { type: 'email_message', value: evidence.internetMessageId },
      parameters: { mailbox: 'alice.martin@contoso.com' },
      requested_by: expect.stringMatching(/^playbook:phishing@\d+\/quarantine-email$/),
      decision: { outcome: 'allowed', rule: 'test.quarantine_email' },
      connector: 'graph-mail',
    });
    expect(policy.subjects.find((s) => s.action_type === 'quarantine_email')).toMatchObject({
      origin: 'recommended',
      mode: 'supervised',
      incident: {
        id: incidentId,
        incident_type: 'phishing',
        classification: expect.stringMatching(/malicious|suspicious/),
      },
    });
    const calls = () => vendor.calls.filter((c) => c.body.action_type === 'quarantine_email');
    expect(calls()).toHaveLength(1);
    expect(calls()[0]!.idempotencyKey).toBe(quarantine.id);
    // The other recommendations wait for a person (the test policy's default: analyst approval).
    const others = (await actionsOf(incidentId)).filter((a) => a.action_type !== 'quarantine_email');
    expect(others.length).toBeGreaterThan(0);
    for (const a of others) expect(a.status).toBe('pending');

    // Announced only after the verdict committed.
    const mine = seen
      .filter((e) => (e.data as { incident_id?: string }).incident_id === incidentId)
      .map((e) => e.type);
    expect(mine.indexOf('actions_proposed')).toBeGreaterThan(mine.indexOf('analysis_complete'));
    expect(mine.indexOf('action_recommended')).toBeGreaterThan(mine.indexOf('analysis_complete'));

    // A crash after the steps but before the verdict: the run resumes (same run, the step's record
    // lost) and the proposal comes back deduplicated; the executor finds the action executed.
    const before = (await actionsOf(incidentId)).length;
    await sql`UPDATE incidents SET status = 'analyzing' WHERE id = ${incidentId}`.execute(
      rt.database.primary,
    );
    await sql`DELETE FROM triage_steps WHERE incident_id = ${incidentId} AND kind = 'propose_action'`.execute(
      rt.database.primary,
    );
    await rt.transports.queue.enqueue('triage', incidentId, { incident_id: incidentId });
    await eventually(
      async () => {
        const r = await sql<{
          status: string;
        }>`SELECT status FROM incidents WHERE id = ${incidentId}`.execute(rt.database.primary);
        return r.rows[0]?.status !== 'analyzing';
      },
      'triage finished again',
      30_000,
    );
    await eventually(async () => (await rt.transports.queue.counts()).active === 0, 'queue idle');
    const after = await actionsOf(incidentId);
    expect(after).toHaveLength(before);
    expect(after.filter((a) => a.action_type === 'quarantine_email')).toHaveLength(1);
    expect(calls()).toHaveLength(1);
    const proposedAudit = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_log WHERE incident_id = ${incidentId} AND action = 'action.proposed'`.execute(
      rt.database.primary,
    );
    expect(proposedAudit.rows[0]!.n).toBe(before);
  }, 90_000);
});
