// Issue 11: a playbook given to the runtime drives triage end to end — its steps run through the
// job worker, their records show on the incident's timeline over the API, and the stream carries
// the recommendation and the notification request (nothing is executed or sent).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../src/contracts/index.ts';
import { BuiltinPlaybookSource } from '../../src/core/playbooks/builtin-playbooks.ts';
import type { PlaybookDefinition } from '../../src/core/playbooks/playbook.model.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, testConfig } from '../helpers/runtime.ts';

const MALWARE: PlaybookDefinition = {
  name: 'malware-contain',
  version: 2,
  description: 'malware: intel on IPs, analyze, recommend a block, tell the SOC',
  enabled: true,
  priority: 100,
  trigger: { incident_types: ['malware'] },
  stages: [
    {
      name: 'intel',
      parallel: false,
      steps: [{ id: 'ip-intel', kind: 'enrich', indicator_types: ['ipv4'] }],
    },
    { name: 'analysis', parallel: false, steps: [{ id: 'judge', kind: 'analyze', analyzer: 'auto' }] },
    {
      name: 'respond',
      parallel: true,
      steps: [
        { id: 'block', kind: 'propose_action', action: 'block_ip', target: '{{indicator.ipv4}}' },
        {
          id: 'page',
          kind: 'notify',
          channel: 'soc',
          message: '{{incident.title}}: {{verdict.classification}}',
        },
      ],
    },
  ],
  origin: 'api',
};

describe('a playbook drives triage in the runtime', () => {
  let rt: Runtime;
  const seen: BusEvent[] = [];
  beforeAll(async () => {
    const config = testConfig();
    const log = createLogger({ level: config.logging.level, instance: 'test', role: 'all' });
    rt = await createRuntime(config, 'all', log, { playbooks: new BuiltinPlaybookSource([MALWARE]) });
    await rt.start({ listen: false });
    await rt.transports.bus.subscribe((e) => void seen.push(e));
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
  });

  async function send(body: Record<string, unknown>): Promise<string> {
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/open-source',
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload: JSON.stringify(body),
    });
    expect(res.statusCode, res.body).toBe(202);
    return (res.json() as { incident_id: string }).incident_id;
  }

  async function triaged(id: string) {
    await eventually(async () => {
      const i = await rt.store.get(id);
      return i && i.triaged_at && !['new', 'enriching', 'analyzing'].includes(i.status);
    }, `incident ${id} triaged`);
    return (await rt.app.inject({ url: `/api/v1/incidents/${id}`, headers: asAdmin() })).json() as {
      verdict: { recommended_actions: string[] };
      enrichments: { indicator_type: string }[];
      timeline: { action: string; details: Record<string, unknown> }[];
    };
  }

  it('a matching incident runs the playbook; another one the generic fallback', async () => {
    const id = await send({
      id: `alert-${randomUUID()}`,
      alert_type: 'malware',
      severity: 'high',
      title: 'Beacon from WS-12',
      description: 'beaconing to 185.220.101.47 from evil.example',
      data: { remote_ip: '185.220.101.47', domain: 'evil.example' },
    });
    const d = await triaged(id);
    expect(d.timeline.find((t) => t.action === 'triage.started')!.details).toMatchObject({
      playbook: 'malware-contain',
      playbook_version: 2,
    });
    expect(new Set(d.enrichments.map((e) => e.indicator_type))).toEqual(new Set(['ipv4']));
    expect(d.verdict.recommended_actions).toContain('block_ip:185.220.101.47');
    expect(d.timeline.find((t) => t.action === 'triage.notification_requested')!.details).toMatchObject({
      channel: 'soc',
      message: 'Beacon from WS-12: malicious',
      sent: false,
    });
    await eventually(async () => seen.some((e) => e.type === 'notification_requested'), 'the stream event');
    expect(seen.filter((e) => e.type === 'action_recommended').map((e) => e.data)).toEqual([
      { incident_id: id, step: 'block', action: 'block_ip', target: '185.220.101.47' },
    ]);

    const other = await send({
      id: `alert-${randomUUID()}`,
      alert_type: 'phishing',
      severity: 'medium',
      title: 'Reported phish',
      data: { sender: 'a@evil.example' },
    });
    const o = await triaged(other);
    expect(o.timeline.find((t) => t.action === 'triage.started')!.details).toMatchObject({
      playbook: 'generic',
      playbook_version: 1,
    });
    expect(o.timeline.some((t) => t.action === 'triage.notification_requested')).toBe(false);
  }, 120_000);
});
