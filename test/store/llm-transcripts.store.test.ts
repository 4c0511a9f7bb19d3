// LLM transcripts on PGlite and on the real PostgreSQL 15 server: one row per (incident, step,
// attempt) whoever saves first, the audit entries written with it, and the two context reads of the
// analyst's tools (related incidents by shared indicator, raw alerts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  migrate,
  SqlIncidentStore,
  SqlLlmTranscriptStore,
  type SqlDatabase,
} from '../../src/adapters/sql/index.ts';
import type { NormalizedAlert } from '../../src/contracts/index.ts';
import type { NewLlmTranscript } from '../../src/ports/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const backends = await storeBackends('tw_llm');

function alert(over: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    source: 'test',
    title: 'Suspicious login',
    severity: 'high',
    incidentType: 'suspicious_login',
    occurredAt: new Date(),
    indicators: [{ type: 'ipv4', value: '203.0.113.77' }],
    assets: [],
    tags: [],
    mitreTechniques: [],
    fingerprint: `test:${randomUUID()}`,
    raw: { n: 1 },
    ...over,
  };
}

function transcript(incidentId: string, over: Partial<NewLlmTranscript> = {}): NewLlmTranscript {
  return {
    incident_id: incidentId,
    step_key: 'analyze',
    attempt_key: 'run-1',
    provider: 'openai',
    model: 'm',
    outcome: 'verdict',
    decided_by: 'llm',
    fallback_reason: null,
    verdict: {
      classification: 'malicious',
      confidence: 0.9,
      category: 'account_compromise',
      reasoning: 'r',
      reasons: ['e'],
      recommended_actions: ['block_ip:203.0.113.77'],
      mitre_techniques: ['T1078'],
      indicators: [{ type: 'ipv4', value: '203.0.113.77' }],
      score: null,
    },
    messages: [
      { role: 'system', content: 's' },
      { role: 'user', content: 'u\u0000 with a NUL' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'c1', name: 'lookup_indicator', arguments: '{}' }],
        usage: { input_tokens: 10, output_tokens: 5 },
        latency_ms: 12,
        finish: 'tool_calls',
      },
    ],
    iterations: 2,
    tool_calls: 1,
    unknown_tool_calls: 0,
    input_tokens: 100,
    output_tokens: 20,
    cost_usd: 0.00036,
    latency_ms: 250,
    injection: [],
    redactions: { secret: 1 },
    ...over,
  };
}

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`SqlLlmTranscriptStore on ${backend.name}`, () => {
    let db: SqlDatabase;
    let incidents: SqlIncidentStore;
    let store: SqlLlmTranscriptStore;
    beforeAll(async () => {
      db = await backend.open();
      await migrate(db);
      incidents = new SqlIncidentStore(db);
      store = new SqlLlmTranscriptStore(db);
    });
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
    });

    it('saves once per (incident, step, attempt); the second save gets the first row back and writes no audit', async () => {
      const { incident } = await incidents.ingest(alert(), 60_000);
      const first = await store.save(transcript(incident.id), 'analyzer:llm');
      expect(first.created).toBe(true);
      expect(first.record).toMatchObject({
        incident_id: incident.id,
        decided_by: 'llm',
        input_tokens: 100,
        cost_usd: 0.00036,
      });
      expect(first.record.messages[1]!.content).toBe('u with a NUL');
      const second = await store.save(
        transcript(incident.id, { decided_by: 'deterministic', outcome: 'fallback', fallback_reason: 'x' }),
        'analyzer:llm',
      );
      expect(second.created).toBe(false);
      expect(second.record).toEqual(first.record);
      expect(await store.find(incident.id, 'analyze', 'run-1')).toEqual(first.record);
      expect(await store.find(incident.id, 'analyze', 'run-2')).toBeNull();
      await store.save(
        transcript(incident.id, {
          attempt_key: 'run-2',
          injection: [{ rule: 'role_tag', field: 'title', excerpt: '<system>' }],
        }),
        'analyzer:llm',
      );
      expect((await store.list(incident.id)).map((t) => t.attempt_key)).toEqual(['run-1', 'run-2']);

      const audit = await db.primary
        .selectFrom('audit_log')
        .select(['action', 'actor', 'details'])
        .where('incident_id', '=', incident.id)
        .where('action', 'like', 'llm.%')
        .orderBy('id')
        .execute();
      expect(audit.map((a) => a.action)).toEqual([
        'llm.analysis',
        'llm.analysis',
        'llm.prompt_injection_detected',
      ]);
      expect(audit[0]!.actor).toBe('analyzer:llm');
      expect(audit[0]!.details).toMatchObject({
        decided_by: 'llm',
        recommended_actions: ['block_ip:203.0.113.77'],
      });
      expect(audit[2]!.details).toMatchObject({ rules: ['role_tag'] });
    });

    it('checkpoints keep an in_progress row that the final save completes; none after the final save', async () => {
      const { incident } = await incidents.ingest(alert(), 60_000);
      const t = transcript(incident.id, { attempt_key: 'cp' });
      const { outcome: _o, decided_by: _d, fallback_reason: _f, verdict: _v, cost_usd: _c, ...progress } = t;
      expect(await store.checkpoint({ ...progress, iterations: 1 })).toBe(true);
      expect(await store.checkpoint({ ...progress, iterations: 2 })).toBe(true);
      const partial = await store.find(incident.id, 'analyze', 'cp');
      expect(partial).toMatchObject({
        outcome: 'in_progress',
        decided_by: null,
        verdict: null,
        iterations: 2,
      });
      const saved = await store.save(t, 'a');
      expect(saved).toMatchObject({
        created: true,
        record: { id: partial!.id, outcome: 'verdict', iterations: 2 },
      });
      expect(await store.checkpoint(progress)).toBe(false);
      expect((await store.find(incident.id, 'analyze', 'cp'))!.outcome).toBe('verdict');
    });

    it('concurrent saves of one key: exactly one row and one audit entry', async () => {
      const { incident } = await incidents.ingest(alert(), 60_000);
      const results = await Promise.all([1, 2, 3].map(() => store.save(transcript(incident.id), 'a')));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.record.id)).size).toBe(1);
      const n = await db.primary
        .selectFrom('audit_log')
        .select('id')
        .where('incident_id', '=', incident.id)
        .where('action', '=', 'llm.analysis')
        .execute();
      expect(n).toHaveLength(1);
    });

    it('related incidents share an indicator (newest first, bounded); raw alerts newest first', async () => {
      const shared = `198.51.100.${Math.floor(Math.random() * 200)}`;
      const a = await incidents.ingest(
        alert({
          indicators: [
            { type: 'ipv4', value: shared },
            { type: 'domain', value: 'only-a.example' },
          ],
        }),
        60_000,
      );
      const b = await incidents.ingest(
        alert({ title: 'b', indicators: [{ type: 'ipv4', value: shared }] }),
        60_000,
      );
      const c = await incidents.ingest(
        alert({ title: 'c', indicators: [{ type: 'ipv4', value: shared }] }),
        60_000,
      );
      await incidents.ingest(
        alert({ title: 'unrelated', indicators: [{ type: 'domain', value: 'elsewhere.example' }] }),
        60_000,
      );
      const related = await store.relatedIncidents(a.incident.id, 10);
      expect(related.map((r) => r.id)).toEqual([c.incident.id, b.incident.id]);
      expect(related[0]!.shared_indicators).toEqual([{ type: 'ipv4', value: shared }]);
      expect(await store.relatedIncidents(a.incident.id, 1)).toHaveLength(1);

      await incidents.ingest(alert({ fingerprint: a.incident.fingerprint, raw: { n: 2 } }), 60_000);
      const alerts = await store.alerts(a.incident.id, 5);
      expect(alerts.map((x) => x.raw)).toEqual([{ n: 2 }, { n: 1 }]);
    });

    it('transcripts go with their incident', async () => {
      const { incident } = await incidents.ingest(alert(), 60_000);
      await store.save(transcript(incident.id), 'a');
      await db.primary.deleteFrom('incidents').where('id', '=', incident.id).execute();
      expect(await store.list(incident.id)).toEqual([]);
    });
  });
}
