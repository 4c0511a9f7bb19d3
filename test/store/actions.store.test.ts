// The action store on PGlite and on the real PostgreSQL 15 server: create with its dedupe key, the
// compare-and-set moves with their audit rows, the at-most-once claim (two concurrent claims: one
// wins) under the per-type rate limit counted in the table, and the leader's fenced sweeps.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, SqlActionStore, SqlIncidentStore, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import type { NormalizedAlert } from '../../src/contracts/index.ts';
import type { NewAction } from '../../src/ports/action-store.port.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const backends = await storeBackends('tw_actions');

function alert(): NormalizedAlert {
  return {
    source: 'test',
    title: 'Malware on a laptop',
    severity: 'high',
    incidentType: 'malware',
    occurredAt: new Date(),
    indicators: [],
    assets: [],
    tags: [],
    mitreTechniques: [],
    fingerprint: `test:${randomUUID()}`,
    raw: {},
  };
}

function action(incidentId: string, over: Partial<NewAction> = {}): NewAction {
  return {
    id: randomUUID(),
    incident_id: incidentId,
    action_type: 'isolate_host',
    target: { type: 'host', value: 'FIN-LT-0417' },
    parameters: {},
    status: 'auto_approved',
    origin: 'manual',
    requested_by: 'user:alice',
    reason: 'ransomware beacon',
    mode: 'supervised',
    decision: { outcome: 'allowed', rule: 'auto.test', message: 'ok', policy_version: 3 },
    approval_level: null,
    connector: 'edr',
    expires_at: null,
    dedupe_key: null,
    ...over,
  };
}

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`SqlActionStore on ${backend.name}`, () => {
    let db: SqlDatabase;
    let incidents: SqlIncidentStore;
    let store: SqlActionStore;
    let incidentId: string;
    const fence = (term: number) => ({ name: 'orchestrator', term, holder: 'test' });
    const auditOf = async (id: string) =>
      (
        await sql<{ action: string; actor: string }>`
          SELECT action, actor FROM audit_log WHERE details->>'action_id' = ${id} ORDER BY seq`.execute(
          db.primary,
        )
      ).rows;

    beforeAll(async () => {
      db = await backend.open();
      await migrate(db);
      incidents = new SqlIncidentStore(db);
      store = new SqlActionStore(db);
      incidentId = (await incidents.ingest(alert(), 60_000)).incident.id;
    });
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
    });

    it('creates with its audit row; a second create with the same dedupe key returns the first', async () => {
      const a = action(incidentId, { dedupe_key: '1:block:FIN-LT-0417', origin: 'recommended' });
      const first = await store.create(a, 'orchestrator:x');
      expect(first.created).toBe(true);
      expect(first.action).toMatchObject({
        id: a.id,
        status: 'auto_approved',
        target: { type: 'host', value: 'FIN-LT-0417' },
        decision: { outcome: 'allowed', rule: 'auto.test', policy_version: 3 },
        origin: 'recommended',
        connector: 'edr',
        error: null,
        result: null,
      });
      const again = await store.create({ ...a, id: randomUUID() }, 'orchestrator:y');
      expect(again.created).toBe(false);
      expect(again.action.id).toBe(a.id);
      expect(await auditOf(a.id)).toEqual([{ action: 'action.proposed', actor: 'orchestrator:x' }]);
      // Manual actions carry no key: two identical requests are two actions.
      const m1 = await store.create(action(incidentId), 'user:alice');
      const m2 = await store.create(action(incidentId), 'user:alice');
      expect(m1.created && m2.created).toBe(true);
    });

    it('decides a pending action once; an expired one is no longer decidable', async () => {
      const a = action(incidentId, {
        status: 'pending',
        approval_level: 'senior',
        decision: {
          outcome: 'requires_approval',
          rule: 'r',
          message: 'm',
          level: 'senior',
          policy_version: 3,
        },
        expires_at: new Date(Date.now() + 3_600_000),
      });
      await store.create(a, 'user:alice');
      const approved = await store.decide(a.id, 'approved', 'user:bob', 'looks right');
      expect(approved).toMatchObject({
        status: 'approved',
        decided_by: 'user:bob',
        decision_comment: 'looks right',
      });
      expect(await store.decide(a.id, 'denied', 'user:carol', null)).toBeNull();
      const old = action(incidentId, {
        status: 'pending',
        approval_level: 'analyst',
        expires_at: new Date(Date.now() - 1000),
      });
      await store.create(old, 'user:alice');
      expect(await store.decide(old.id, 'approved', 'user:bob', null)).toBeNull();
      expect(await auditOf(a.id)).toEqual([
        { action: 'action.proposed', actor: 'user:alice' },
        { action: 'action.approved', actor: 'user:bob' },
      ]);
    });

    it('two concurrent claims of one action: exactly one wins; finish once', async () => {
      const a = action(incidentId);
      await store.create(a, 'user:alice');
      const results = await Promise.all([store.claim(a.id, null, 'w1'), store.claim(a.id, null, 'w2')]);
      const won = results.filter((r) => r.action !== null);
      expect(won).toHaveLength(1);
      expect(results.find((r) => r.action === null)).toMatchObject({ reason: 'not_claimable' });
      expect(won[0]!.action!.status).toBe('executing');
      const done = await store.finish(a.id, { status: 'executed', result: { vendor_ref: 'x' } });
      expect(done).toMatchObject({ status: 'executed', result: { vendor_ref: 'x' } });
      expect(done!.executed_at).toBeInstanceOf(Date);
      expect(
        await store.finish(a.id, { status: 'failed', error: { code: 'X', message: 'y' }, result: null }),
      ).toBeNull();
      expect(await store.claim(a.id, null, 'w3')).toMatchObject({ action: null, reason: 'not_claimable' });
      expect((await auditOf(a.id)).map((r) => r.action)).toEqual([
        'action.proposed',
        'action.started',
        'action.executed',
      ]);
      expect(await store.claim(randomUUID(), null, 'w1')).toMatchObject({ reason: 'not_claimable' });
    });

    it('concurrent claims against a limit: never more starts than the limit; the rest denied by rate_limit', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const a = action(incidentId, {
          action_type: 'block_ip',
          target: { type: 'ip', value: `198.51.100.${i}` },
        });
        await store.create(a, 'user:alice');
        ids.push(a.id);
      }
      const before = await store.counts('block_ip');
      const results = await Promise.all(
        ids.map((id, i) => store.claim(id, { per_hour: before.last_hour + 2 }, `w${i}`)),
      );
      expect(results.filter((r) => r.action !== null)).toHaveLength(2);
      const refused = results.filter((r) => r.action === null);
      expect(refused).toHaveLength(4);
      for (const r of refused) expect(r).toMatchObject({ reason: 'rate_limited', window: 'per_hour' });
      const denied = await store.list({ action_type: 'block_ip', status: ['denied'], page: 1, per_page: 50 });
      expect(denied.total).toBe(4);
      expect(denied.items[0]!.decision).toMatchObject({
        outcome: 'denied',
        rule: 'rate_limit.block_ip.per_hour',
      });
      expect(await store.counts('block_ip')).toEqual({
        last_hour: before.last_hour + 2,
        last_day: before.last_day + 2,
        executing: before.executing + 2,
      });
    });

    it('a concurrent limit counts actions executing now', async () => {
      const a = action(incidentId, { action_type: 'disable_user', target: { type: 'user', value: 'bob' } });
      const b = action(incidentId, { action_type: 'disable_user', target: { type: 'user', value: 'eve' } });
      await store.create(a, 'user:alice');
      await store.create(b, 'user:alice');
      expect((await store.claim(a.id, { concurrent: 1 }, 'w1')).action).not.toBeNull();
      expect(await store.claim(b.id, { concurrent: 1 }, 'w2')).toMatchObject({
        reason: 'rate_limited',
        window: 'concurrent',
      });
    });

    it('fails a not-started action only from the given statuses', async () => {
      const a = action(incidentId);
      await store.create(a, 'user:alice');
      expect(await store.fail(a.id, ['approved'], { code: 'KILL_SWITCH_ACTIVE', message: 'm' })).toBeNull();
      const f = await store.fail(a.id, ['approved', 'auto_approved'], {
        code: 'KILL_SWITCH_ACTIVE',
        message: 'm',
      });
      expect(f).toMatchObject({ status: 'failed', error: { code: 'KILL_SWITCH_ACTIVE', message: 'm' } });
      expect(await store.claim(a.id, null, 'w')).toMatchObject({ reason: 'not_claimable' });
    });

    it('lists with filters and approval levels', async () => {
      const other = (await incidents.ingest(alert(), 60_000)).incident.id;
      for (const level of ['analyst', 'senior', 'manager'] as const)
        await store.create(
          action(other, {
            status: 'pending',
            approval_level: level,
            expires_at: new Date(Date.now() + 60_000),
          }),
          'user:alice',
        );
      const all = await store.list({ incident_id: other, page: 1, per_page: 2 });
      expect(all.total).toBe(3);
      expect(all.items).toHaveLength(2);
      const mine = await store.list({
        incident_id: other,
        status: ['pending'],
        max_level: 'senior',
        page: 1,
        per_page: 10,
      });
      expect(mine.items.map((i) => i.approval_level).sort()).toEqual(['analyst', 'senior']);
    });

    it('leader sweeps: expiry and stale executing under the fence; a deposed term is refused', async () => {
      const p = action(incidentId, {
        status: 'pending',
        approval_level: 'analyst',
        expires_at: new Date(Date.now() - 5),
      });
      await store.create(p, 'user:alice');
      const e = action(incidentId);
      await store.create(e, 'user:alice');
      await store.claim(e.id, null, 'w-dead');
      await sql`UPDATE actions SET executing_since = now() - interval '1 hour' WHERE id = ${e.id}`.execute(
        db.primary,
      );
      const expired = await store.expirePending(fence(5), new Date(), 100);
      expect(expired!.map((a) => a.id)).toContain(p.id);
      expect(await store.get(p.id)).toMatchObject({ status: 'denied', decided_by: 'system:expiry' });
      const stale = await store.failStaleExecuting(fence(5), 60_000, 100);
      expect(stale!.map((a) => a.id)).toEqual([e.id]);
      expect(await store.get(e.id)).toMatchObject({ status: 'failed', error: { code: 'OUTCOME_UNKNOWN' } });
      expect((await auditOf(p.id)).map((r) => r.action)).toEqual(['action.proposed', 'action.expired']);
      expect(await store.expirePending(fence(4), new Date(), 100)).toBeNull();
      expect(await store.failStaleExecuting(fence(4), 0, 100)).toBeNull();
    });
  });
}
