import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { openPGliteDatabase } from '../../src/adapters/pglite/pglite.database.ts';
import { DurableNodeFS } from '../../src/adapters/pglite/pglite.durable-fs.ts';
import { SqlIncidentStore } from '../../src/adapters/sql/index.ts';
import type { NormalizedAlert } from '../../src/contracts/index.ts';

/**
 * Issue 10 item 3: the embedded data folder holds every alert: it is the owner's only (folder 0700,
 * files 0600, also after PostgreSQL creates new files, and an older 0777/0666 folder is tightened),
 * and what a statement committed is fsynced before the statement answers.
 */
const root = mkdtempSync(join(tmpdir(), 'tw-pglite-perm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every entry under `dir` (itself included) whose permission bits are not owner-only. */
function loose(dir: string): string[] {
  const bad: string[] = [];
  const check = (path: string, isDir: boolean) => {
    const mode = statSync(path).mode & 0o777;
    if (mode !== (isDir ? 0o700 : 0o600)) bad.push(`${path.slice(root.length)} ${mode.toString(8)}`);
  };
  check(dir, true);
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isDirectory() || e.isFile()) check(join(e.parentPath, e.name), e.isDirectory());
  }
  return bad;
}

const alert = (i: number): NormalizedAlert => ({
  source: 'perm-test',
  vendorId: `v-${i}`,
  incidentType: 'malware',
  severity: 'high',
  title: `permissions test ${i}`,
  occurredAt: new Date(),
  fingerprint: `fp-${i}`,
  indicators: [],
  tags: [],
  assets: [],
  mitreTechniques: [],
  raw: { i },
});

describe('embedded data folder (PGlite)', () => {
  it('is created 0700 with files 0600, and stays so as PostgreSQL creates tables and WAL', async () => {
    const dir = join(root, 'fresh');
    const db = await openPGliteDatabase(dir);
    try {
      const { migrate } = await import('../../src/adapters/sql/index.ts');
      await migrate(db);
      await new SqlIncidentStore(db).ingest(alert(1), 60_000);
      expect(loose(dir)).toEqual([]);
    } finally {
      await db.close();
    }
    expect(loose(dir)).toEqual([]);
  }, 60_000);

  it('tightens a folder left 0777/0666 by an older version when it opens it', async () => {
    const dir = join(root, 'fresh');
    chmodSync(dir, 0o777);
    chmodSync(join(dir, 'pg'), 0o777);
    chmodSync(join(dir, 'pg', 'base'), 0o777);
    chmodSync(join(dir, 'pg', 'PG_VERSION'), 0o666);
    writeFileSync(join(dir, 'pg', 'stray-file'), 'x', { mode: 0o666 });
    chmodSync(join(dir, 'pg', 'stray-file'), 0o666);
    expect(loose(dir).length).toBeGreaterThan(0);
    const db = await openPGliteDatabase(dir);
    try {
      expect(loose(join(dir, 'pg'))).toEqual([]);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('fsyncs the WAL a commit wrote before the statement answers', async () => {
    const synced: string[][] = [];
    const fs = new DurableNodeFS(join(root, 'durable'), (paths) => synced.push([...paths]));
    const pg = await PGlite.create({ fs });
    try {
      await pg.exec('CREATE TABLE t (v int)');
      synced.length = 0;
      await pg.query('INSERT INTO t VALUES (1)');
      // Answered: the WAL segment it appended to was already fsynced, nothing is left pending.
      expect(synced.flat().some((p) => p.includes('/pg_wal/'))).toBe(true);
      expect(fs.pendingSyncs()).toBe(0);

      // Inside a transaction block nothing needs to be durable until COMMIT.
      synced.length = 0;
      await pg.query('BEGIN');
      await pg.query('INSERT INTO t VALUES (2)');
      await pg.query('COMMIT');
      expect(synced.flat().some((p) => p.includes('/pg_wal/'))).toBe(true);
      expect(fs.pendingSyncs()).toBe(0);
    } finally {
      await pg.close();
    }
  }, 60_000);
});
