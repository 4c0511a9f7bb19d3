import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { createRedisTransports } from '../../src/runtime/redis-transports.ts';
import { asAdmin } from '../helpers/auth.ts';
import { edgeRuntime } from '../helpers/edge.ts';
import { testConfig } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';
import { TcpProxy } from './tcp-proxy.ts';

/**
 * The HTTP rate limits in distributed mode: two API instances on one Redis key prefix share one
 * budget per credential; a third on another prefix does not; and when Redis stops answering the
 * limiter lets requests through instead of failing them.
 */
const missing = await requireServices(['redis']);

describe.skipIf(missing)('HTTP rate limits on Redis', { timeout: 180_000 }, () => {
  const prefix = `tw-rl-${randomUUID().slice(0, 8)}`;
  const runtimes: Runtime[] = [];
  let proxy: TcpProxy;

  const apiOn = async (redisUrl: string, keyPrefix: string, extra: Record<string, unknown> = {}) => {
    const config = testConfig({
      redis: { url: redisUrl, key_prefix: keyPrefix },
      rate_limits: { per_credential: 3 },
      ...extra,
    });
    const log = createLogger({ level: 'silent', instance: 'test', role: 'api' });
    const rt = await edgeRuntime(config, { transports: await createRedisTransports(config, log) });
    runtimes.push(rt);
    return rt;
  };
  const get = (rt: Runtime) =>
    rt.app.inject({ url: '/api/v1/incidents', headers: asAdmin() }).then((r) => r.statusCode);

  beforeAll(async () => {
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
  });
  afterAll(async () => {
    proxy?.heal();
    await Promise.allSettled(runtimes.map((rt) => rt.stop()));
    await proxy?.close();
  });

  it('two instances on one prefix share the limit; another prefix has its own', async () => {
    const a = await apiOn('redis://127.0.0.1:6379', prefix);
    const b = await apiOn('redis://127.0.0.1:6379', prefix);
    expect([await get(a), await get(b), await get(a)]).toEqual([200, 200, 200]);
    expect(await get(b)).toBe(429);
    expect(await get(a)).toBe(429);
    const other = await apiOn('redis://127.0.0.1:6379', `${prefix}-other`);
    expect(await get(other)).toBe(200);
  });

  it('Redis not answering: requests pass (the limiter fails open) instead of failing', async () => {
    const rt = await apiOn(`redis://127.0.0.1:${proxy.port}`, `${prefix}-cut`, {
      rate_limits: { per_credential: 1000 },
    });
    expect(await get(rt)).toBe(200);
    proxy.blackhole();
    try {
      for (let i = 0; i < 3; i++) expect(await get(rt)).toBe(200);
    } finally {
      proxy.heal();
    }
  });
});
