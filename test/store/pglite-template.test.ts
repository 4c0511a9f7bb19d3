import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openPGliteDatabase } from '../../src/adapters/pglite/pglite.database.ts';
import { MIGRATIONS, migrate, SqlIncidentStore } from '../../src/adapters/sql/index.ts';

/**
 * Issue 14 part 6: a new embedded data folder starts from a migrated template (what the image's
 * build makes with `migrate`) instead of initdb and every migration, with PGlite's smaller
 * shared_buffers; a template it cannot open is dropped for a fresh initdb.
 */
const root = mkdtempSync(join(tmpdir(), 'tw-pglite-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('embedded data folder from a template', { timeout: 300_000 }, () => {
  const template = join(root, 'template');

  it('copies the template into a new folder: nothing left to migrate, writes stay in the copy', async () => {
    const made = await openPGliteDatabase(template);
    expect(await migrate(made)).toHaveLength(MIGRATIONS.length);
    await made.close();

    const dir = join(root, 'from-template');
    const phases: string[] = [];
    const db = await openPGliteDatabase(dir, { template, phase: (name) => phases.push(name) });
    expect(phases).toEqual(['template copied', 'PGlite opened']);
    try {
      expect(await migrate(db)).toEqual([]);
      const buffers = await sql<{ shared_buffers: string }>`SHOW shared_buffers`.execute(db.primary);
      expect(buffers.rows[0]!.shared_buffers).toBe('16MB');
      await new SqlIncidentStore(db).ingest(
        {
          source: 'template-test',
          vendorId: 'v-1',
          incidentType: 'malware',
          severity: 'high',
          title: 'template test',
          occurredAt: new Date(),
          fingerprint: 'fp-1',
          indicators: [],
          tags: [],
          assets: [],
          mitreTechniques: [],
          raw: {},
        },
        60_000,
      );
    } finally {
      await db.close();
    }
    // The template itself is untouched; a reopened copy keeps its own incident.
    const again = await openPGliteDatabase(template);
    const count = async (d: typeof again) =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM incidents`.execute(d.primary)).rows[0]!.n;
    expect(await count(again)).toBe(0);
    await again.close();
    const reopened = await openPGliteDatabase(dir, { template });
    expect(await count(reopened)).toBe(1);
    await reopened.close();
  });

  it('ignores a template for a folder that has a database, and one that has none', async () => {
    const empty = join(root, 'empty-template');
    mkdirSync(empty, { recursive: true });
    const dir = join(root, 'no-template');
    const db = await openPGliteDatabase(dir, { template: empty });
    try {
      expect(await migrate(db)).toHaveLength(MIGRATIONS.length);
    } finally {
      await db.close();
    }
  });

  it('falls back to initdb when the copied template cannot be opened', async () => {
    const broken = join(root, 'broken-template');
    mkdirSync(join(broken, 'pg'), { recursive: true });
    writeFileSync(join(broken, 'pg', 'PG_VERSION'), '9\n');
    const dir = join(root, 'from-broken');
    const db = await openPGliteDatabase(dir, { template: broken });
    try {
      expect(await migrate(db)).toHaveLength(MIGRATIONS.length);
      expect(existsSync(join(dir, 'pg', 'PG_VERSION'))).toBe(true);
    } finally {
      await db.close();
    }
  });

  it("opens with V8's optimizing WebAssembly compiler on as well as off (the default)", async () => {
    for (const wasmOptimizer of [true, false]) {
      const db = await openPGliteDatabase(null, { wasmOptimizer });
      try {
        const one = await sql<{ n: number }>`SELECT 1 AS n`.execute(db.primary);
        expect(one.rows[0]!.n).toBe(1);
      } finally {
        await db.close();
      }
    }
  });
});
