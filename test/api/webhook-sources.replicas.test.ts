import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createRedisTransports } from '../../src/runtime/redis-transports.ts';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, testConfig } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';
import { signedHeaders } from '../helpers/webhooks.ts';

/**
 * Two API replicas on one PostgreSQL database and one Redis: a change made through one holds on the
 * other (bus event, 1 s cache at most), replays and rate limits are shared.
 */
const skip = await requireServices(['postgres', 'redis']);
const dbName = `tw_whrep_${randomUUID().slice(0, 8)}`;
const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(statement: string): Promise<void> {
  const client = new pg.Client(ADMIN);
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe.skipIf(Boolean(skip))('webhook sources across two API replicas (PostgreSQL + Redis)', () => {
  let a: Runtime;
  let b: Runtime;
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${dbName}`);
    // One Redis key prefix and one encryption key for both replicas, as a deployment has.
    const prefix = `tw-whrep-${randomUUID().slice(0, 8)}:`;
    const start = async (id: string) => {
      const config = testConfig({
        server: { instance_id: id },
        database: { primary_url: `postgres://postgres@127.0.0.1:5432/${dbName}`, max_connections: 4 },
        redis: { url: 'redis://127.0.0.1:6379', key_prefix: prefix },
        webhooks: { encryption_key: Buffer.alloc(32, 7).toString('base64') },
      });
      const log = createLogger({ level: 'silent', instance: id, role: 'api' });
      const rt = await createRuntime(config, 'api', log, { redisTransports: createRedisTransports });
      await rt.start({ listen: false });
      return rt;
    };
    a = await start('api-a');
    b = await start('api-b');
  }, 120_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  });

  let seq = 0;
  const send = (
    rt: Runtime,
    source: string,
    secret: string,
    body = JSON.stringify({ title: `r ${Date.now()} ${seq++}` }),
  ) =>
    rt.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/${source}`,
      headers: signedHeaders(secret, body),
      payload: body,
    });
  const api = (rt: Runtime, method: 'POST' | 'PATCH', url: string, payload?: unknown) =>
    rt.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload: JSON.stringify(payload ?? {}),
    });

  it('disable and rotation through replica A hold on replica B', async () => {
    const created = await api(a, 'POST', '/webhook-sources', { name: 'shared-src' });
    expect(created.statusCode, created.body).toBe(201);
    const first = created.json().secret as string;
    expect((await send(b, 'shared-src', first)).statusCode).toBe(202);

    expect((await api(a, 'PATCH', '/webhook-sources/shared-src', { enabled: false })).statusCode).toBe(200);
    await eventually(
      async () => (await send(b, 'shared-src', first)).statusCode === 401,
      'B refuses the disabled source',
    );

    expect((await api(a, 'PATCH', '/webhook-sources/shared-src', { enabled: true })).statusCode).toBe(200);
    const rotated = await api(a, 'POST', '/webhook-sources/shared-src/rotate');
    const next = rotated.json().secret as string;
    await eventually(
      async () => (await send(b, 'shared-src', next)).statusCode === 202,
      'B accepts the new secret',
    );
    expect((await send(b, 'shared-src', first)).statusCode).toBe(202); // still in its grace
    expect((await api(a, 'POST', '/webhook-sources/shared-src/retire')).statusCode).toBe(200);
    await eventually(
      async () => (await send(b, 'shared-src', first)).statusCode === 401,
      'B refuses the retired secret',
    );
  });

  it('a request accepted by A is a replay on B; the rate limit is one budget for both', async () => {
    const created = await api(a, 'POST', '/webhook-sources', { name: 'limited-shared', rate_limit: 3 });
    const secret = created.json().secret as string;
    const body = JSON.stringify({ title: `replayed ${Date.now()}` });
    const headers = signedHeaders(secret, body);
    const post = (rt: Runtime) =>
      rt.app.inject({ method: 'POST', url: '/api/v1/webhooks/limited-shared', headers, payload: body });
    expect((await post(a)).statusCode).toBe(202);
    const replay = await post(b);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().message).toMatch(/replay/);
    expect((await send(a, 'limited-shared', secret)).statusCode).toBe(202);
    const over = await send(b, 'limited-shared', secret);
    expect(over.statusCode, over.body).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
  });
});
