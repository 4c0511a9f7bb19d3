import { randomUUID } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { startRuntime, testConfig } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';

/**
 * Issue 10 item 2: the database going away is an operational failure, not a bug: every route that
 * needs it answers 503 SERVICE_UNAVAILABLE with Retry-After (it was a 500 INTERNAL_ERROR). The
 * runtime reaches PostgreSQL 15 through a loopback TCP relay that the test closes, so new
 * connections are refused and the pooled ones are cut, as when the server is down.
 */
const PG = 'postgres://postgres@127.0.0.1:5432';
const missing = await requireServices(['postgres']);

async function admin(statement: string): Promise<void> {
  const c = new pg.Client(`${PG}/postgres`);
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

/** A TCP relay to PostgreSQL; `cut()` closes it and every connection through it. */
async function relay(): Promise<{ port: number; cut: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(5432, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

describe.skipIf(missing)('database outage → 503 with Retry-After (PostgreSQL 15)', () => {
  const dbName = `tw_dboutage_${randomUUID().slice(0, 8)}`;
  let rt: Runtime;
  let cut: () => Promise<void>;

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${dbName}`);
    const r = await relay();
    cut = r.cut;
    rt = await startRuntime(
      testConfig({
        database: { primary_url: `postgres://postgres@127.0.0.1:${r.port}/${dbName}`, connect_timeout: '2s' },
      }),
      { role: 'api' },
    );
  }, 60_000);

  afterAll(async () => {
    await rt?.stop();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  });

  it('reads, ingest and decisions answer 503 SERVICE_UNAVAILABLE with Retry-After while the database is down', async () => {
    const created = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload: {
        incident_type: 'phishing',
        source: 'db-outage',
        severity: 'low',
        title: 'before the outage',
      },
    });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().incident_id as string;

    await cut();

    const requests = [
      { method: 'GET' as const, url: '/api/v1/incidents' },
      { method: 'GET' as const, url: `/api/v1/incidents/${randomUUID()}` },
      {
        method: 'POST' as const,
        url: '/api/v1/incidents',
        payload: {
          incident_type: 'phishing',
          source: 'db-outage',
          severity: 'low',
          title: 'during the outage',
        },
      },
      { method: 'POST' as const, url: `/api/v1/incidents/${id}/resolve`, payload: { reason: 'outage test' } },
    ];
    for (const req of requests) {
      const res = await rt.app.inject({
        ...req,
        headers: asAdmin(req.payload ? { 'content-type': 'application/json' } : {}),
      });
      expect(res.statusCode, `${req.method} ${req.url}: ${res.body}`).toBe(503);
      const body = res.json();
      expect(body.code).toBe('SERVICE_UNAVAILABLE');
      expect(body.message).toBe('service temporarily unavailable');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
  }, 60_000);
});
