// Migration 0010_intel on both engines: enrichments stored with the old list verdict `benign` become
// `clean`, the new CHECK refuses `benign`, and first/last seen columns exist.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, type SqlDatabase } from '../../src/adapters/sql/index.ts';
import { storeBackends } from '../helpers/store-backends.ts';

const backends = await storeBackends('tw_intelmig', 2);
const BEFORE = MIGRATIONS.filter((m) => m.id < '0010_intel');

for (const backend of backends) {
  describe.skipIf(Boolean(backend.skip))(`migration 0010_intel on ${backend.name}`, () => {
    let db: SqlDatabase;
    beforeAll(async () => {
      db = await backend.open();
    }, 120_000);
    afterAll(async () => {
      await db?.close();
      await backend.cleanup();
    });

    it('renames stored benign intel verdicts to clean and then refuses benign', async () => {
      await migrate(db, BEFORE);
      const incident = randomUUID();
      await sql`INSERT INTO incidents (id, incident_type, source, severity, severity_rank, title, fingerprint,
          first_seen, last_seen, last_received_at)
        VALUES (${incident}, 'malware', 'test', 'low', 1, 't', ${`fp-${incident}`}, now(), now(), now())`.execute(
        db.primary,
      );
      const row = (verdict: string) =>
        sql`INSERT INTO enrichments (id, incident_id, indicator_type, indicator_value, provider, verdict)
          VALUES (${randomUUID()}, ${incident}, 'ipv4', '8.8.8.8', 'local-lists', ${verdict})`.execute(
          db.primary,
        );
      await row('benign');
      await row('malicious');
      expect(await migrate(db)).toContain('0010_intel');
      const got = await sql<{
        verdict: string;
        first_seen: unknown;
      }>`SELECT verdict, first_seen FROM enrichments ORDER BY verdict`.execute(db.primary);
      expect(got.rows).toEqual([
        { verdict: 'clean', first_seen: null },
        { verdict: 'malicious', first_seen: null },
      ]);
      await expect(row('benign')).rejects.toThrow(/enrichments_verdict_check/);
      await row('clean');
    });
  });
}
