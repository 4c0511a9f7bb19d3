// Users, API keys, sessions and authentication events on both engines (PGlite and PostgreSQL 15),
// through the identity services: expiry with a controlled clock, unique names and SSO links,
// revocation, and the single sign-on sink the OIDC login ends with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEventBus, InProcessRateLimiter } from '../../src/adapters/in-process/index.ts';
import { migrate, SqlIdentityStore, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import { IdentityService, sha256Hex, type IdentitySettings } from '../../src/core/identity/index.ts';
import { SILENT_LOGGER } from '../../src/ports/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const backends = await storeBackends('tw_identity');
const SETTINGS: IdentitySettings = {
  sessionIdleMs: 30 * 60_000,
  sessionMaxAgeMs: 12 * 3_600_000,
  loginMaxFailuresPerUser: 5,
  loginMaxFailuresPerIp: 20,
  loginWindowMs: 15 * 60_000,
  scrypt: { N: 1024, r: 8, p: 1 },
};
const SYSTEM = { actor: 'test', ip: '10.0.0.1' };

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(
    `identity store on ${backend.name}${backend.skip ? ` (${backend.skip})` : ''}`,
    () => {
      let db: SqlDatabase;
      let store: SqlIdentityStore;
      let identity: IdentityService;
      let clock = Date.now();
      const bus = new InProcessEventBus();
      const counters = new InProcessRateLimiter();

      beforeAll(async () => {
        db = await backend.open();
        expect(await migrate(db)).toContain('0003_identity');
        store = new SqlIdentityStore(db);
        identity = new IdentityService({
          store,
          bus,
          counters,
          log: SILENT_LOGGER,
          settings: SETTINGS,
          now: () => new Date(clock),
        });
      });
      afterAll(async () => {
        await bus.close();
        await counters.close();
        await db?.close();
        await backend.cleanup();
      });

      it('usernames are unique without regard to case (CONFLICT, not a database error)', async () => {
        await identity.users.create(
          { username: 'Carol', password: 'carol-password-1', role: 'viewer' },
          SYSTEM,
        );
        await expect(
          identity.users.create({ username: 'carol', password: 'carol-password-1', role: 'viewer' }, SYSTEM),
        ).rejects.toMatchObject({ code: 'CONFLICT' });
        await expect(
          store.createUser({
            id: crypto.randomUUID(),
            username: 'CAROL',
            role: 'viewer',
            approval_level: 'analyst',
            password_hash: null,
          }),
        ).rejects.toMatchObject({ code: 'CONFLICT' });
        expect((await store.findUserByUsername('cArOl'))?.username).toBe('Carol');
      });

      it('single sign-on: one user per (issuer, subject); the role follows the IdP on each login', async () => {
        const first = await identity.upsertSsoUser({
          issuer: 'https://idp.example',
          subject: 'u-1',
          email: 'dana@example.com',
          role: 'viewer',
          ip: '10.0.0.2',
        });
        const again = await identity.upsertSsoUser({
          issuer: 'https://idp.example',
          subject: 'u-1',
          email: 'dana@example.com',
          role: 'analyst',
          ip: '10.0.0.2',
        });
        expect(again.id).toBe(first.id);
        expect(again.role).toBe('analyst');
        const other = await identity.upsertSsoUser({
          issuer: 'https://other.example',
          subject: 'u-1',
          email: 'dana@example.com',
          role: 'viewer',
          ip: '10.0.0.2',
        });
        expect(other.id).not.toBe(first.id);
        const user = await store.getUser(first.id);
        expect(user).toMatchObject({
          username: 'dana@example.com',
          has_password: false,
          sso_issuer: 'https://idp.example',
        });
        expect((await store.getUser(other.id))?.username).toMatch(/^sso-[0-9a-f]{16}$/);
        await expect(
          store.createUser({
            id: crypto.randomUUID(),
            username: 'dup',
            role: 'viewer',
            approval_level: 'analyst',
            password_hash: null,
            sso_issuer: 'https://idp.example',
            sso_subject: 'u-1',
          }),
        ).rejects.toMatchObject({ code: 'CONFLICT' });
        // An SSO user has no password: a password login fails like any other.
        await expect(
          identity.sessions.login('dana@example.com', 'anything-long-enough', { ip: '10.0.0.3' }),
        ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      });

      it('sessions end after the idle timeout and after the absolute maximum age', async () => {
        clock = Date.now();
        const user = await identity.users.create(
          { username: 'erin', password: 'erin-password-12', role: 'analyst' },
          SYSTEM,
        );
        const s = await identity.startSession(user.id, { ip: '10.0.0.4' });
        const hash = sha256Hex(s.token);
        expect((await identity.sessions.resolve(hash))?.user.id).toBe(user.id);
        clock += SETTINGS.sessionIdleMs + 1000;
        expect(await identity.sessions.resolve(hash)).toBeUndefined();

        clock = Date.now();
        const long = await identity.startSession(user.id, { ip: '10.0.0.4' });
        expect(long.expiresAt.getTime()).toBe(clock + SETTINGS.sessionMaxAgeMs);
        clock += SETTINGS.sessionMaxAgeMs;
        expect(await identity.sessions.resolve(sha256Hex(long.token))).toBeUndefined();
        clock = Date.now();
      });

      it('only the hash of a key is stored; revoked and expired keys do not resolve', async () => {
        const { key, record } = await identity.keys.create(
          { name: 'k1', role: 'viewer' },
          { ...SYSTEM, role: 'admin' },
        );
        const rows = await db.primary
          .selectFrom('api_keys')
          .selectAll()
          .where('id', '=', record.id)
          .execute();
        expect(JSON.stringify(rows)).not.toContain(key.split('_')[2]);
        expect(rows[0]!.key_hash).toBe(sha256Hex(key));
        expect((await identity.keys.resolve(sha256Hex(key)))?.id).toBe(record.id);
        await identity.keys.revoke(record.prefix, SYSTEM);
        expect(await identity.keys.resolve(sha256Hex(key))).toBeUndefined();

        const soon = await identity.keys.create(
          { name: 'k2', role: 'viewer', expiresAt: new Date(clock + 60_000) },
          { ...SYSTEM, role: 'admin' },
        );
        expect(await identity.keys.resolve(sha256Hex(soon.key))).toBeDefined();
        clock += 61_000;
        expect(await identity.keys.resolve(sha256Hex(soon.key))).toBeUndefined();
        clock = Date.now();
        await expect(
          identity.keys.create({ name: 'k3', role: 'admin' }, { ...SYSTEM, role: 'analyst' }),
        ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      });

      it('last_used_at is written at most once per interval', async () => {
        const { record } = await identity.keys.create(
          { name: 'touch', role: 'viewer' },
          { ...SYSTEM, role: 'admin' },
        );
        await store.touchApiKey(record.id, 60_000);
        const first = (await store.getApiKey(record.id))!.last_used_at!;
        await new Promise((r) => setTimeout(r, 20));
        await store.touchApiKey(record.id, 60_000);
        expect((await store.getApiKey(record.id))!.last_used_at!.getTime()).toBe(first.getTime());
        await store.touchApiKey(record.id, 1);
        expect((await store.getApiKey(record.id))!.last_used_at!.getTime()).toBeGreaterThan(first.getTime());
      });

      it('auth events filter by type, actor and time, newest first, with a cursor', async () => {
        const events = await identity.events({ limit: 500 });
        expect(events.length).toBeGreaterThan(3);
        for (let i = 1; i < events.length; i++)
          expect(BigInt(events[i - 1]!.id) > BigInt(events[i]!.id)).toBe(true);
        const created = await identity.events({ type: 'user_created', limit: 500 });
        expect(created.every((e) => e.type === 'user_created')).toBe(true);
        expect(created.some((e) => e.ip === '10.0.0.1' && e.actor === 'test')).toBe(true);
        const page = await identity.events({ limit: 2 });
        const rest = await identity.events({ limit: 500, before: page[1]!.id });
        expect(rest.length).toBe(events.length - 2);
        expect(await identity.events({ limit: 10, since: new Date(Date.now() + 3_600_000) })).toEqual([]);
        expect((await identity.events({ limit: 10, actor: 'test' })).every((e) => e.actor === 'test')).toBe(
          true,
        );
      });
    },
  );
}
