import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessCache, InProcessEventBus } from '../../src/adapters/in-process/index.ts';
import { migrate, SqlIncidentStore, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import type { BusEvent, NormalizedAlert } from '../../src/contracts/index.ts';
import { EnrichmentService } from '../../src/core/enrichment/enrichment.service.ts';
import { BuiltinPlaybookSource } from '../../src/core/playbooks/builtin-playbooks.ts';
import type { PlaybookDefinition, PlaybookStage } from '../../src/core/playbooks/playbook.model.ts';
import { Semaphore } from '../../src/core/shared/semaphore.ts';
import type { AnalysisContext, AnalysisInput, Analyzer, Verdict } from '../../src/core/triage/analyzer.ts';
import { AnalyzerRegistry } from '../../src/core/triage/analyzer-registry.ts';
import { DeterministicAnalyzer } from '../../src/core/triage/deterministic.analyzer.ts';
import { TriageService } from '../../src/core/triage/triage.service.ts';
import { DEMO_LIST_ENTRIES, LocalListIntelProvider } from '../../src/extensions/intel/index.ts';
import { NOOP_TELEMETRY, SILENT_LOGGER, type EventBus } from '../../src/ports/index.ts';
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
    raw: { user: { name: 'jdoe' }, vpn: { gateway: 'gw-1' } },
    ...over,
  };
}

function playbook(stages: PlaybookStage[], over: Partial<PlaybookDefinition> = {}): PlaybookDefinition {
  return {
    name: 'under-test',
    version: 3,
    description: 'test',
    enabled: true,
    priority: 10,
    trigger: {},
    stages,
    origin: 'api',
    ...over,
  };
}

/** The deterministic analyst, counting its calls and the contexts it was given. */
class CountingAnalyzer implements Analyzer {
  calls: AnalysisContext[] = [];
  private readonly inner = new DeterministicAnalyzer();
  constructor(readonly name: string) {}
  async analyze(input: AnalysisInput, signal?: AbortSignal, context?: AnalysisContext): Promise<Verdict> {
    if (context) this.calls.push(context);
    return this.inner.analyze(input, signal);
  }
}

/** Holds each call until `parties` calls are in flight at once (fails after 3 s otherwise). */
class BarrierAnalyzer extends CountingAnalyzer {
  inFlight = 0;
  maxInFlight = 0;
  private waiters: (() => void)[] = [];
  constructor(
    name: string,
    private readonly parties: number,
  ) {
    super(name);
  }
  override async analyze(input: AnalysisInput, signal?: AbortSignal, context?: AnalysisContext) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.inFlight >= this.parties) for (const w of this.waiters.splice(0)) w();
    else
      await new Promise<void>((resolve, reject) => {
        this.waiters.push(resolve);
        setTimeout(() => reject(new Error('barrier: the other step never ran alongside')), 3000).unref();
      });
    try {
      return await super.analyze(input, signal, context);
    } finally {
      this.inFlight--;
    }
  }
}

const backends = await storeBackends('tw_pipeline');

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(
    `triage pipeline on ${backend.name}${backend.skip ? ` (${backend.skip})` : ''}`,
    () => {
      let db: SqlDatabase;
      let store: SqlIncidentStore;
      beforeAll(async () => {
        db = await backend.open();
        await migrate(db);
        store = new SqlIncidentStore(db);
      });
      afterAll(async () => {
        await db?.close();
        await backend.cleanup();
      });

      function service(
        pb: PlaybookDefinition,
        options: { deterministic?: Analyzer; llm?: Analyzer; bus?: EventBus; store?: SqlIncidentStore } = {},
      ) {
        const analyzers = new AnalyzerRegistry(options.deterministic ?? new DeterministicAnalyzer());
        if (options.llm) analyzers.registerLlm(options.llm);
        const bus = options.bus ?? new InProcessEventBus();
        const triage = new TriageService({
          store: options.store ?? store,
          bus,
          enricher: new EnrichmentService({
            providers: [LocalListIntelProvider.fromEntries(DEMO_LIST_ENTRIES)],
            cache: new InProcessCache(),
            cacheTtlMs: 60_000,
            concurrency: 4,
          }),
          playbooks: new BuiltinPlaybookSource([pb]),
          analyzers,
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
        return { triage, bus };
      }

      async function events(bus: EventBus): Promise<BusEvent[]> {
        const seen: BusEvent[] = [];
        await bus.subscribe((e) => void seen.push(e));
        return seen;
      }

      async function steps(id: string) {
        const r = await sql<{ run: number; step_id: string; kind: string; outcome: string; result: unknown }>`
          SELECT run, step_id, kind, outcome, result FROM triage_steps WHERE incident_id = ${id}
          ORDER BY created_at, step_id`.execute(db.primary);
        return r.rows;
      }

      async function audit(id: string, action: string) {
        const d = (await store.getDetail(id))!;
        return d.timeline.filter((t) => t.action === action);
      }

      const signal = () => new AbortController().signal;

      it('runs stages in order: enrich (filtered), analyze, propose_action and notify, each recorded once', async () => {
        const llm = new CountingAnalyzer('llm-test');
        const pb = playbook([
          {
            name: 'intel',
            parallel: false,
            steps: [{ id: 'ip-intel', kind: 'enrich', indicator_types: ['ipv4'] }],
          },
          { name: 'verdict', parallel: false, steps: [{ id: 'judge', kind: 'analyze', analyzer: 'auto' }] },
          {
            name: 'respond',
            parallel: false,
            steps: [
              { id: 'block', kind: 'propose_action', action: 'block_ip', target: '{{indicator.ipv4}}' },
              {
                id: 'tell',
                kind: 'notify',
                channel: 'soc-slack',
                message: '{{incident.title}} is {{verdict.classification}} (gw {{alert.vpn.gateway}})',
              },
            ],
          },
        ]);
        const { triage, bus } = service(pb, { llm });
        const seen = await events(bus);
        const { incident } = await store.ingest(alert(), 60_000);
        expect(await triage.triage(incident.id, signal())).toBe('completed');

        const d = (await store.getDetail(incident.id))!;
        expect(d.status).toBe('pending_review');
        expect(d.enrichments.map((e) => e.indicator_type)).toEqual(['ipv4']);
        expect(d.verdict).toMatchObject({ analyzer: 'llm-test', classification: 'malicious' });
        expect(d.verdict!.recommended_actions).toContain('block_ip:185.220.101.47');
        expect(llm.calls).toEqual([
          { incidentId: incident.id, run: 1, stepId: 'judge', playbook: { name: 'under-test', version: 3 } },
        ]);
        expect((await steps(incident.id)).map((s) => `${s.run}:${s.step_id}:${s.outcome}`)).toEqual(
          expect.arrayContaining(['1:ip-intel:done', '1:judge:done', '1:block:done', '1:tell:done']),
        );
        expect(await steps(incident.id)).toHaveLength(4);
        // The stored order: the enrich step went with the enriching → analyzing move, before the rest.
        expect((await steps(incident.id))[0]!.step_id).toBe('ip-intel');

        const started = await audit(incident.id, 'triage.started');
        expect(started[0]!.details).toMatchObject({ playbook: 'under-test', playbook_version: 3 });
        const rec = await audit(incident.id, 'triage.action_recommended');
        expect(rec).toHaveLength(1);
        expect(rec[0]!.details).toMatchObject({
          step: 'block',
          run: 1,
          recommendation: 'block_ip:185.220.101.47',
          executed: false,
        });
        const note = await audit(incident.id, 'triage.notification_requested');
        expect(note).toHaveLength(1);
        expect(note[0]!.details).toMatchObject({
          channel: 'soc-slack',
          message: 'Suspicious login from 185.220.101.47 is malicious (gw gw-1)',
          sent: false,
        });
        const row = await sql<{ playbook_name: string; playbook_version: number; triage_run: number }>`
          SELECT playbook_name, playbook_version, triage_run FROM incidents WHERE id = ${incident.id}`.execute(
          db.primary,
        );
        expect(row.rows[0]).toEqual({ playbook_name: 'under-test', playbook_version: 3, triage_run: 1 });

        await new Promise((r) => setTimeout(r, 20));
        const types = seen.map((e) => e.type);
        expect(types).toContain('action_recommended');
        expect(types).toContain('notification_requested');
        // Ordered: the recommendation and the notification are announced only once the verdict they
        // follow is committed (after analysis_complete).
        expect(types.indexOf('notification_requested')).toBeGreaterThan(types.indexOf('analysis_complete'));
        expect(types.indexOf('action_recommended')).toBeGreaterThan(types.indexOf('analysis_complete'));
      });

      it('runs the steps of a parallel stage at the same time', async () => {
        // One barrier behind both slots: each call waits until the other is in flight.
        const shared = new BarrierAnalyzer('shared', 2);
        const pb = playbook([
          {
            name: 'both',
            parallel: true,
            steps: [
              { id: 'a', kind: 'analyze', analyzer: 'deterministic' },
              { id: 'b', kind: 'analyze', analyzer: 'llm' },
            ],
          },
        ]);
        const { triage } = service(pb, { deterministic: shared, llm: shared });
        const { incident } = await store.ingest(alert(), 60_000);
        expect(await triage.triage(incident.id, signal())).toBe('completed');
        expect(shared.maxInFlight).toBe(2);
        expect(shared.calls.map((c) => c.stepId).sort()).toEqual(['a', 'b']);

        // The same stage run one step after the other never has both in flight: the barrier fails.
        const sequential = service(
          playbook([{ ...pb.stages[0]!, parallel: false }], { name: 'sequential' }),
          { deterministic: new BarrierAnalyzer('s', 2) },
        );
        const other = await store.ingest(alert(), 60_000);
        await expect(sequential.triage.triage(other.incident.id, signal())).rejects.toThrow(/barrier/);
      });

      it('skips a step whose when does not hold, and a condition step stops the run', async () => {
        const llm = new CountingAnalyzer('llm-test');
        const pb = playbook([
          {
            name: 'first',
            parallel: false,
            steps: [
              {
                id: 'only-low',
                kind: 'notify',
                channel: 'x',
                message: 'low',
                when: [{ field: 'incident.severity', op: 'eq', value: 'low' }],
              },
              { id: 'intel', kind: 'enrich' },
              {
                id: 'gate',
                kind: 'condition',
                if: [{ field: 'enrichment.hits', op: 'gte', value: 1 }],
                then: 'stop',
                else: 'continue',
              },
            ],
          },
          { name: 'never', parallel: false, steps: [{ id: 'judge', kind: 'analyze', analyzer: 'llm' }] },
        ]);
        const { triage } = service(pb, { llm });
        const { incident } = await store.ingest(alert(), 60_000);
        expect(await triage.triage(incident.id, signal())).toBe('completed');
        expect(llm.calls).toEqual([]);
        const d = (await store.getDetail(incident.id))!;
        expect(d.status).toBe('pending_review');
        expect(d.verdict).toBeNull();
        const rows = await steps(incident.id);
        expect(rows.map((s) => `${s.step_id}:${s.outcome}`).sort()).toEqual([
          'gate:stop',
          'intel:done',
          'only-low:skipped',
        ]);
        expect((await audit(incident.id, 'triage.analyzed'))[0]!.details).toMatchObject({
          analyzer: null,
          reason: 'stopped by a condition step',
        });
        expect(await audit(incident.id, 'triage.notification_requested')).toEqual([]);
      });

      it('resumes after a crash between steps without applying any step twice', async () => {
        const llm = new CountingAnalyzer('llm-test');
        const pb = playbook([
          {
            name: 'early',
            parallel: false,
            steps: [
              { id: 'hello', kind: 'notify', channel: 'soc', message: 'triage of {{incident.id}} began' },
              { id: 'intel', kind: 'enrich' },
            ],
          },
          {
            name: 'late',
            parallel: false,
            steps: [
              { id: 'judge', kind: 'analyze', analyzer: 'llm' },
              { id: 'block', kind: 'propose_action', action: 'block_ip', target: '{{indicator.ipv4}}' },
              { id: 'tell', kind: 'notify', channel: 'soc', message: '{{verdict.classification}}' },
            ],
          },
        ]);
        // The process "dies" right after each notification step is committed: the job's signal fires
        // (as on a timeout or a hand-back), so the run throws before its next step.
        let crash: AbortController | undefined;
        const crashing = new Proxy(store, {
          get(target, prop, receiver) {
            if (prop !== 'recordTriageStep') return Reflect.get(target, prop, receiver) as unknown;
            return async (...args: Parameters<SqlIncidentStore['recordTriageStep']>) => {
              const r = await target.recordTriageStep(...args);
              if (r && args[1].kind === 'notify') crash?.abort(new Error('crash'));
              return r;
            };
          },
        });
        const { triage } = service(pb, { llm, store: crashing });
        const { incident } = await store.ingest(alert(), 60_000);

        crash = new AbortController();
        await expect(triage.triage(incident.id, crash.signal)).rejects.toThrow('crash');
        expect((await store.get(incident.id))!.status).toBe('enriching');
        crash = new AbortController();
        await expect(triage.triage(incident.id, crash.signal)).rejects.toThrow('crash');
        expect((await store.get(incident.id))!.status).toBe('analyzing');
        crash = undefined;
        expect(await triage.triage(incident.id, signal())).toBe('completed');

        const d = (await store.getDetail(incident.id))!;
        expect(d.status).toBe('pending_review');
        expect(llm.calls.map((c) => `${c.run}:${c.stepId}`)).toEqual(['1:judge']);
        expect(
          (await audit(incident.id, 'triage.notification_requested')).map((a) => a.details.step),
        ).toEqual(['hello', 'tell']);
        expect(await audit(incident.id, 'triage.action_recommended')).toHaveLength(1);
        expect(await audit(incident.id, 'triage.started')).toHaveLength(1);
        expect(d.verdict!.recommended_actions).toContain('block_ip:185.220.101.47');
        expect((await steps(incident.id)).map((s) => s.step_id).sort()).toEqual(
          ['block', 'hello', 'intel', 'judge', 'tell'].sort(),
        );
        // Enrichment of the first (crashed) pass was never stored: only the one that moved the status.
        const ipv4 = d.enrichments.filter((e) => e.indicator_type === 'ipv4');
        expect(ipv4).toHaveLength(1);
      });

      it('a re-triage on new evidence is a new run: steps of the earlier run are not reused', async () => {
        const llm = new CountingAnalyzer('llm-test');
        const pb = playbook([
          { name: 'all', parallel: false, steps: [{ id: 'judge', kind: 'analyze', analyzer: 'llm' }] },
        ]);
        const { triage } = service(pb, { llm });
        const a = alert();
        const { incident } = await store.ingest(a, 60_000);
        expect(await triage.triage(incident.id, signal())).toBe('completed');
        const again = await store.ingest(
          { ...a, indicators: [...a.indicators, { type: 'domain', value: 'evil.example' }] },
          60_000,
        );
        expect(again.requeued_from).toBe('pending_review');
        expect(await triage.triage(incident.id, signal())).toBe('completed');
        expect(llm.calls.map((c) => `${c.run}:${c.stepId}`)).toEqual(['1:judge', '2:judge']);
        expect((await steps(incident.id)).map((s) => `${s.run}:${s.step_id}`)).toEqual([
          '1:judge',
          '2:judge',
        ]);
      });

      it('an analyzer name the registry does not know, or llm without an LLM analyst, falls back to deterministic, said on the step', async () => {
        const pb = playbook([
          {
            name: 'judge',
            parallel: false,
            steps: [
              { id: 'odd', kind: 'analyze', analyzer: 'gpt-9' as never },
              { id: 'want-llm', kind: 'analyze', analyzer: 'llm' },
            ],
          },
        ]);
        const { triage } = service(pb);
        const { incident } = await store.ingest(alert(), 60_000);
        expect(await triage.triage(incident.id, signal())).toBe('completed');
        const rows = await steps(incident.id);
        expect(rows.find((r) => r.step_id === 'odd')!.result).toMatchObject({
          analyzer: 'deterministic',
          requested: 'gpt-9',
          fallback: 'unknown analyzer "gpt-9": used deterministic',
        });
        expect(rows.find((r) => r.step_id === 'want-llm')!.result).toMatchObject({
          analyzer: 'deterministic',
          fallback: 'llm requested but no LLM analyst is configured: used deterministic',
        });
        expect((await store.getDetail(incident.id))!.verdict!.analyzer).toBe('deterministic');
      });
    },
  );
}
