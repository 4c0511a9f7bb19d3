import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../../../src/adapters/sql/index.ts';
import type { RetryableDatabaseError } from '../../../src/adapters/sql/sql.errors.ts';
import {
  CommitOutcomeUnknownError,
  databaseFailureOf,
  translateDatabaseError,
} from '../../../src/adapters/sql/sql.errors.ts';
import { isAppError } from '../../../src/contracts/index.ts';
import { storeBackends } from '../../helpers/store-backends.ts';

/**
 * Issue 10 item 2: PostgreSQL and PGlite errors are translated once, in the adapter: operational
 * failures become SERVICE_UNAVAILABLE (matched by name/code, retryable), everything else keeps its
 * SQLSTATE untouched.
 */
const RETRYABLE: [string, string][] = [
  ['57014', 'timeout'], // query_canceled
  ['55P03', 'timeout'], // lock_not_available
  ['25P03', 'timeout'], // idle_in_transaction_session_timeout
  ['40001', 'conflict'], // serialization_failure
  ['40P01', 'conflict'], // deadlock_detected
  ['57P01', 'unavailable'], // admin_shutdown
  ['57P02', 'unavailable'], // crash_shutdown
  ['57P03', 'unavailable'], // cannot_connect_now
  ['25006', 'unavailable'], // read_only_sql_transaction (a standby after failover)
  ['08006', 'unavailable'], // connection_failure
  ['08P01', 'unavailable'], // protocol_violation (PgBouncer's own errors)
  ['53300', 'overloaded'], // too_many_connections
  ['53100', 'overloaded'], // disk_full
];
const KEPT = ['23505', '23503', '23514', '22P02', '42P01', '42601', 'P0001', 'XX000'];

describe('translateDatabaseError (pure)', () => {
  it.each(RETRYABLE)('SQLSTATE %s → RetryableDatabaseError (%s), SERVICE_UNAVAILABLE', (code, reason) => {
    const err = translateDatabaseError(Object.assign(new Error('x'), { code, name: 'DatabaseError' }));
    expect(err).toMatchObject({
      name: 'RetryableDatabaseError',
      code: 'SERVICE_UNAVAILABLE',
      reason,
      sqlstate: code,
    });
    expect(isAppError(err)).toBe(true);
    expect((err as RetryableDatabaseError).retryAfterSeconds).toBeGreaterThan(0);
  });

  it.each(KEPT)('SQLSTATE %s is not operational: returned unchanged', (code) => {
    const original = Object.assign(new Error('x'), { code });
    expect(translateDatabaseError(original)).toBe(original);
  });

  it.each([
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'unavailable'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'unavailable'],
    [Object.assign(new Error('getaddrinfo ENOTFOUND db'), { code: 'ENOTFOUND' }), 'unavailable'],
    [new Error('Connection terminated unexpectedly'), 'unavailable'],
    [new Error('Connection terminated due to connection timeout'), 'unavailable'],
    [new Error('Client has encountered a connection error and is not queryable'), 'unavailable'],
    [new Error('Query read timeout'), 'timeout'],
    [new Error('timeout exceeded when trying to connect'), 'overloaded'],
    [new Error('PGlite is closed'), 'unavailable'],
  ])('%s → %s', (original, reason) => {
    expect(translateDatabaseError(original)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason });
  });

  it('leaves our own errors and bugs alone; a commit without an answer is CommitOutcomeUnknownError', () => {
    const bug = new TypeError('x is undefined');
    expect(translateDatabaseError(bug)).toBe(bug);
    const unknown = new CommitOutcomeUnknownError({ cause: new Error('Connection terminated') });
    expect(unknown).toMatchObject({ name: 'CommitOutcomeUnknownError', code: 'SERVICE_UNAVAILABLE' });
    expect(translateDatabaseError(unknown)).toBe(unknown);
    expect(databaseFailureOf(JSON.parse(JSON.stringify({ ...unknown, name: unknown.name })))).toBe(
      'commit_unknown',
    );
  });
});

const backends = await storeBackends('tw_errtrans', 2);

for (const backend of backends) {
  describe.skipIf(backend.skip)(`errors raised by ${backend.name} come out of the adapter translated`, () => {
    let db: SqlDatabase;
    beforeAll(async () => {
      db = await backend.open();
    });
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
    });

    const raise = (code: string) =>
      sql
        .raw(`DO $$ BEGIN RAISE EXCEPTION 'raised by the test' USING ERRCODE = '${code}'; END $$`)
        .execute(db.primary)
        .then(
          () => null,
          (err: unknown) => err as Record<string, unknown>,
        );

    it.each(RETRYABLE.filter(([code]) => !code.startsWith('08')))(
      'SQLSTATE %s → RetryableDatabaseError (%s)',
      async (code, reason) => {
        expect(await raise(code)).toMatchObject({
          name: 'RetryableDatabaseError',
          code: 'SERVICE_UNAVAILABLE',
          reason,
          sqlstate: code,
        });
      },
    );

    it.each(KEPT)('SQLSTATE %s keeps its code', async (code) => {
      const err = await raise(code);
      expect(err?.code).toBe(code);
      expect(isAppError(err)).toBe(false);
    });

    it('a real unique violation keeps 23505; a real serialization failure inside transaction() is retryable', async () => {
      await sql`CREATE TABLE IF NOT EXISTS t_err (k int PRIMARY KEY)`.execute(db.primary);
      await sql`INSERT INTO t_err VALUES (1) ON CONFLICT DO NOTHING`.execute(db.primary);
      const dup = await sql`INSERT INTO t_err VALUES (1)`.execute(db.primary).catch((e: unknown) => e);
      expect((dup as { code?: string }).code).toBe('23505');
      const aborted = await db.primary
        .transaction()
        .execute(async (tx) => {
          await sql.raw(`DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40001'; END $$`).execute(tx);
        })
        .catch((e: unknown) => e);
      expect(aborted).toMatchObject({ name: 'RetryableDatabaseError', reason: 'conflict' });
      // The connection is usable afterwards (rolled back, not poisoned).
      await expect(sql`SELECT 1 AS one`.execute(db.primary)).resolves.toMatchObject({ rows: [{ one: 1 }] });
    });
  });
}

describe('a closed PGlite', () => {
  it('answers SERVICE_UNAVAILABLE, not a raw error', async () => {
    const { openPGliteDatabase } = await import('../../../src/adapters/pglite/pglite.database.ts');
    const db = await openPGliteDatabase(null);
    await db.close();
    const err = await sql`SELECT 1`.execute(db.primary).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await expect(db.ping()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
