// Managed webhook sources and the replay guard on PGlite and on the real PostgreSQL 15 server, through
// the service that seals secrets, with the in-process bus carrying the cache invalidation.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../src/adapters/in-process/index.ts';
import {
  SqlReplayGuard,
  SqlWebhookSourceStore,
  migrate,
  type SqlDatabase,
} from '../../src/adapters/sql/index.ts';
import { SecretBox } from '../../src/core/webhooks/secret-box.ts';
import { WebhookSourceService } from '../../src/core/webhooks/webhook-sources.service.ts';
import { SILENT_LOGGER } from '../../src/ports/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const backends = await storeBackends('tw_whsrc');

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`webhook sources on ${backend.name}`, () => {
    let db: SqlDatabase;
    let bus: InProcessEventBus;
    const key = randomBytes(32);
    const service = (options: { cacheTtlMs?: number; box?: SecretBox | null } = {}) =>
      new WebhookSourceService({
        store: new SqlWebhookSourceStore(db),
        bus,
        log: SILENT_LOGGER,
        box: options.box === undefined ? new SecretBox(key) : options.box,
        noKeyReason: 'set webhooks.encryption_key',
        configured: { configured: { secret: 'configured-secret-0123456789' } },
        configuredOrigin: () => 'config',
        local: {},
        rotationGraceMs: 3_600_000,
        ...(options.cacheTtlMs !== undefined ? { cacheTtlMs: options.cacheTtlMs } : {}),
      });

    beforeAll(async () => {
      db = await backend.open();
      await migrate(db);
      bus = new InProcessEventBus();
    });
    afterAll(async () => {
      await bus?.close();
      await db?.close();
      await backend.cleanup();
    });

    it('seals the secret at rest; rotation keeps two valid secrets; resolve opens them', async () => {
      const s = service();
      const { secret } = await s.create({ name: 'acme', rate_limit: 10 });
      const row = await db.primary
        .selectFrom('webhook_sources')
        .selectAll()
        .where('name', '=', 'acme')
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(secret!);
      expect(row.secret_key_id).toBe(new SecretBox(key).keyId);
      expect((await s.resolve('acme'))?.secrets).toEqual([secret]);

      const { secret: next } = await s.rotate('acme');
      const resolved = await s.resolve('acme');
      expect(resolved?.secrets).toEqual([next, secret]);
      expect(resolved).toMatchObject({
        origin: 'database',
        requireTimestamp: true,
        rateLimit: 10,
        enabled: true,
      });
      await s.retire('acme');
      expect((await s.resolve('acme'))?.secrets).toEqual([next]);
    });

    it('a tampered row opens to no secret (requests get the ordinary 401), never to a wrong one', async () => {
      const s = service();
      await s.create({ name: 'tampered' });
      const row = await db.primary
        .selectFrom('webhook_sources')
        .select('secret_sealed')
        .where('name', '=', 'tampered')
        .executeTakeFirstOrThrow();
      const flipped = row.secret_sealed!.slice(0, -2) + (row.secret_sealed!.endsWith('A') ? 'BB' : 'AA');
      await db.primary
        .updateTable('webhook_sources')
        .set({ secret_sealed: flipped })
        .where('name', '=', 'tampered')
        .execute();
      expect((await service().resolve('tampered'))?.secrets).toEqual([]);
    });

    it('a change made through one process drops the cache of another at once (bus event)', async () => {
      const a = service({ cacheTtlMs: 3_600_000 });
      const b = service({ cacheTtlMs: 3_600_000 });
      await b.start();
      try {
        await a.create({ name: 'shared' });
        expect((await b.resolve('shared'))?.enabled).toBe(true);
        await a.update('shared', { enabled: false });
        // b's cache would hold for an hour; only the event can make it see the change.
        let seen: boolean | undefined = true;
        for (let i = 0; i < 100 && seen; i++) {
          seen = (await b.resolve('shared'))?.enabled;
          if (seen) await new Promise((r) => setTimeout(r, 20));
        }
        expect(seen).toBe(false);
      } finally {
        b.stop();
      }
    });

    it('without an encryption key, secrets cannot be created (409 naming the key); config sources are read-only', async () => {
      const s = service({ box: null });
      await expect(s.create({ name: 'nokey' })).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining('webhooks.encryption_key'),
      });
      await expect(service().create({ name: 'configured' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await service().list()).find((v) => v.name === 'configured')).toMatchObject({
        origin: 'config',
        read_only: true,
      });
    });

    it('replay guard: claim, in-progress, commit → replay, release → claimable again', async () => {
      const guard = new SqlReplayGuard(db);
      expect(await guard.claim('k1', 60_000)).toBe('claimed');
      expect(await guard.claim('k1', 60_000)).toBe('in_progress');
      await guard.release('k1');
      expect(await guard.claim('k1', 60_000)).toBe('claimed');
      await guard.commit('k1', 60_000);
      expect(await guard.claim('k1', 60_000)).toBe('replay');
      await guard.release('k1'); // a committed slot is never released
      expect(await guard.claim('k1', 60_000)).toBe('replay');
    });

    it('replay guard: an uncommitted slot whose lease ended can be taken over; a committed one expires', async () => {
      const guard = new SqlReplayGuard(db);
      expect(await guard.claim('k2', 1)).toBe('claimed');
      await new Promise((r) => setTimeout(r, 20));
      expect(await guard.claim('k2', 60_000)).toBe('claimed');
      await guard.commit('k2', 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(await guard.claim('k2', 60_000)).toBe('claimed');
    });

    it('replay guard: of many identical concurrent claims exactly one wins', async () => {
      const guard = new SqlReplayGuard(db);
      const results = await Promise.all(Array.from({ length: 8 }, () => guard.claim('k3', 60_000)));
      expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r === 'in_progress')).toHaveLength(7);
    });
  });
}
