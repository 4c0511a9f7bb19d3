// One SQL dialect, two engines: the store's contract runs on PGlite (PostgreSQL 18 in WASM) and on
// the real PostgreSQL 15 server, each in a fresh schema/database.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, SqlIncidentStore, migrate, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import { InProcessCache, InProcessEventBus } from '../../src/adapters/in-process/index.ts';
import type { NormalizedAlert } from '../../src/contracts/index.ts';
import { EnrichmentService } from '../../src/core/enrichment/enrichment.service.ts';
import { Semaphore } from '../../src/core/shared/semaphore.ts';
import { DeterministicAnalyzer } from '../../src/core/triage/deterministic.analyzer.ts';
import { BuiltinPlaybookSource } from '../../src/core/playbooks/builtin-playbooks.ts';
import { AnalyzerRegistry } from '../../src/core/triage/analyzer-registry.ts';
import { TriageService } from '../../src/core/triage/triage.service.ts';
import { DEMO_LIST_ENTRIES, LocalListIntelProvider } from '../../src/extensions/intel/index.ts';
import { NOOP_TELEMETRY, SILENT_LOGGER } from '../../src/ports/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

function alert(over: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    source: 'test',
    title: 'Suspicious login from 185.220.101.47',
    description: 'credential stuffing against the VPN portal',
    severity: 'high',
    incidentType: 'suspicious_login',
    occurredAt: new Date(),
    indicators: [
      { type: 'ipv4', value: '185.220.101.47' },
      { type: 'username', value: 'jdoe@corp.example' },
    ],
    assets: [{ kind: 'user', name: 'jdoe@corp.example' }],
    tags: ['vpn'],
    mitreTechniques: ['T1110'],
    fingerprint: `test:h:${randomUUID()}`,
    raw: { any: 'thing' },
    ...over,
  };
}

const backends = await storeBackends('tw_store');

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(
    `SqlIncidentStore on ${backend.name}${backend.skip ? ` (${backend.skip})` : ''}`,
    () => {
      let db: SqlDatabase;
      let store: SqlIncidentStore;
      beforeAll(async () => {
        db = await backend.open();
        expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.id));
        expect(await migrate(db)).toEqual([]);
        store = new SqlIncidentStore(db);
      });
      afterAll(async () => {
        await db?.close();
        await backend.cleanup();
      });

      it('ingest commits incident, alert, indicators and audit; dedup folds by fingerprint within the window', async () => {
        const a = alert();
        const first = await store.ingest(a, 60_000);
        expect(first.created).toBe(true);
        expect(first.incident).toMatchObject({
          status: 'new',
          severity: 'high',
          occurrence_count: 1,
          version: 1,
        });
        const again = await store.ingest(
          { ...a, indicators: [...a.indicators, { type: 'domain', value: 'evil.example' }] },
          60_000,
        );
        expect(again.created).toBe(false);
        expect(again.incident.id).toBe(first.incident.id);
        expect(again.incident.occurrence_count).toBe(2);
        const detail = (await store.getDetail(first.incident.id))!;
        expect(detail.alerts).toHaveLength(2);
        expect(detail.indicators.map((i) => i.value).sort()).toEqual([
          '185.220.101.47',
          'evil.example',
          'jdoe@corp.example',
        ]);
        expect(detail.timeline.map((t) => t.action)).toEqual(['incident.created', 'alert.deduplicated']);
        // Outside the window: a new incident.
        const later = await store.ingest(a, 0);
        expect(later.created).toBe(true);
      });

      it('strips U+0000, which PostgreSQL cannot store, instead of failing', async () => {
        const r = await store.ingest(
          alert({ title: 'nul\u0000byte', raw: { 'k\u0000': 'v\u0000' } }),
          60_000,
        );
        const d = (await store.getDetail(r.incident.id))!;
        expect(d.title).toBe('nulbyte');
        expect(d.alerts[0]!.raw).toEqual({ k: 'v' });
      });

      it('transition is a compare-and-set: only one of many concurrent moves wins, with one audit entry', async () => {
        const { incident } = await store.ingest(alert(), 60_000);
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            store.transition({
              id: incident.id,
              from: 'new',
              to: 'enriching',
              actor: `w${i}`,
              action: 'triage.started',
            }),
          ),
        );
        const winners = results.filter(Boolean);
        expect(winners).toHaveLength(1);
        expect(winners[0]!.previous_status).toBe('new');
        expect(winners[0]!.version).toBe(2);
        const d = (await store.getDetail(incident.id))!;
        expect(d.timeline.filter((t) => t.action === 'triage.started')).toHaveLength(1);
      });

      it('each step is one statement: status, audit (from/to), enrichments and verdict land together, NULs stripped', async () => {
        const { incident } = await store.ingest(alert(), 60_000);
        const base = { id: incident.id, actor: 'orchestrator:x' };
        expect(
          await store.transition({ ...base, from: 'analyzing', to: 'enriching', action: 'nope' }),
        ).toBeNull();
        const started = await store.transition({
          ...base,
          from: ['new', 'enriching'],
          to: 'enriching',
          action: 'triage.started',
          details: { pipeline: 'p', from: 'overridden' },
        });
        expect(started).toMatchObject({ status: 'enriching', previous_status: 'new', version: 2 });
        const enriched = await store.recordEnrichment(
          { ...base, from: 'enriching', to: 'analyzing', action: 'triage.enriched' },
          [
            {
              indicator_type: 'ipv4',
              indicator_value: '203.0.113.9',
              provider: 'local\u0000list'.replace('\\u0000', '\u0000'),
              verdict: 'malicious',
              score: 0.9,
              first_seen: '2024-01-02T03:04:05.000Z',
              last_seen: '2024-06-01T00:00:00.000Z',
              details: { note: 'a\u0000b', 'k\u0000': 1 },
            },
            {
              indicator_type: 'domain',
              indicator_value: 'example.org',
              provider: 'p2',
              verdict: 'unknown',
              score: null,
              details: {},
            },
          ],
        );
        expect(enriched).toMatchObject({ status: 'analyzing', version: 3 });
        // The loser of a race writes nothing: no second set of enrichments.
        expect(
          await store.recordEnrichment(
            { ...base, from: 'enriching', to: 'analyzing', action: 'triage.enriched' },
            [
              {
                indicator_type: 'ipv4',
                indicator_value: '1.1.1.1',
                provider: 'p',
                verdict: 'clean',
                score: 0,
                details: {},
              },
            ],
          ),
        ).toBeNull();
        const verdict = {
          analyzer: 'deterministic',
          classification: 'malicious' as const,
          confidence: 0.875,
          category: 'c2',
          reasoning: 'because\u0000',
          reasons: [{ factor: 'intel', weight: 1 }],
          recommended_actions: [{ action: 'block_ip', target: '203.0.113.9' }],
          mitre_techniques: ['T1071'],
          indicators: [],
          score: null,
        };
        const done = await store.recordAnalysis(
          { ...base, from: 'analyzing', to: 'pending_review', action: 'triage.analyzed' },
          verdict as never,
        );
        expect(done).toMatchObject({ status: 'pending_review', classification: 'malicious', version: 4 });
        expect(done!.confidence).toBeCloseTo(0.875);
        expect(done!.triaged_at).toEqual(expect.any(String));
        expect(
          await store.recordAnalysis(
            { ...base, from: 'analyzing', to: 'resolved', action: 'triage.analyzed' },
            verdict as never,
          ),
        ).toBeNull();
        const d = (await store.getDetail(incident.id))!;
        const byValue = [...d.enrichments].sort((x, y) => x.indicator_value.localeCompare(y.indicator_value));
        expect(byValue.map((e) => [e.indicator_value, e.provider, e.score, e.details])).toEqual([
          ['203.0.113.9', 'locallist', 0.9, { note: 'ab', k: 1 }],
          ['example.org', 'p2', null, {}],
        ]);
        // The intel vocabulary and first/last seen (migration 0010_intel) round-trip on both engines.
        expect(byValue.map((e) => [e.verdict, e.first_seen, e.last_seen])).toEqual([
          ['malicious', '2024-01-02T03:04:05.000Z', '2024-06-01T00:00:00.000Z'],
          ['unknown', null, null],
        ]);
        expect(d.verdict).toMatchObject({
          analyzer: 'deterministic',
          reasoning: 'because',
          reasons: verdict.reasons,
          recommended_actions: verdict.recommended_actions,
          mitre_techniques: ['T1071'],
          score: null,
        });
        expect(d.timeline.map((t) => [t.action, t.actor, t.details.from, t.details.to])).toEqual([
          ['incident.created', 'system', undefined, undefined],
          ['triage.started', 'orchestrator:x', 'new', 'enriching'],
          ['triage.enriched', 'orchestrator:x', 'enriching', 'analyzing'],
          ['triage.analyzed', 'orchestrator:x', 'analyzing', 'pending_review'],
        ]);
        expect(d.timeline[1]!.details.pipeline).toBe('p');
      });

      it('concurrent triage runs of one incident store exactly one verdict and one audit entry per step', async () => {
        const { incident } = await store.ingest(alert(), 60_000);
        const triage = new TriageService({
          store,
          bus: new InProcessEventBus(),
          enricher: new EnrichmentService({
            providers: [LocalListIntelProvider.fromEntries(DEMO_LIST_ENTRIES)],
            cache: new InProcessCache(),
            cacheTtlMs: 60_000,
            concurrency: 4,
          }),
          playbooks: new BuiltinPlaybookSource(),
          analyzers: new AnalyzerRegistry(new DeterministicAnalyzer()),
          analyzerSlots: new Semaphore(5),
          policy: {
            autoResolveBenign: true,
            autoResolveMinConfidence: 0.85,
            autoResolveStatus: 'false_positive',
          },
          log: SILENT_LOGGER,
          telemetry: NOOP_TELEMETRY,
          actor: 'test',
        });
        const outcomes = await Promise.all(
          Array.from({ length: 6 }, () => triage.triage(incident.id, new AbortController().signal)),
        );
        expect(outcomes.filter((o) => o === 'completed')).toHaveLength(1);
        const d = (await store.getDetail(incident.id))!;
        expect(d.status).toBe('pending_review');
        expect(d.verdict?.classification).toBe('malicious');
        const counts = await sql<{ action: string; n: number }>`
        SELECT action, count(*)::int AS n FROM audit_log WHERE incident_id = ${incident.id} GROUP BY action`.execute(
          db.primary,
        );
        expect(Object.fromEntries(counts.rows.map((r) => [r.action, Number(r.n)]))).toEqual({
          'incident.created': 1,
          'triage.started': 1,
          'triage.enriched': 1,
          'triage.analyzed': 1,
        });
        const analyses = await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM analyses WHERE incident_id = ${incident.id}`.execute(db.primary);
        expect(Number(analyses.rows[0]!.n)).toBe(1);
        // A redelivered job after completion does nothing.
        expect(await triage.triage(incident.id, new AbortController().signal)).toBe('skipped');
      });

      it('list filters, full-text search, sort and pagination', async () => {
        const tag = randomUUID().slice(0, 8);
        for (let i = 0; i < 5; i++) {
          await store.ingest(
            alert({
              source: `list-${tag}`,
              title: i % 2 ? `Phishing wave ${tag} number ${i}` : `Malware beacon ${tag} number ${i}`,
              severity: i % 2 ? 'low' : 'critical',
              incidentType: i % 2 ? 'phishing' : 'malware',
            }),
            60_000,
          );
        }
        const base = { sort: 'created_at', order: 'desc', page: 1, per_page: 2 } as const;
        const all = await store.list({ ...base, source: [`list-${tag}`] });
        expect(all.pagination).toMatchObject({
          page: 1,
          per_page: 2,
          total_items: 5,
          total_pages: 3,
          total_exact: true,
        });
        expect(all.pagination.next_cursor).toEqual(expect.any(String));
        expect(all.data).toHaveLength(2);
        const page3 = await store.list({ ...base, source: [`list-${tag}`], page: 3 });
        expect(page3.data).toHaveLength(1);
        expect(page3.pagination.next_cursor).toBeNull();
        const phish = await store.list({
          ...base,
          per_page: 50,
          source: [`list-${tag}`],
          q: 'phishing wave',
        });
        expect(phish.data.map((i) => i.incident_type)).toEqual(['phishing', 'phishing']);
        const crit = await store.list({
          ...base,
          per_page: 50,
          source: [`list-${tag}`],
          severity: ['critical'],
          incident_type: ['malware'],
        });
        expect(crit.pagination.total_items).toBe(3);
        const bySeverity = await store.list({
          ...base,
          per_page: 50,
          source: [`list-${tag}`],
          sort: 'severity',
          order: 'asc',
        });
        expect(bySeverity.data[0]!.severity).toBe('low');
        const none = await store.list({
          ...base,
          source: [`list-${tag}`],
          since: new Date(Date.now() + 60_000),
        });
        expect(none.pagination.total_items).toBe(0);
      });

      it('findStale returns pending incidents untouched for the threshold', async () => {
        const { incident } = await store.ingest(alert(), 60_000);
        await sql`UPDATE incidents SET updated_at = now() - interval '10 minutes' WHERE id = ${incident.id}`.execute(
          db.primary,
        );
        const stale = await store.findStale(['new'], 5 * 60_000, 1000);
        expect(stale.map((s) => s.id)).toContain(incident.id);
      });

      it('fencing: a lower term is refused, and fenced writes do nothing', async () => {
        const fence = `f-${randomUUID()}`;
        expect(await store.claimTerm(fence, 5, 'a')).toBe(true);
        expect(await store.claimTerm(fence, 5, 'a')).toBe(true);
        expect(await store.claimTerm(fence, 7, 'b')).toBe(true);
        expect(await store.claimTerm(fence, 6, 'a')).toBe(false);
        expect(await store.purgeClosedIncidents({ name: fence, term: 6, holder: 'a' }, 0, 10)).toBeNull();
        const { incident } = await store.ingest(alert(), 60_000);
        await store.transition({
          id: incident.id,
          from: 'new',
          to: 'dismissed',
          actor: 't',
          action: 'incident.dismiss',
        });
        await sql`UPDATE incidents SET updated_at = now() - interval '2 days' WHERE id = ${incident.id}`.execute(
          db.primary,
        );
        const purged = await store.purgeClosedIncidents(
          { name: fence, term: 7, holder: 'b' },
          86_400_000,
          1000,
        );
        expect(purged).toBeGreaterThanOrEqual(1);
        expect(await store.get(incident.id)).toBeNull();
      });

      it('triage stats and counts', async () => {
        const stats = await store.triageStats(3_600_000);
        expect(stats.count).toBeGreaterThanOrEqual(1);
        expect(stats.mean_seconds).not.toBeNull();
        expect((await store.countByStatus()).new).toBeGreaterThan(0);
        expect(await store.countPendingApprovals()).toBe(0);
      });
    },
  );
}
