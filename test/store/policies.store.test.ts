// Guardrails versions on PGlite and PostgreSQL 15: start-up sync (built-in, file, concurrent
// starters), exactly one active version, audit rows, expected-version conflicts, the provider's cache
// (event and poll).
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../src/adapters/in-process/index.ts';
import { SqlPolicyStore, migrate, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import { CachedPolicyProvider } from '../../src/core/response/policy/index.ts';
import { SILENT_LOGGER } from '../../src/ports/index.ts';
import { eventually } from '../helpers/runtime.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const BUILTIN = readFileSync(new URL('../../policies/guardrails.yaml', import.meta.url), 'utf8');
const doc = (n: number) => `description: test ${n}\ndefaults:\n  manual: { decision: allowed }\n`;

const backends = await storeBackends('tw_policies');

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`policy versions on ${backend.name}`, () => {
    let db: SqlDatabase;
    let store: SqlPolicyStore;

    beforeAll(async () => {
      db = await backend.open();
      await migrate(db);
      store = new SqlPolicyStore(db);
    }, 120_000);
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
    });

    const audits = async () =>
      (
        await sql<{ action: string; details: Record<string, unknown> }>`
          SELECT action, details FROM audit_log WHERE action LIKE 'policy.%' ORDER BY id`.execute(db.primary)
      ).rows;
    const activeCount = async () =>
      Number(
        (
          await sql<{ n: number }>`SELECT count(*)::int AS n FROM policy_versions WHERE active`.execute(
            db.primary,
          )
        ).rows[0]!.n,
      );

    it('concurrent starters store the built-in once as version 1, audited', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => store.sync(BUILTIN, 'builtin', `system:node-${i}`)),
      );
      expect(results.filter((r) => r.result === 'created')).toHaveLength(1);
      expect(results.every((r) => r.version === 1)).toBe(true);
      const all = await store.list(0, 50);
      expect(all.total).toBe(1);
      expect(all.rows[0]).toMatchObject({ version: 1, origin: 'builtin', active: true, source: BUILTIN });
      expect((await audits()).map((a) => a.action)).toEqual(['policy.created', 'policy.activated']);
      // A later start with the built-in changes nothing.
      expect(await store.sync(BUILTIN, 'builtin', 'system:x')).toEqual({ result: 'unchanged', version: 1 });
    });

    it('a file is stored once per content, concurrently too; an API edit survives a restart with the same file', async () => {
      const file = doc(1);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => store.sync(file, 'file', 'system:n')),
      );
      expect(results.filter((r) => r.result === 'updated')).toHaveLength(1);
      expect(new Set(results.map((r) => r.version))).toEqual(new Set([2]));
      expect(await store.active()).toMatchObject({ version: 2, origin: 'file', active: true });
      const edited = await store.create({ source: doc(2), origin: 'api', comment: 'tighter' }, 'user:alice');
      expect(edited).toMatchObject({
        version: 3,
        origin: 'api',
        comment: 'tighter',
        createdBy: 'user:alice',
      });
      expect(await store.sync(file, 'file', 'system:n')).toEqual({ result: 'unchanged', version: 3 });
      expect(await store.sync(doc(3), 'file', 'system:n')).toEqual({ result: 'updated', version: 4 });
      expect(await activeCount()).toBe(1);
    });

    it('refuses a write whose expected version is not active; concurrent writers get distinct versions', async () => {
      expect(
        await store.create({ source: doc(9), origin: 'api', comment: null, expectedVersion: 2 }, 'u'),
      ).toBe('conflict');
      const before = (await store.active())!.version;
      const many = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          store.create({ source: doc(10 + i), origin: 'api', comment: null }, 'u'),
        ),
      );
      const versions = many.map((r) => (r === 'conflict' ? 0 : r.version)).sort((a, b) => a - b);
      expect(versions).toEqual([before + 1, before + 2, before + 3, before + 4]);
      expect(await activeCount()).toBe(1);
      expect((await store.active())!.version).toBe(before + 4);
      // Two expecting the same version: exactly one wins.
      const race = await Promise.all(
        [1, 2].map((i) =>
          store.create(
            { source: doc(20 + i), origin: 'api', comment: null, expectedVersion: before + 4 },
            'u',
          ),
        ),
      );
      expect(race.filter((r) => r === 'conflict')).toHaveLength(1);
      const rollback = await store.create(
        { source: BUILTIN, origin: 'rollback', comment: 'back', rollbackOf: 1 },
        'user:bob',
      );
      expect(rollback).toMatchObject({ origin: 'rollback', active: true });
      const last = (await audits()).slice(-2);
      expect(last.map((a) => a.action)).toEqual(['policy.created', 'policy.activated']);
      expect(last[0]!.details).toMatchObject({ rollback_of: 1, origin: 'rollback' });
      expect(last[1]!.details).toMatchObject({ previous: before + 5 });
      const page = await store.list(2, 3);
      expect(page.rows.map((r) => r.version)).toEqual([
        (rollback as { version: number }).version - 2,
        (rollback as { version: number }).version - 3,
        (rollback as { version: number }).version - 4,
      ]);
      expect(await store.get(1)).toMatchObject({ version: 1, active: false });
      expect(await store.get(999)).toBeUndefined();
    });

    it('the provider caches, drops on policy_changed, and converges by polling when the event is lost', async () => {
      const bus = new InProcessEventBus();
      const deaf = new InProcessEventBus();
      const listening = new CachedPolicyProvider({ store, bus, log: SILENT_LOGGER, pollMs: 3_600_000 });
      const polling = new CachedPolicyProvider({ store, bus: deaf, log: SILENT_LOGGER, pollMs: 50 });
      await listening.start();
      await polling.start();
      try {
        const v = (await listening.active()).version;
        expect((await polling.active()).version).toBe(v);
        expect(await listening.active()).toBe(await listening.active());
        const next = await store.create({ source: doc(99), origin: 'api', comment: null }, 'u');
        const nv = (next as { version: number }).version;
        expect((await listening.active()).version).toBe(v); // cached until told
        await bus.publish('policy_changed', { version: nv, by: 'u' });
        await eventually(async () => (await listening.active()).version === nv, 'the event-driven reload');
        await eventually(async () => (await polling.active()).version === nv, 'the polled reload');
      } finally {
        listening.stop();
        polling.stop();
        await bus.close();
        await deaf.close();
      }
    });
  });
}
