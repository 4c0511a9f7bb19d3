import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresDatabase } from '../../src/adapters/postgres/postgres.database.ts';
import { migrate } from '../../src/adapters/sql/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';
import { requireServices } from '../helpers/services.ts';

/**
 * Issue 10 item 1: a statement that outlives the database timeout must never leave its connection in
 * the pool inside an open transaction, where the next autocommit write (an analyst's resolve) would
 * answer 200 and be rolled back later. PostgreSQL 15, a database of its own.
 */
const PG = 'postgres://postgres@127.0.0.1:5432';
const missing = await requireServices(['postgres']);

async function withClient<T>(db: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(`${PG}/${db}`);
  c.on('error', () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Another session holds an ACCESS EXCLUSIVE lock on `incidents` for `ms`; `released` says when it ends. */
async function lockIncidents(db: string, ms: number): Promise<{ released: Promise<void> }> {
  const c = new pg.Client(`${PG}/${db}`);
  c.on('error', () => {});
  await c.connect();
  await c.query('BEGIN; LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE');
  const released = new Promise<void>((resolve) => setTimeout(resolve, ms))
    .then(() => c.query('COMMIT'))
    .then(() => c.end());
  return { released };
}

/** Our backends (by application_name) that sit inside a transaction. */
async function ourOpenTransactions(db: string, app: string): Promise<number> {
  return withClient(db, async (c) => {
    const r = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND application_name = $2 AND xact_start IS NOT NULL`,
      [db, app],
    );
    return r.rows[0]!.n;
  });
}

describe.skipIf(missing)('database timeouts (PostgreSQL 15)', () => {
  const dbName = `tw_dbtimeouts_${randomUUID().slice(0, 8)}`;
  let rt: Runtime;

  beforeAll(async () => {
    await withClient('postgres', (c) => c.query(`CREATE DATABASE ${dbName}`));
    rt = await startRuntime(
      testConfig({
        database: {
          primary_url: `${PG}/${dbName}`,
          statement_timeout: '1s',
          max_connections: 1,
          min_connections: 0,
        },
      }),
      { role: 'api' },
    );
  }, 60_000);

  afterAll(async () => {
    await rt?.stop();
    await withClient('postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  });

  const post = (payload: object) =>
    rt.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload,
    });
  const alert = () => ({
    incident_type: 'phishing',
    source: 'db-timeouts',
    severity: 'medium',
    title: `db timeouts ${randomUUID()}`,
  });

  const resolve = (id: string) =>
    rt.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${id}/resolve`,
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload: { reason: 'checked by the db-timeouts test' },
    });

  /** What another session sees is what was committed: a 200 must be there already, with its audit row. */
  async function expectDurableOr503(id: string, res: Awaited<ReturnType<typeof resolve>>) {
    expect([200, 503], res.body).toContain(res.statusCode);
    if (res.statusCode === 503) {
      expect(res.json().code).toBe('SERVICE_UNAVAILABLE');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    const seen = await withClient(dbName, async (c) => {
      const status = await c.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1', [id]);
      const audit = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_log WHERE incident_id = $1 AND action = 'incident.resolve'`,
        [id],
      );
      return { status: status.rows[0]?.status, audits: audit.rows[0]!.n };
    });
    if (res.statusCode === 200) expect(seen).toEqual({ status: 'resolved', audits: 1 });
    else expect(seen).toEqual({ status: 'new', audits: 0 });
  }

  it('an ingest that times out under a lock leaves no zombie transaction: a later resolve is durable or 503', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await post(alert());
      expect(created.statusCode, created.body).toBe(202);
      ids.push(created.json().incident_id as string);
    }

    const { released } = await lockIncidents(dbName, 3500);
    // Blocks on the lock past the 1 s timeout; whatever it answers, it must not poison the pool.
    const ingest = await post(alert());
    const during = await resolve(ids[0]!); // while the lock is still held
    await released;
    const after = await resolve(ids[1]!); // the case: the stale transaction is idle by now
    await expectDurableOr503(ids[1]!, after);
    await expectDurableOr503(ids[0]!, during);

    // No connection of ours is left inside a transaction (the server ends the timed-out ones).
    await eventually(
      async () => (await ourOpenTransactions(dbName, 'triage-warden:test')) === 0,
      'no pooled connection inside a transaction',
      8000,
    );
    // The timed-out ingest was refused as retryable (or, had it got through, accepted), never a 500.
    expect([202, 503], ingest.body).toContain(ingest.statusCode);
    // The pool still works.
    const detail = await rt.app.inject({
      method: 'GET',
      url: `/api/v1/incidents/${ids[1]}`,
      headers: asAdmin(),
    });
    expect(detail.statusCode).toBe(200);
  }, 30_000);
});

describe.skipIf(missing)('server-side timeouts and discarded connections (PostgreSQL 15)', () => {
  const dbName = `tw_dbtimeouts_tx_${randomUUID().slice(0, 8)}`;
  const app = `tw-db-timeouts-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await withClient('postgres', (c) => c.query(`CREATE DATABASE ${dbName}`));
  });
  afterAll(async () => {
    await withClient('postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  });

  it("a transaction() blocked past the timeout fails retryable, and the pool's next autocommit write is durable", async () => {
    const db = await openPostgresDatabase({
      primaryUrl: `${PG}/${dbName}`,
      readReplicaEnabled: false,
      maxConnections: 1,
      minConnections: 0,
      connectTimeoutMs: 5000,
      queryTimeoutMs: 1000,
      lockTimeoutMs: 500,
      idleInTransactionTimeoutMs: 5000,
      replicaMaxLagMs: 1000,
      applicationName: app,
    });
    try {
      await migrate(db);
      // Server-side, on autocommit statements (startup parameters) and in transactions (SET LOCAL,
      // which is what works through PgBouncer in transaction mode).
      const setting = sql<{
        s: string;
        l: string;
        i: string;
      }>`SELECT current_setting('statement_timeout') AS s,
        current_setting('lock_timeout') AS l, current_setting('idle_in_transaction_session_timeout') AS i`;
      expect((await setting.execute(db.primary)).rows).toEqual([{ s: '1s', l: '500ms', i: '5s' }]);
      const inTx = await db.primary.transaction().execute((tx) => setting.execute(tx));
      expect(inTx.rows).toEqual([{ s: '1s', l: '500ms', i: '5s' }]);

      const { released } = await lockIncidents(dbName, 2500);
      const failure = await db.primary
        .transaction()
        .execute((tx) => tx.selectFrom('incidents').select('id').limit(1).execute())
        .then(
          () => null,
          (err: unknown) => err as { code?: string; name?: string; reason?: string },
        );
      expect(failure).toMatchObject({ code: 'SERVICE_UNAVAILABLE', name: 'RetryableDatabaseError' });
      expect(failure?.reason).toBe('timeout');

      // Autocommit on the same (single-connection) pool: committed for everyone at once.
      await db.primary
        .insertInto('leader_fences')
        .values({ name: `t-${app}`, term: 1, holder: 'test' })
        .execute();
      const seen = await withClient(dbName, (c) =>
        c.query('SELECT term FROM leader_fences WHERE name = $1', [`t-${app}`]),
      );
      expect(seen.rows).toEqual([{ term: 1 }]);
      await released;
      expect(await ourOpenTransactions(dbName, app)).toBe(0);

      // A connection handed back inside a transaction (whatever the reason) is destroyed, not pooled.
      await db.primary.connection().execute((conn) => sql`BEGIN`.execute(conn));
      expect(db.poolStats().primary.total).toBe(0);
      await db.primary
        .insertInto('leader_fences')
        .values({ name: `u-${app}`, term: 2, holder: 'test' })
        .execute();
      const after = await withClient(dbName, (c) =>
        c.query('SELECT term FROM leader_fences WHERE name = $1', [`u-${app}`]),
      );
      expect(after.rows).toEqual([{ term: 2 }]);
    } finally {
      await db.close();
    }
  }, 30_000);
});
