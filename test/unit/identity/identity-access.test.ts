import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../../src/adapters/in-process/index.ts';
import { IdentityAccessPolicy } from '../../../src/api/plugins/identity-access.ts';
import { ApiKeysService, generateApiKey, type IdentityService } from '../../../src/core/identity/index.ts';
import type { IdentityDeps } from '../../../src/core/identity/identity.deps.ts';
import type { ApiKeyRecord } from '../../../src/ports/index.ts';

/**
 * The credential cache of the access policy, on the real ApiKeysService over an in-memory table of
 * key records (hash → record) that counts its lookups: what is answered from memory, what goes to
 * the database, and what a guess, a near miss, a revocation or an expiry does to the cache.
 */
function setup(options: { ttlMs?: number; entries?: number; adminApiKey?: string } = {}) {
  const table = new Map<string, ApiKeyRecord>();
  let lookups = 0;
  const keys = new ApiKeysService({
    store: {
      findApiKeyByHash: async (hash: string) => {
        lookups++;
        const found = table.get(hash);
        return found ? { ...found } : undefined;
      },
      touchApiKey: async () => undefined,
    },
    log: { warn: () => undefined },
  } as unknown as IdentityDeps);
  const policy = new IdentityAccessPolicy({
    identity: { keys } as unknown as IdentityService,
    cacheTtlMs: options.ttlMs ?? 60_000,
    cacheEntries: options.entries ?? 100,
    ...(options.adminApiKey ? { adminApiKey: options.adminApiKey } : {}),
  });
  const add = (overrides: Partial<ApiKeyRecord> = {}) => {
    const generated = generateApiKey();
    const record: ApiKeyRecord = {
      id: `id-${generated.prefix}`,
      prefix: generated.prefix,
      name: `key ${generated.prefix}`,
      role: 'viewer',
      scopes: null,
      created_by: 'test',
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
      created_at: new Date(),
      ...overrides,
    };
    table.set(generated.hash, record);
    return { key: generated.key, hash: generated.hash, record };
  };
  return { policy, table, add, lookups: () => lookups };
}

const bearer = (key: string) =>
  ({
    headers: { authorization: `Bearer ${key}` },
    routeOptions: { config: {} },
  }) as unknown as FastifyRequest;
const status = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: { code?: string }) => (err.code === 'UNAUTHORIZED' ? 401 : 500),
  );

/** The key with one character of its secret changed (same prefix, same length). */
function nearMiss(key: string): string {
  const last = key.at(-1) === 'a' ? 'b' : 'a';
  return key.slice(0, -1) + last;
}

describe('IdentityAccessPolicy: the API key cache', () => {
  it('a verified key is answered from memory, synchronously (peek), without another lookup', async () => {
    const { policy, add, lookups } = setup();
    const { key, record } = add();
    expect(policy.peek(bearer(key))).toBeUndefined(); // not verified yet
    const principal = await policy.authenticate(bearer(key));
    expect(principal).toMatchObject({ id: record.prefix, kind: 'api_key', keyId: record.id, role: 'viewer' });
    expect(lookups()).toBe(1);
    for (let i = 0; i < 5; i++) {
      expect(policy.peek(bearer(key))).toBe(principal);
      expect(await policy.authenticate(bearer(key))).toBe(principal);
    }
    expect(lookups()).toBe(1);
    // Any spelling of the scheme the header allows still reaches the same key.
    const spaced = { headers: { authorization: `bearer   ${key}  ` } } as unknown as FastifyRequest;
    expect(policy.peek(spaced)).toBe(principal);
    expect(await policy.authenticate(spaced)).toBe(principal);
    const header = (authorization: string) => ({ headers: { authorization } }) as unknown as FastifyRequest;
    // Extra spaces after `Bearer ` or after the key: the same key (authenticate decides, from memory).
    for (const odd of [`Bearer  ${key}`, `Bearer ${key} `]) {
      expect(await policy.authenticate(header(odd))).toBe(principal);
    }
    // Anything else glued to the key is not the key.
    for (const odd of [`Bearer ${key}\t`, `Bearer ${key}x`, `Bearer x${key}`, `Bearer ${key} x`]) {
      expect(policy.peek(header(odd))).toBeUndefined();
      expect(await status(policy.authenticate(header(odd)))).toBe(401);
    }
    expect(lookups()).toBeLessThanOrEqual(5); // the refusals above, once each
  });

  it('a near miss of a cached key (same prefix, one character off) is refused and does not displace it', async () => {
    const { policy, add, lookups } = setup();
    const { key } = add();
    const principal = await policy.authenticate(bearer(key));
    const wrong = nearMiss(key);
    expect(policy.peek(bearer(wrong))).toBeUndefined();
    expect(await status(policy.authenticate(bearer(wrong)))).toBe(401);
    // Shorter and longer secrets under the same prefix: refused too.
    expect(await status(policy.authenticate(bearer(`${key}x`)))).toBe(401);
    expect(await status(policy.authenticate(bearer(key.slice(0, -1))))).toBe(401);
    const before = lookups();
    // The real key is still answered from memory.
    expect(policy.peek(bearer(key))).toBe(principal);
    expect(await policy.authenticate(bearer(key))).toBe(principal);
    expect(lookups()).toBe(before);
    // The refusal of the near miss is remembered: asking again costs no lookup.
    expect(await status(policy.authenticate(bearer(wrong)))).toBe(401);
    expect(lookups()).toBe(before);
  });

  it('a flood of unknown keys cannot fill the cache of verified keys nor evict one', async () => {
    const { policy, add, lookups } = setup({ entries: 10 });
    const { key } = add();
    const principal = await policy.authenticate(bearer(key));
    for (let i = 0; i < 200; i++) {
      expect(await status(policy.authenticate(bearer(generateApiKey().key)))).toBe(401);
    }
    expect(policy.keys.size).toBe(1);
    expect(policy.refused.size).toBeLessThanOrEqual(10);
    const before = lookups();
    expect(policy.peek(bearer(key))).toBe(principal);
    expect(lookups()).toBe(before);
  });

  it('verified keys beyond the bound: the oldest is dropped and verified again on its next use', async () => {
    const { policy, add, lookups } = setup({ entries: 2 });
    const keys = [add().key, add().key, add().key];
    for (const k of keys) await policy.authenticate(bearer(k));
    expect(policy.keys.size).toBe(2);
    expect(policy.peek(bearer(keys[0]!))).toBeUndefined();
    expect(policy.peek(bearer(keys[2]!))).toBeDefined();
    const before = lookups();
    expect(await status(policy.authenticate(bearer(keys[0]!)))).toBe(200);
    expect(lookups()).toBe(before + 1);
  });

  it('a revocation is refused as soon as the cache is cleared (credentials_changed on the bus)', async () => {
    const { policy, add, table } = setup();
    const { key, hash } = add();
    const bus = new InProcessEventBus();
    const stop = await policy.watch(bus);
    await policy.authenticate(bearer(key));
    table.set(hash, { ...table.get(hash)!, revoked_at: new Date() });
    // Until the change is announced the cached verification holds (within the TTL, as documented).
    expect(policy.peek(bearer(key))).toBeDefined();
    await bus.publish('credentials_changed', { kind: 'api_key', id: 'x' });
    for (let i = 0; i < 50 && policy.keys.size > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(policy.peek(bearer(key))).toBeUndefined();
    expect(await status(policy.authenticate(bearer(key)))).toBe(401);
    stop();
    await bus.close();
  });

  it('a verification read before a clear is not cached', async () => {
    const { policy, add } = setup();
    const { key } = add();
    const pending = policy.authenticate(bearer(key));
    policy.clear(); // a revocation announced while the lookup was in flight
    expect(await status(pending)).toBe(200);
    expect(policy.peek(bearer(key))).toBeUndefined();
  });

  it('requests that miss together share one database read', async () => {
    const { policy, add, lookups } = setup();
    const { key } = add();
    const answers = await Promise.all(Array.from({ length: 32 }, () => policy.authenticate(bearer(key))));
    expect(lookups()).toBe(1);
    expect(new Set(answers.map((p) => p?.id)).size).toBe(1);
    // A wrong key: one read for all, each refused.
    const wrong = nearMiss(key);
    const refusals = await Promise.all(
      Array.from({ length: 8 }, () => status(policy.authenticate(bearer(wrong)))),
    );
    expect(refusals).toEqual(Array(8).fill(401));
    expect(lookups()).toBe(2);
  });

  it('a request that starts after a revocation does not join a read begun before it', async () => {
    const { policy, add, table } = setup();
    const { key, hash } = add();
    const before = policy.authenticate(bearer(key)); // reads the key while it is still valid
    table.set(hash, { ...table.get(hash)!, revoked_at: new Date() });
    policy.clear(); // the revocation is announced while that read is in flight
    const after = policy.authenticate(bearer(key));
    expect(await status(before)).toBe(200);
    expect(await status(after)).toBe(401);
    expect(policy.peek(bearer(key))).toBeUndefined();
  });

  it('the TTL bounds how long a verified key is trusted without the database', async () => {
    const { policy, add, lookups } = setup({ ttlMs: 30 });
    const { key } = add();
    await policy.authenticate(bearer(key));
    expect(policy.peek(bearer(key))).toBeDefined();
    await new Promise((r) => setTimeout(r, 40));
    expect(policy.peek(bearer(key))).toBeUndefined();
    await policy.authenticate(bearer(key));
    expect(lookups()).toBe(2);
  });

  it('an expiry passed while the key is cached is honoured at once', async () => {
    const { policy, add } = setup();
    const { key } = add({ expires_at: new Date(Date.now() + 40) });
    expect(await status(policy.authenticate(bearer(key)))).toBe(200);
    expect(policy.peek(bearer(key))).toBeDefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(policy.peek(bearer(key))).toBeUndefined();
    expect(await status(policy.authenticate(bearer(key)))).toBe(401);
  });

  it('with the cache off (0 entries) every request is verified by the database', async () => {
    const { policy, add, lookups } = setup({ entries: 0 });
    const { key } = add();
    for (let i = 0; i < 3; i++) expect(await status(policy.authenticate(bearer(key)))).toBe(200);
    expect(policy.peek(bearer(key))).toBeUndefined();
    expect(lookups()).toBe(3);
  });

  it('the configured admin key is answered from memory; a near miss of it is refused', async () => {
    const admin = generateApiKey().key;
    const { policy, lookups } = setup({ adminApiKey: admin });
    expect(policy.peek(bearer(admin))).toMatchObject({ id: 'admin-env', permissions: 'all' });
    expect(await policy.authenticate(bearer(admin))).toMatchObject({ id: 'admin-env' });
    expect(lookups()).toBe(0);
    expect(policy.peek(bearer(nearMiss(admin)))).toBeUndefined();
    expect(await status(policy.authenticate(bearer(nearMiss(admin))))).toBe(401);
  });

  it('malformed bearer tokens are refused without a lookup; no header is no credential', async () => {
    const { policy, lookups } = setup();
    for (const token of [
      'nope',
      'tw_short_secret',
      'tw__0123456789abcdefghijklmnopqrstuvwxyzAB',
      'tw_abcd',
    ]) {
      expect(policy.peek(bearer(token))).toBeUndefined();
      expect(await status(policy.authenticate(bearer(token)))).toBe(401);
    }
    expect(lookups()).toBe(0);
    const none = { headers: {} } as unknown as FastifyRequest;
    expect(policy.peek(none)).toBeUndefined();
    expect(await policy.authenticate(none)).toBeNull();
  });
});
