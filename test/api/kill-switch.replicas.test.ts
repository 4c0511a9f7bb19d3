import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createRedisTransports } from '../../src/runtime/redis-transports.ts';
import { createRuntime, type Role, type Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { testConfig } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';

/**
 * One API and two orchestrators on one PostgreSQL database and one Redis (three runtimes, as three
 * processes would be). Orchestrator A re-reads the stored switch only every hour, so only the bus
 * event can make it see a change; orchestrator B polls every 200 ms, which alone catches a change
 * whose event was lost. Measured: activation through the API → isActive() on each orchestrator.
 */
const skip = await requireServices(['postgres', 'redis']);
const dbName = `tw_ksrep_${randomUUID().slice(0, 8)}`;
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

/** Milliseconds until `fn` holds, checked every 2 ms; Infinity after `limitMs`. */
async function timeUntil(fn: () => boolean, limitMs: number, t0: number): Promise<number> {
  while (!fn()) {
    if (performance.now() - t0 > limitMs) return Infinity;
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now() - t0;
}

describe.skipIf(Boolean(skip))('kill switch across processes (PostgreSQL + Redis)', () => {
  let api: Runtime;
  let orchA: Runtime;
  let orchB: Runtime;
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${dbName}`);
    const prefix = `tw-ksrep-${randomUUID().slice(0, 8)}:`;
    const start = async (id: string, role: Role, poll: string) => {
      const config = testConfig({
        server: { instance_id: id },
        database: { primary_url: `postgres://postgres@127.0.0.1:5432/${dbName}`, max_connections: 4 },
        redis: { url: 'redis://127.0.0.1:6379', key_prefix: prefix },
        webhooks: { encryption_key: Buffer.alloc(32, 7).toString('base64') },
        response: { kill_switch_poll: poll },
      });
      const log = createLogger({ level: 'silent', instance: id, role });
      const rt = await createRuntime(config, role, log, { redisTransports: createRedisTransports });
      await rt.start({ listen: false });
      return rt;
    };
    // The API first: it applies the migrations the orchestrators then find done.
    api = await start('api', 'api', '1h');
    [orchA, orchB] = await Promise.all([
      start('orch-a', 'orchestrator', '1h'),
      start('orch-b', 'orchestrator', '200ms'),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled([api?.stop(), orchA?.stop(), orchB?.stop()]);
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  });

  const post = (verb: 'activate' | 'deactivate', reason: string) =>
    api.app.inject({
      method: 'POST',
      url: `/api/v1/kill-switch/${verb}`,
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload: JSON.stringify({ reason }),
    });

  it('activation through the API is effective on every orchestrator within a second, and so is deactivation', async () => {
    expect([orchA, orchB].map((o) => o.killSwitch.isActive())).toEqual([false, false]);
    for (const [verb, want] of [
      ['activate', true],
      ['deactivate', false],
    ] as const) {
      const t0 = performance.now();
      const res = await post(verb, `propagation test: ${verb}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ changed: true, kill_switch: { active: want } });
      const [a, b] = await Promise.all(
        [orchA, orchB].map((o) => timeUntil(() => o.killSwitch.isActive() === want, 5000, t0)),
      );
      console.log(
        `kill switch ${verb}: orchestrator A ${a!.toFixed(1)} ms, B ${b!.toFixed(1)} ms (from the request)`,
      );
      expect(a).toBeLessThan(1000);
      expect(b).toBeLessThan(1000);
    }
  });

  it('a change whose event was lost is caught by the poll', async () => {
    // Written behind the service's back: no event. B (200 ms poll) follows; A (hourly) cannot.
    await sql`INSERT INTO settings (key, value, updated_by) VALUES ('kill_switch', '{"active": true, "reason": "direct"}', 'test')
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = 'test'`.execute(
      api.database.primary,
    );
    const t0 = performance.now();
    expect(await timeUntil(() => orchB.killSwitch.isActive(), 3000, t0)).toBeLessThan(3000);
    expect(orchA.killSwitch.isActive()).toBe(false);
    // The API reads the stored row, not its cached view.
    expect((await api.app.inject({ url: '/api/v1/kill-switch', headers: asAdmin() })).json()).toMatchObject({
      active: true,
      reason: 'direct',
    });
  });
});
