// Two API replicas on one PostgreSQL database and one Redis (as behind the load balancer): a key
// revoked through one is refused by the other within a second (the bus clears its credential cache,
// whose TTL here is a minute so that only the bus can explain it); sessions and login lockouts are
// shared. In-process replicas with the real distributed adapters; the multi-process cluster test
// belongs to test/distributed.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRedisTransports } from '../../src/runtime/redis-transports.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, testConfig } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';

const skip = await requireServices(['postgres', 'redis']);
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `tw_replicas_${randomUUID().slice(0, 8)}`;
const prefix = `twtest-${randomUUID().slice(0, 8)}`;
const PASSWORD = 'replica-password-1';

async function admin(statement: string): Promise<void> {
  const client = new pg.Client(PG_ADMIN);
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe.skipIf(Boolean(skip))(`identity across two API replicas${skip ? ` (${skip})` : ''}`, () => {
  const replicas: Runtime[] = [];
  let a: Runtime;
  let b: Runtime;

  function config(name: string): Config {
    return testConfig({
      server: { instance_id: name },
      database: {
        primary_url: `postgres://postgres@127.0.0.1:5432/${dbName}`,
        max_connections: 4,
        min_connections: 0,
      },
      redis: { url: 'redis://127.0.0.1:6379', key_prefix: prefix },
      auth: { credential_cache_ttl: '60s', login_max_failures_per_user: 2 },
    });
  }
  async function replica(name: string): Promise<Runtime> {
    const c = config(name);
    const log = createLogger({ level: c.logging.level, instance: name, role: 'api' });
    const rt = await createRuntime(c, 'api', log, { redisTransports: createRedisTransports });
    replicas.push(rt);
    await rt.start({ listen: false });
    return rt;
  }

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${dbName}`);
    a = await replica('api-a');
    b = await replica('api-b');
  });
  afterAll(async () => {
    await Promise.allSettled(replicas.map((r) => r.stop()));
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    const redis = new Redis('redis://127.0.0.1:6379');
    for (const pattern of [`{${prefix}}*`, `${prefix}:*`]) {
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (batch.length) await redis.unlink(...batch);
        cursor = next;
      } while (cursor !== '0');
    }
    await redis.quit();
  });

  it('a key revoked on one replica is refused by the other within a second', async () => {
    const created = await a.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: asAdmin(),
      payload: { name: 'shared', role: 'viewer' },
    });
    expect(created.statusCode).toBe(201);
    const headers = { authorization: `Bearer ${created.json().key}` };
    // B verifies it and caches it for a minute.
    expect((await b.app.inject({ method: 'GET', url: '/api/v1/incidents', headers })).statusCode).toBe(200);
    const revoked = await a.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${created.json().api_key.id}`,
      headers: asAdmin(),
    });
    expect(revoked.statusCode).toBe(200);
    await eventually(
      async () =>
        (await b.app.inject({ method: 'GET', url: '/api/v1/incidents', headers })).statusCode === 401,
      'replica B refusing the revoked key',
      1000,
    );
  });

  it('a session started on one replica works on the other, and logging out ends it on both', async () => {
    await a.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: asAdmin(),
      payload: { username: 'frank', password: PASSWORD, role: 'analyst' },
    });
    const login = await a.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'frank', password: PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const cookie = /tw_session=[^;]+/.exec(String(login.headers['set-cookie']))![0];
    const csrf = login.json().csrf_token as string;
    expect(
      (await b.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).json().id,
    ).toBe('frank');
    const out = await b.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(out.statusCode).toBe(204);
    await eventually(
      async () =>
        (await a.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode ===
        401,
      'replica A refusing the ended session',
      1000,
    );
  });

  it('login failures count across replicas', async () => {
    const attempt = (rt: Runtime) =>
      rt.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'grace', password: 'wrong-password-x' },
      });
    expect((await attempt(a)).statusCode).toBe(401);
    expect((await attempt(b)).statusCode).toBe(401);
    const third = await attempt(a);
    expect(third.statusCode).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
  });
});
