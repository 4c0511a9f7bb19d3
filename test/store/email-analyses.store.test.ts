// Email analyses (migration 0009_email_analyses) on PGlite and PostgreSQL 15: attach stores the
// analysis with its indicators and enrichments in one transaction, dedupes by message SHA-256 per
// incident, sends a triaged incident back to `new` (new evidence) and leaves a human-owned one alone.
import type { JobPayloads } from '../../src/core/jobs/job-catalog.ts';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SqlEmailAnalysisStore,
  SqlIncidentStore,
  migrate,
  type SqlDatabase,
} from '../../src/adapters/sql/index.ts';
import type { IncidentStatus, NormalizedAlert } from '../../src/contracts/index.ts';
import { InProcessEventBus, InProcessJobQueue } from '../../src/adapters/in-process/index.ts';
import { analyzeEmail, emailEvidence, EmailAnalysisService } from '../../src/core/email/index.ts';
import { SILENT_LOGGER, type NewEmailAnalysis } from '../../src/ports/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/email/${name}`, import.meta.url));

function alert(raw: unknown = null): NormalizedAlert {
  return {
    source: 'test',
    title: 'User reported phishing',
    severity: 'medium',
    incidentType: 'phishing',
    occurredAt: new Date(),
    indicators: [{ type: 'email', value: 'bob@corp.example.com' }],
    assets: [],
    tags: [],
    mitreTechniques: [],
    fingerprint: `test:email:${randomUUID()}`,
    raw,
  };
}

async function newAnalysis(incidentId: string, name: string): Promise<NewEmailAnalysis> {
  const a = await analyzeEmail(fixture(name));
  const ev = emailEvidence(a);
  return {
    incident_id: incidentId,
    sha256: a.sha256,
    message_id: a.summary.message_id,
    subject: a.summary.subject,
    from_address: a.summary.from,
    source: 'upload',
    score: a.score,
    verdict: a.verdict,
    analysis: a,
    indicators: ev.indicators,
    enrichments: ev.enrichments,
    actor: 'user:alice',
  };
}

const backends = await storeBackends('tw_email');

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`email analyses on ${backend.name}`, () => {
    let db: SqlDatabase;
    let incidents: SqlIncidentStore;
    let store: SqlEmailAnalysisStore;
    beforeAll(async () => {
      db = await backend.open();
      await migrate(db);
      incidents = new SqlIncidentStore(db);
      store = new SqlEmailAnalysisStore(db);
    }, 120_000);
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
    });

    async function incidentIn(status: IncidentStatus): Promise<string> {
      const { incident } = await incidents.ingest(alert(), 3_600_000);
      const path: IncidentStatus[] = ['new', 'enriching', 'analyzing', 'pending_review', 'escalated'];
      for (let i = 1; i <= path.indexOf(status); i++) {
        await incidents.transition({
          id: incident.id,
          from: path[i - 1]!,
          to: path[i]!,
          actor: 't',
          action: 't',
        });
      }
      return incident.id;
    }

    it('stores the analysis, indicators and enrichments, audits it, and re-triages a triaged incident', async () => {
      const id = await incidentIn('pending_review');
      const input = await newAnalysis(id, 'phish-credential.eml');
      const r = await store.attach(input);
      expect(r).toMatchObject({
        created: true,
        requeued_from: 'pending_review',
        incident: { status: 'new' },
      });
      expect(r!.indicators_added).toBe(input.indicators.length);
      expect(r!.record).toMatchObject({
        incident_id: id,
        sha256: input.sha256,
        source: 'upload',
        verdict: 'malicious',
        score: input.score,
        from_address: 'security-noreply@micros0ft-support.com',
        alert_id: null,
        created_by: 'user:alice',
      });
      expect((r!.record.analysis as { findings: unknown[] }).findings.length).toBeGreaterThan(5);

      const detail = await incidents.getDetail(id);
      expect(detail!.indicators.map((i) => i.value)).toEqual(
        expect.arrayContaining([
          'security-noreply@micros0ft-support.com',
          'micros0ft-support.com',
          '203.0.113.77',
        ]),
      );
      expect(detail!.enrichments.filter((e) => e.provider === 'email_analysis')).toHaveLength(
        input.enrichments.length,
      );
      const actions = detail!.timeline.map((t) => t.action);
      expect(actions).toEqual(expect.arrayContaining(['email.analyzed', 'triage.requeued']));
      expect(await store.knownHashes(id)).toEqual(new Set([input.sha256]));
    });

    it('dedupes by message SHA-256 per incident: the same message again writes nothing', async () => {
      const id = await incidentIn('new');
      const input = await newAnalysis(id, 'malware-attachments.eml');
      const first = await store.attach(input);
      const before = await incidents.getDetail(id);
      const again = await store.attach({ ...input, actor: 'user:bob' });
      expect(again).toMatchObject({
        created: false,
        indicators_added: 0,
        record: { id: first!.record.id, created_by: 'user:alice' },
      });
      expect(again!.requeued_from).toBeUndefined();
      const after = await incidents.getDetail(id);
      expect(after!.enrichments).toHaveLength(before!.enrichments.length);
      expect(after!.timeline).toHaveLength(before!.timeline.length);
      // Another incident may hold the same message.
      const other = await incidentIn('new');
      expect(await store.attach({ ...input, incident_id: other })).toMatchObject({ created: true });
    });

    it('keeps the status of a new or human-owned incident; lists newest first; null for a missing incident', async () => {
      const fresh = await incidentIn('new');
      expect(
        (await store.attach(await newAnalysis(fresh, 'newsletter-clean.eml')))?.requeued_from,
      ).toBeUndefined();
      const owned = await incidentIn('escalated');
      const r = await store.attach(await newAnalysis(owned, 'phish-credential.eml'));
      expect(r).toMatchObject({ created: true, incident: { status: 'escalated' } });
      expect(r!.requeued_from).toBeUndefined();
      await store.attach(await newAnalysis(owned, 'forward-nested.eml'));

      const page = await store.list(owned, 1, 1);
      expect(page!.pagination).toMatchObject({ total_items: 2, total_pages: 2, page: 1, per_page: 1 });
      expect(page!.data[0]!.from_address).toBe('erin@corp.example.com');
      expect((await store.list(owned, 2, 1))!.data[0]!.from_address).toBe(
        'security-noreply@micros0ft-support.com',
      );
      expect(await store.list(randomUUID(), 1, 20)).toBeNull();
      expect(
        await store.attach({ ...(await newAnalysis(owned, 'truncated.eml')), incident_id: randomUUID() }),
      ).toBeNull();
    });

    it('concurrent uploads of one message to one incident store it once', async () => {
      const id = await incidentIn('pending_review');
      const input = await newAnalysis(id, 'phish-credential.eml');
      const results = await Promise.all(Array.from({ length: 5 }, () => store.attach(input)));
      expect(results.filter((r) => r!.created)).toHaveLength(1);
      expect(results.filter((r) => r!.requeued_from === 'pending_review')).toHaveLength(1);
      expect((await store.list(id, 1, 20))!.pagination.total_items).toBe(1);
    });

    it('stores hostile text (NUL, lone surrogates) and keeps alert payloads for the triage step', async () => {
      const { incident } = await incidents.ingest(alert({ raw_email: 'From: a@b.example\n\nx' }), 3_600_000);
      const input = await newAnalysis(incident.id, 'truncated.eml');
      const r = await store.attach({
        ...input,
        sha256: 'f'.repeat(64),
        subject: 'bad\u0000subject \ud800',
        analysis: { note: 'lone \udc00 and nul \u0000' },
        source: 'alert',
        alert_id: (await store.alertPayloads(incident.id, 5))[0]!.id,
      });
      expect(r!.record.subject!.startsWith('badsubject ')).toBe(true);
      expect(JSON.stringify(r!.record.analysis)).not.toContain('\\u0000');
      expect(r!.record.source).toBe('alert');
      expect(await store.alertPayloads(incident.id, 5)).toEqual([
        { id: r!.record.alert_id, raw: { raw_email: 'From: a@b.example\n\nx' } },
      ]);
      // Looked through once: later triage runs do not read the payload again.
      await store.markAlertsScanned([r!.record.alert_id!]);
      expect(await store.alertPayloads(incident.id, 5)).toEqual([]);
      await store.markAlertsScanned([]);
    });

    it('the triage step analyses messages in alerts once, retries a timed-out one, and re-triages on upload', async () => {
      const queue = new InProcessJobQueue<JobPayloads>({
        retry: { attempts: 1, backoffMs: 10 },
      });
      const bus = new InProcessEventBus();
      const service = (timeLimitMs: number) =>
        new EmailAnalysisService({
          store,
          incidents,
          queue,
          bus,
          log: SILENT_LOGGER,
          options: { timeLimitMs },
        });
      const eml = fixture('malware-attachments.eml').toString('base64');
      const { incident } = await incidents.ingest(
        alert({ evidence: [{ contentType: 'message/rfc822', contentBytes: eml }] }),
        3_600_000,
      );

      // Too slow: nothing stored, the alert stays to be looked at again.
      expect(await service(0).fromAlerts(incident.id, 'orchestrator:t')).toBe(0);
      expect(await store.alertPayloads(incident.id, 5)).toHaveLength(1);
      expect(await service(5000).fromAlerts(incident.id, 'orchestrator:t')).toBe(1);
      expect(await store.alertPayloads(incident.id, 5)).toEqual([]);
      expect(await service(5000).fromAlerts(incident.id, 'orchestrator:t')).toBe(0);
      const [stored] = (await store.list(incident.id, 1, 5))!.data;
      expect(stored).toMatchObject({ source: 'alert', verdict: 'malicious', created_by: 'orchestrator:t' });

      // An upload to the triaged incident sends it back to `new` and enqueues it.
      for (const [from, to] of [
        ['new', 'enriching'],
        ['enriching', 'analyzing'],
        ['analyzing', 'pending_review'],
      ] as const) {
        await incidents.transition({ id: incident.id, from, to, actor: 't', action: 't' });
      }
      const out = await service(5000).attach(incident.id, fixture('phish-credential.eml'), 'user:alice');
      expect(out).toMatchObject({ created: true, requeued_from: 'pending_review', queued: true });
      expect((await queue.enqueue('triage', incident.id, { incident_id: incident.id })).added).toBe(false);
      await expect(
        service(5000).attach(randomUUID(), fixture('phish-credential.eml'), 'u'),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await queue.close({ graceMs: 0 });
      await bus.close();
    });

    it('the triage step analyses at most 10 messages per run; alerts not reached wait for the next run', async () => {
      const queue = new InProcessJobQueue<JobPayloads>({
        retry: { attempts: 1, backoffMs: 10 },
      });
      const bus = new InProcessEventBus();
      const service = new EmailAnalysisService({
        store,
        incidents,
        queue,
        bus,
        log: SILENT_LOGGER,
        options: {},
      });
      const fingerprint = `test:email:${randomUUID()}`;
      let id = '';
      for (let a = 0; a < 3; a++) {
        const messages = Array.from({ length: 5 }, (_, m) => ({
          eml: `From: s${a}${m}@sender.example\r\nSubject: m${a}-${m}\r\n\r\nhello\r\n`,
        }));
        id = (await incidents.ingest({ ...alert({ messages }), fingerprint }, 3_600_000)).incident.id;
      }
      expect(await service.fromAlerts(id, 'orchestrator:t')).toBe(10);
      expect(await store.alertPayloads(id, 5)).toHaveLength(1);
      expect(await service.fromAlerts(id, 'orchestrator:t')).toBe(5);
      expect(await store.alertPayloads(id, 5)).toEqual([]);
      expect((await store.list(id, 1, 20))!.pagination.total_items).toBe(15);
      const aborted = AbortSignal.abort();
      const other = (
        await incidents.ingest(alert({ eml: 'From: x@y.example\r\nSubject: s\r\n\r\nb\r\n' }), 3_600_000)
      ).incident.id;
      expect(await service.fromAlerts(other, 'orchestrator:t', aborted)).toBe(0);
      expect(await store.alertPayloads(other, 5)).toHaveLength(1);
      await queue.close({ graceMs: 0 });
      await bus.close();
    });
  });
}
