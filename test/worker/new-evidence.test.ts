// Issue 10 item 4 end to end: a vendor update (same alert id) that adds a Tor exit IP and raises the
// severity to critical is enriched and analysed again, whatever became of the first version.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';

describe.each(['new_incident', 'reopen'] as const)('vendor update with new evidence (%s)', (rule) => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startRuntime(testConfig({ triage: { on_repeat_after_close: rule } }));
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
  });

  async function send(body: Record<string, unknown>) {
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/open-source',
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload: JSON.stringify(body),
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json() as { incident_id: string; created: boolean };
  }

  async function triaged(id: string) {
    return eventually(async () => {
      const i = await rt.store.get(id);
      return i && i.triaged_at && !['new', 'enriching', 'analyzing'].includes(i.status) ? i : null;
    }, `incident ${id} triaged`);
  }

  it('is triaged again on the new evidence, at the raised severity', async () => {
    const vendorId = `alert-${randomUUID()}`;
    const base = { id: vendorId, alert_type: 'malware', title: 'Unusual process on WS-12' };
    const first = await send({
      ...base,
      severity: 'low',
      description: 'notepad.exe started by explorer.exe',
    });
    const before = await triaged(first.incident_id);
    const analysesBefore = (await rt.store.getDetail(first.incident_id))!.timeline.filter(
      (a) => a.action === 'triage.analyzed',
    ).length;

    const update = await send({
      ...base,
      severity: 'critical',
      description: 'notepad.exe beaconing to 185.220.101.47',
      data: { remote_ip: '185.220.101.47' },
    });
    const closed = ['resolved', 'false_positive', 'dismissed', 'closed'].includes(before.status);
    if (closed && rule === 'new_incident') {
      expect(update.incident_id).not.toBe(first.incident_id);
    } else {
      expect(update.incident_id).toBe(first.incident_id);
    }
    await eventually(async () => {
      const d = await rt.store.getDetail(update.incident_id);
      const analyses = d?.timeline.filter((a) => a.action === 'triage.analyzed').length ?? 0;
      const again = update.incident_id === first.incident_id ? analyses > analysesBefore : analyses > 0;
      return again && d && !['new', 'enriching', 'analyzing'].includes(d.status) ? d : null;
    }, 'the update analysed');
    const detail = (
      await rt.app.inject({ url: `/api/v1/incidents/${update.incident_id}`, headers: asAdmin() })
    ).json();
    expect(detail.severity).toBe('critical');
    expect(detail.enrichments.map((e: { indicator_value: string }) => e.indicator_value)).toContain(
      '185.220.101.47',
    );
    expect(detail.verdict.classification).not.toBe('benign');
    if (update.incident_id !== first.incident_id) expect(detail.related_incident_id).toBe(first.incident_id);
  }, 120_000);
});
