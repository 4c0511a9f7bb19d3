// The SLA check runs as a leader job on its own (no test calls it): an incident past its playbook's
// time_to_triage is announced once as sla_breached and counted.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../src/contracts/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';

describe('SLA leader job', () => {
  let rt: Runtime;
  const events: BusEvent[] = [];
  beforeAll(async () => {
    rt = await startRuntime(testConfig({ playbooks: { sla_check_interval: '200ms' } }));
    await rt.transports.bus.subscribe((e) => void events.push(e));
  }, 60_000);
  afterAll(async () => {
    await rt?.stop();
  });

  it('announces an incident stuck before triage once, with its playbook and due time', async () => {
    // Its own triage finishes first; then it is put back as if it had been stuck in triage.
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload: JSON.stringify({
        title: 'phish',
        severity: 'medium',
        incident_type: 'phishing',
        source: 'mail',
      }),
    });
    const id = res.json().incident_id as string;
    await eventually(async () => {
      const r = await sql<{ status: string }>`SELECT status FROM incidents WHERE id = ${id}`.execute(
        rt.database.primary,
      );
      return !['new', 'enriching', 'analyzing'].includes(r.rows[0]!.status);
    }, 'triage finished');
    // As if triage had been stuck for 20 minutes (phishing: time_to_triage 15m).
    await sql`UPDATE incidents SET status = 'analyzing', created_at = now() - interval '20 minutes' WHERE id = ${id}`.execute(
      rt.database.primary,
    );
    const breach = await eventually(
      async () =>
        events.find(
          (e) => e.type === 'sla_breached' && (e.data as { incident_id: string }).incident_id === id,
        ),
      'sla_breached',
    );
    const data = breach.data as { playbook: string; kind: string; due_at: string };
    expect(data).toMatchObject({ playbook: 'phishing', kind: 'time_to_triage' });
    const created = (
      await sql<{ created_at: Date | string }>`SELECT created_at FROM incidents WHERE id = ${id}`.execute(
        rt.database.primary,
      )
    ).rows[0]!.created_at;
    expect(Date.parse(data.due_at) - new Date(created).getTime()).toBe(15 * 60_000);
    // Several more passes: still one event for it.
    await new Promise((r) => setTimeout(r, 1000));
    const mine = events.filter(
      (e) => e.type === 'sla_breached' && (e.data as { incident_id: string }).incident_id === id,
    );
    expect(mine).toHaveLength(1);
    const metrics = await rt.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /^tw_playbook_sla_breaches_total\{playbook="phishing",kind="time_to_triage"\} 1$/m,
    );
  });
});
