// Case work storage on both engines (PGlite = PostgreSQL 18, and PostgreSQL 15): migration 0015,
// assignment against the users table, tags, overrides keeping the original, comments with mentions,
// related incidents, the export's keyset walk, the list's new filters and `q` over indicators, hosts,
// users and raw payloads, and saved views kept per owner. Each write leaves its audit row.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MIGRATIONS,
  SqlCaseworkStore,
  SqlIncidentStore,
  SqlSavedViewStore,
  migrate,
  type SqlDatabase,
} from '../../src/adapters/sql/index.ts';
import type { NormalizedAlert } from '../../src/contracts/index.ts';
import type { IncidentListQuery } from '../../src/ports/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

function alert(over: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    source: 'test',
    title: 'Beacon from workstation',
    description: 'periodic callbacks',
    severity: 'medium',
    incidentType: 'malware',
    occurredAt: new Date(),
    indicators: [{ type: 'ipv4', value: '203.0.113.9' }],
    assets: [],
    tags: [],
    mitreTechniques: [],
    fingerprint: `test:${randomUUID()}`,
    raw: { note: 'nothing special' },
    ...over,
  };
}

const list = (over: Partial<IncidentListQuery> = {}): IncidentListQuery => ({
  sort: 'created_at',
  order: 'desc',
  page: 1,
  per_page: 50,
  ...over,
});

const backends = await storeBackends('tw_casework');

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(
    `case work store on ${backend.name}${backend.skip ? ` (${backend.skip})` : ''}`,
    () => {
      let db: SqlDatabase;
      let incidents: SqlIncidentStore;
      let store: SqlCaseworkStore;
      let views: SqlSavedViewStore;
      const by = { actor: 'user:lead' };
      const newIncident = async (over: Partial<NormalizedAlert> = {}) =>
        (await incidents.ingest(alert(over), 60_000)).incident.id;
      const auditOf = async (id: string, action: string) =>
        (
          await sql<{ actor: string; details: Record<string, unknown> }>`
            SELECT actor, details FROM audit_log WHERE incident_id = ${id} AND action = ${action} ORDER BY id`.execute(
            db.primary,
          )
        ).rows;

      beforeAll(async () => {
        db = await backend.open();
        expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.id));
        incidents = new SqlIncidentStore(db);
        store = new SqlCaseworkStore(db);
        views = new SqlSavedViewStore(db);
        for (const [name, disabled] of [
          ['Alice', false],
          ['bob', false],
          ['gone', true],
        ] as const) {
          await sql`INSERT INTO users (id, username, role, disabled) VALUES (${randomUUID()}, ${name}, 'analyst', ${disabled})`.execute(
            db.primary,
          );
        }
      }, 60_000);
      afterAll(async () => {
        await db?.close();
        await backend.cleanup();
      });

      it('assigns to an enabled user as spelled there, refuses unknown or disabled users, audits', async () => {
        const id = await newIncident();
        const out = await store.assign(id, 'alice', by);
        expect('incident' in out && out.incident.assignee).toBe('Alice');
        expect('incident' in out && out.incident.assigned_at).toBeTruthy();
        expect('incident' in out && out.incident.version).toBe(2);
        expect(await store.assign(id, 'nobody', by)).toEqual({ refused: 'unknown_user' });
        expect(await store.assign(id, 'gone', by)).toEqual({ refused: 'unknown_user' });
        const same = await store.assign(id, 'Alice', by);
        expect('changed' in same && same.changed).toBe(false);
        const cleared = await store.assign(id, null, by);
        expect('incident' in cleared && cleared.incident.assignee).toBeNull();
        expect(await auditOf(id, 'incident.assigned')).toEqual([
          { actor: 'user:lead', details: { from: null, to: 'Alice' } },
          { actor: 'user:lead', details: { from: 'Alice', to: null } },
        ]);
        expect(await store.assign(randomUUID(), 'bob', by)).toEqual({ refused: 'not_found' });
      });

      it('refuses a stale expected version and writes nothing', async () => {
        const id = await newIncident();
        expect(await store.assign(id, 'bob', { ...by, expectedVersion: 7 })).toEqual({
          refused: 'version',
          current: 1,
        });
        expect(await auditOf(id, 'incident.assigned')).toEqual([]);
        const ok = await store.assign(id, 'bob', { ...by, expectedVersion: 1 });
        expect('incident' in ok && ok.incident.version).toBe(2);
      });

      it('retags within the limit; overrides keep the first original', async () => {
        const id = await newIncident({ tags: ['vpn'] });
        const t = await store.retag(id, { add: ['triaged', 'vpn'], remove: ['vpn'] }, 50, by);
        expect('incident' in t && t.incident.tags).toEqual(['triaged']);
        expect(await store.retag(id, { add: ['a', 'b', 'c'], remove: [] }, 3, by)).toEqual({
          refused: 'too_many_tags',
          count: 4,
        });
        expect(await auditOf(id, 'incident.tagged')).toEqual([
          { actor: 'user:lead', details: { added: ['triaged'], removed: ['vpn'] } },
        ]);
        await store.override(id, { severity: 'critical', incident_type: 'ransomware' }, 'encryptor seen', by);
        const again = await store.override(id, { severity: 'low' }, 'overcalled', by);
        expect('incident' in again && again.incident).toMatchObject({
          severity: 'low',
          original_severity: 'medium',
          incident_type: 'ransomware',
          original_incident_type: 'malware',
        });
        const rank = await sql<{
          severity_rank: number;
        }>`SELECT severity_rank FROM incidents WHERE id = ${id}`.execute(db.primary);
        expect(rank.rows[0]!.severity_rank).toBe(1);
        expect((await auditOf(id, 'incident.severity_overridden')).map((r) => r.details)).toEqual([
          { from: 'medium', to: 'critical', reason: 'encryptor seen' },
          { from: 'critical', to: 'low', reason: 'overcalled' },
        ]);
        expect(await auditOf(id, 'incident.type_overridden')).toHaveLength(1);
      });

      it('stores comments with existing, enabled users as mentions; the audit keeps no body', async () => {
        const id = await newIncident();
        const c = await store.comment(id, {
          id: randomUUID(),
          author: 'user:bob',
          body: 'ping @alice and @gone and @nobody',
          candidates: ['alice', 'gone', 'nobody'],
        });
        expect(c).toMatchObject({ incident_id: id, author: 'user:bob', mentions: ['Alice'] });
        expect(await store.comments(id, 10)).toEqual([c]);
        expect(await store.comments(randomUUID(), 10)).toBeNull();
        const fresh = await newIncident();
        expect(await store.comments(fresh, 10)).toEqual([]);
        const [row] = await auditOf(id, 'incident.commented');
        expect(row!.details).toEqual({ comment_id: c!.id, length: c!.body.length, mentions: ['Alice'] });
        expect(
          await store.comment(randomUUID(), { id: randomUUID(), author: 'x', body: 'y', candidates: [] }),
        ).toBeNull();
      });

      it('finds related incidents by shared indicators, newest first', async () => {
        const hash = `${randomUUID().replace(/-/g, '')}`;
        const a = await newIncident({
          indicators: [
            { type: 'sha256', value: hash },
            { type: 'domain', value: 'evil.example' },
          ],
        });
        const b = await newIncident({ indicators: [{ type: 'sha256', value: hash }] });
        await newIncident({ indicators: [{ type: 'domain', value: 'other.example' }] });
        const related = await store.related(a, 20);
        expect(related?.map((r) => r.id)).toContain(b);
        expect(related?.find((r) => r.id === b)?.shared).toEqual([`sha256:${hash}`]);
        expect(await store.related(randomUUID(), 20)).toBeNull();
      });

      it('filters and searches: assignee, tag, classification, confidence, indicator, host, user, raw', async () => {
        const marker = `m${randomUUID().slice(0, 8)}`;
        const host = await newIncident({ assets: [{ kind: 'host', name: `WS-${marker}` }], tags: [marker] });
        const ind = await newIncident({
          indicators: [{ type: 'username', value: `${marker}@corp.example` }],
        });
        const raw = await newIncident({ raw: { detail: { process: `powershell ${marker}zz` } } });
        const assigned = await newIncident({ tags: [marker, 'x'] });
        await store.assign(assigned, 'bob', by);
        await sql`UPDATE incidents SET classification = 'malicious', confidence = 0.9 WHERE id = ${assigned}`.execute(
          db.primary,
        );
        const ids = async (q: Partial<IncidentListQuery>) =>
          (await incidents.list(list(q))).data.map((i) => i.id);
        expect(await ids({ q: `WS-${marker}` })).toEqual([host]);
        expect(await ids({ q: `ws-${marker}` })).toEqual([host]);
        expect(await ids({ q: marker.toUpperCase() })).toEqual([ind]); // indicator prefix, any case
        expect(await ids({ q: `${marker}zz` })).toEqual([raw]);
        expect(await ids({ q: 'nothing_like_this_anywhere' })).toEqual([]);
        expect(await ids({ tag: [marker] })).toEqual([assigned, host]);
        expect(await ids({ tag: [marker, 'x'] })).toEqual([assigned]);
        expect(await ids({ assignee: { kind: 'user', username: 'bob' }, tag: [marker] })).toEqual([assigned]);
        expect(await ids({ assignee: { kind: 'none' }, tag: [marker] })).toEqual([host]);
        expect(await ids({ classification: ['malicious'], min_confidence: 0.8, tag: [marker] })).toEqual([
          assigned,
        ]);
        expect(await ids({ max_confidence: 0.5, tag: [marker] })).toEqual([]);
        // Percent and underscore in q are literal characters, not LIKE wildcards.
        expect(await ids({ q: '%' })).toEqual([]);
      });

      it('walks the export by keyset over every matching row', async () => {
        const marker = `e${randomUUID().slice(0, 8)}`;
        const made = [];
        for (let i = 0; i < 7; i++) made.push(await newIncident({ tags: [marker] }));
        const seen: string[] = [];
        let after: { created_at: string; id: string } | null = null;
        let pages = 0;
        do {
          const page: Awaited<ReturnType<SqlCaseworkStore['exportPage']>> = await store.exportPage(
            list({ tag: [marker] }),
            after,
            3,
          );
          seen.push(...page.rows.map((r) => r.id));
          after = page.last;
          pages++;
        } while (after);
        expect(pages).toBe(3);
        expect(seen.sort()).toEqual(made.sort());
      });

      it('keeps saved views per owner', async () => {
        const v = await views.create(
          'user:alice',
          { id: randomUUID(), name: 'Mine', query: { assignee: 'me' } },
          100,
        );
        expect(v).toMatchObject({ name: 'Mine', query: { assignee: 'me' } });
        expect(await views.create('user:alice', { id: randomUUID(), name: 'Mine', query: {} }, 100)).toBe(
          'duplicate',
        );
        expect(await views.create('user:bob', { id: randomUUID(), name: 'Mine', query: {} }, 100)).not.toBe(
          'duplicate',
        );
        expect(await views.create('user:carol', { id: randomUUID(), name: 'one', query: {} }, 1)).not.toBe(
          'full',
        );
        expect(await views.create('user:carol', { id: randomUUID(), name: 'two', query: {} }, 1)).toBe(
          'full',
        );
        const id = (v as { id: string }).id;
        expect(await views.update('user:bob', id, { name: 'stolen' })).toBeNull();
        expect(await views.remove('user:bob', id)).toBe(false);
        expect((await views.list('user:bob')).map((x) => x.name)).toEqual(['Mine']);
        expect(await views.update('user:alice', id, { query: { status: 'new' } })).toMatchObject({
          name: 'Mine',
          query: { status: 'new' },
        });
        expect(await views.remove('user:alice', id)).toBe(true);
        expect(await views.list('user:alice')).toEqual([]);
      });
    },
  );
}
