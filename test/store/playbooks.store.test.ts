// Playbook storage, start-up loading, selection and the SLA check on PGlite and PostgreSQL 15.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../src/adapters/in-process/index.ts';
import {
  SqlIncidentStore,
  SqlPlaybookStore,
  SqlSlaStore,
  migrate,
  type SqlDatabase,
} from '../../src/adapters/sql/index.ts';
import type { BusEvent, NormalizedAlert } from '../../src/contracts/index.ts';
import { readPlaybookFolder, sourceHash } from '../../src/core/playbooks/playbook.folder.ts';
import { PlaybookCatalog } from '../../src/core/playbooks/playbook.catalog.ts';
import { PlaybookService } from '../../src/core/playbooks/playbook.service.ts';
import { SlaCheck } from '../../src/core/playbooks/sla.check.ts';
import { SILENT_LOGGER } from '../../src/ports/index.ts';
import { eventually } from '../helpers/runtime.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const BUILTIN = fileURLToPath(new URL('../../playbooks/builtin/', import.meta.url));
const MINUTE = 60_000;

const doc = (name: string, extra = '', priority = 0) =>
  `name: ${name}\npriority: ${priority}\n${extra}stages:\n  - name: s\n    steps:\n      - { id: a, kind: analyze }\n`;

function alert(over: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    source: 'test',
    title: 'Suspicious login',
    severity: 'high',
    incidentType: 'suspicious_login',
    occurredAt: new Date(),
    indicators: [{ type: 'ipv4', value: '10.1.2.3' }],
    assets: [],
    tags: [],
    mitreTechniques: [],
    fingerprint: `test:pb:${randomUUID()}`,
    raw: { rule: { name: 'impossible travel' } },
    ...over,
  };
}

const backends = await storeBackends('tw_playbooks');

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`playbooks on ${backend.name}`, () => {
    let db: SqlDatabase;
    let store: SqlPlaybookStore;
    let bus: InProcessEventBus;
    let service: PlaybookService;
    const events: BusEvent[] = [];

    beforeAll(async () => {
      db = await backend.open();
      await migrate(db);
      store = new SqlPlaybookStore(db);
      bus = new InProcessEventBus();
      await bus.subscribe((e) => void events.push(e));
      const builtin = await readPlaybookFolder(BUILTIN, 'builtin');
      service = new PlaybookService({
        store,
        bus,
        log: SILENT_LOGGER,
        fallback: builtin.files.find((f) => f.definition.name === 'generic')!.definition,
        builtinNames: new Set(builtin.files.map((f) => f.definition.name)),
        cacheTtlMs: 3_600_000,
      });
      await service.catalog.start();
      await service.sync(builtin.files, 'system:test');
    }, 120_000);
    afterAll(async () => {
      service?.catalog.stop();
      await bus?.close();
      await db?.close();
      await backend.cleanup();
    });

    const audits = async (name: string) =>
      (
        await sql<{ action: string; details: unknown }>`
          SELECT action, details FROM audit_log WHERE details->>'playbook' = ${name} ORDER BY id`.execute(
          db.primary,
        )
      ).rows.map((r) => r.action);

    it('stores, replaces (version + 1), switches and deletes, each change audited with its history', async () => {
      const created = await store.insert(
        { name: 'st-one', enabled: true, priority: 3, source: doc('st-one'), origin: 'api' },
        'alice',
      );
      expect(created).toMatchObject({
        name: 'st-one',
        version: 1,
        enabled: true,
        priority: 3,
        origin: 'api',
      });
      expect(
        await store.insert(
          { name: 'st-one', enabled: true, priority: 0, source: doc('st-one'), origin: 'api' },
          'bob',
        ),
      ).toBeUndefined();
      const replaced = await store.replace('st-one', { source: doc('st-one', '', 7), priority: 7 }, 'bob');
      expect(replaced).toMatchObject({ version: 2, priority: 7, enabled: true, updatedBy: 'bob' });
      expect(
        await store.replace('st-one', { source: doc('st-one'), priority: 0, expectedVersion: 1 }, 'bob'),
      ).toBe('conflict');
      expect(await store.replace('st-none', { source: doc('st-none'), priority: 0 }, 'bob')).toBeUndefined();
      expect(await store.setEnabled('st-one', false, 'carol')).toMatchObject({ enabled: false, version: 3 });
      // Already disabled: nothing changes, nothing is recorded.
      expect(await store.setEnabled('st-one', false, 'carol')).toMatchObject({ enabled: false, version: 3 });
      expect((await store.versions('st-one', 10)).map((v) => [v.version, v.change, v.by])).toEqual([
        [3, 'disabled', 'carol'],
        [2, 'replaced', 'bob'],
        [1, 'created', 'alice'],
      ]);
      expect(await store.delete('st-one', 'dave')).toBe(true);
      expect(await store.delete('st-one', 'dave')).toBe(false);
      expect(await store.get('st-one')).toBeUndefined();
      expect(await audits('st-one')).toEqual([
        'playbook.created',
        'playbook.replaced',
        'playbook.disabled',
        'playbook.deleted',
      ]);
    });

    it('loading a file: inserted, unchanged, updated when the file changed, shadowed by an API playbook', async () => {
      const file = (source: string, priority = 1) => ({
        name: 'st-file',
        enabled: false,
        priority,
        source,
        origin: 'file:/pb/st-file.yaml',
        fileHash: sourceHash(source),
      });
      const v1 = doc('st-file', 'enabled: false\n', 1);
      // Several processes starting at once: one inserts, the others find it; no duplicate-key error.
      const results = await Promise.all([1, 2, 3, 4].map(() => store.syncFile(file(v1), 'system:a')));
      expect(results.map((r) => r.result).sort()).toEqual([
        'inserted',
        'unchanged',
        'unchanged',
        'unchanged',
      ]);
      // An API edit survives a restart with the same file…
      await store.replace('st-file', { source: doc('st-file', '', 9), priority: 9 }, 'alice');
      await store.setEnabled('st-file', true, 'alice');
      expect(await store.syncFile(file(v1), 'system:b')).toEqual({ result: 'unchanged', version: 3 });
      expect((await store.get('st-file'))!.priority).toBe(9);
      // …but not a changed file, which keeps the switch as the operator left it.
      const v2 = doc('st-file', '', 2);
      expect(await store.syncFile(file(v2, 2), 'system:c')).toEqual({ result: 'updated', version: 4 });
      expect(await store.get('st-file')).toMatchObject({
        source: v2,
        priority: 2,
        enabled: true,
        version: 4,
      });
      // A playbook created through the API wins over a file of the same name.
      await store.insert(
        { name: 'st-api', enabled: true, priority: 0, source: doc('st-api'), origin: 'api' },
        'x',
      );
      const shadow = { ...file(doc('st-api')), name: 'st-api' };
      expect((await store.syncFile(shadow, 'system:d')).result).toBe('shadowed');
      expect((await store.get('st-api'))!.origin).toBe('api');
      await store.delete('st-file', 'x');
      await store.delete('st-api', 'x');
    });

    it('selection: enabled playbooks by priority then name, the fallback when none matches; changes apply at once', async () => {
      const subject = (incident_type: string, severity = 'high') => ({
        incident: { id: randomUUID(), source: 'okta', incident_type, severity, title: 't' } as never,
      });
      expect((await service.catalog.forIncident(subject('phishing'))).name).toBe('phishing');
      expect((await service.catalog.forIncident(subject('suspicious_login'))).name).toBe('suspicious-login');
      expect((await service.catalog.forIncident(subject('other'))).name).toBe('generic');
      const login = (name: string, priority: number) =>
        doc(name, `trigger:\n  incident_types: [suspicious_login]\n  min_severity: high\n`, priority);
      await service.create(login('sel-b', 150), 'alice');
      await service.create(login('sel-a', 150), 'alice');
      expect((await service.catalog.forIncident(subject('suspicious_login'))).name).toBe('sel-a');
      expect((await service.catalog.forIncident(subject('suspicious_login', 'medium'))).name).toBe(
        'suspicious-login',
      );
      await service.setEnabled('sel-a', false, 'alice');
      expect((await service.catalog.forIncident(subject('suspicious_login'))).name).toBe('sel-b');
      await service.remove('sel-b', 'alice');
      await service.remove('sel-a', 'alice');
      await service.setEnabled('suspicious-login', false, 'alice');
      expect((await service.catalog.forIncident(subject('suspicious_login'))).name).toBe('generic');
      await service.setEnabled('suspicious-login', true, 'alice');
      const changes = events.filter((e) => e.type === 'playbook_changed').map((e) => e.data);
      expect(changes).toContainEqual({ name: 'sel-a', change: 'disabled', version: 2, by: 'alice' });
      expect(changes).toContainEqual({ name: 'sel-b', change: 'deleted', version: 1, by: 'alice' });
    });

    it('a change that bypasses the bus (another tool writing the table) is picked up after the cache TTL', async () => {
      const catalog = new PlaybookCatalog({
        store,
        bus,
        log: SILENT_LOGGER,
        fallback: await service.catalog.forIncident({
          incident: { id: 'x', source: 's', incident_type: 'other', severity: 'low', title: 't' },
        }),
        cacheTtlMs: 5000,
      });
      const subject = {
        incident: { id: 'x', source: 's', incident_type: 'denial_of_service', severity: 'low', title: 't' },
      } as never;
      expect((await catalog.forIncident(subject)).name).toBe('generic');
      const yaml = doc('ttl-dos', 'trigger:\n  incident_types: [denial_of_service]\n', 5);
      await store.insert(
        { name: 'ttl-dos', enabled: true, priority: 5, source: yaml, origin: 'api' },
        'tool',
      );
      // No event: this process keeps its set until the TTL runs out…
      expect((await catalog.forIncident(subject)).name).toBe('generic');
      // …then reloads it.
      await eventually(
        async () => (await catalog.forIncident(subject)).name === 'ttl-dos',
        'reloaded after the TTL',
      );
      await store.delete('ttl-dos', 'tool');
    });

    it('the fallback and built-ins cannot be deleted; the fallback cannot be disabled', async () => {
      await expect(service.remove('generic', 'x')).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(service.setEnabled('generic', false, 'x')).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(service.remove('malware', 'x')).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(service.remove('no-such', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(service.create('name: [', 'x')).rejects.toMatchObject({ code: 'INVALID_PLAYBOOK' });
    });

    it('SLA: breaches recorded once per incident and kind, announced, counted; closed and young incidents are not late', async () => {
      const incidents = new SqlIncidentStore(db);
      const ingest = async (over: Partial<NormalizedAlert>, ageMs: number) => {
        const { incident } = await incidents.ingest(alert(over), 0);
        await sql`UPDATE incidents SET created_at = now() - make_interval(secs => ${ageMs / 1000}) WHERE id = ${incident.id}`.execute(
          db.primary,
        );
        return incident.id;
      };
      // suspicious-login: triage 15m, respond 2h; generic: triage 1h, respond 24h.
      const lateTriage = await ingest({}, 20 * MINUTE);
      const lateBoth = await ingest({}, 3 * 60 * MINUTE);
      const young = await ingest({}, 5 * MINUTE);
      const genericYoung = await ingest({ incidentType: 'other' }, 30 * MINUTE);
      const closed = await ingest({}, 3 * 60 * MINUTE);
      await sql`UPDATE incidents SET status = 'dismissed' WHERE id = ${closed}`.execute(db.primary);
      const triaged = await ingest({}, 3 * 60 * MINUTE);
      await sql`UPDATE incidents SET status = 'pending_review' WHERE id = ${triaged}`.execute(db.primary);

      const counted: string[] = [];
      const check = new SlaCheck({
        store: new SqlSlaStore(db),
        playbooks: service.catalog,
        bus,
        log: SILENT_LOGGER,
        telemetry: { slaBreached: (playbook, kind) => void counted.push(`${playbook}/${kind}`) },
        pageSize: 2,
        maxPages: 100,
      });
      const first = await check.run();
      const breaches = (
        await sql<{ incident_id: string; kind: string; playbook: string }>`
          SELECT incident_id, kind, playbook FROM playbook_sla_breaches ORDER BY incident_id, kind`.execute(
          db.primary,
        )
      ).rows;
      const got = breaches.map((b) => `${b.incident_id}/${b.kind}/${b.playbook}`).sort();
      expect(got).toEqual(
        [
          `${lateTriage}/time_to_triage/suspicious-login`,
          `${lateBoth}/time_to_triage/suspicious-login`,
          `${lateBoth}/time_to_respond/suspicious-login`,
          `${triaged}/time_to_respond/suspicious-login`,
        ].sort(),
      );
      expect(first.breaches).toBe(4);
      expect(counted.sort()).toEqual([
        'suspicious-login/time_to_respond',
        'suspicious-login/time_to_respond',
        'suspicious-login/time_to_triage',
        'suspicious-login/time_to_triage',
      ]);
      const announced = events
        .filter((e) => e.type === 'sla_breached')
        .map((e) => e.data as { incident_id: string });
      expect(announced.map((d) => d.incident_id).sort()).toEqual(
        [lateTriage, lateBoth, lateBoth, triaged].sort(),
      );
      for (const id of [young, genericYoung, closed]) expect(got.some((g) => g.startsWith(id))).toBe(false);
      // A second pass (or a second leader) records nothing twice.
      expect((await check.run()).breaches).toBe(0);
      expect(counted).toHaveLength(4);
    });

    it('SLA: one pass does bounded work and the next resumes where it stopped', async () => {
      await sql`DELETE FROM incidents`.execute(db.primary);
      const incidents = new SqlIncidentStore(db);
      for (let i = 0; i < 5; i++) {
        const { incident } = await incidents.ingest(alert(), 0);
        await sql`UPDATE incidents SET created_at = now() - interval '20 minutes' WHERE id = ${incident.id}`.execute(
          db.primary,
        );
      }
      const check = new SlaCheck({
        store: new SqlSlaStore(db),
        playbooks: service.catalog,
        bus,
        log: SILENT_LOGGER,
        telemetry: { slaBreached: () => {} },
        pageSize: 2,
        maxPages: 1,
      });
      const passes: number[] = [];
      for (let i = 0; i < 4; i++) passes.push((await check.run()).breaches);
      expect(passes.slice(0, 3)).toEqual([2, 2, 1]);
      expect(passes.reduce((a, b) => a + b, 0)).toBe(5);
    });
  });
}
