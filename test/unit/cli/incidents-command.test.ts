// `triage-warden incidents retry-failed [--id X]` opens the database directly and takes incidents
// out of the triage dead letter (issue 10 item 5).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openPGliteDatabase } from '../../../src/adapters/pglite/pglite.database.ts';
import { SqlIncidentStore, migrate } from '../../../src/adapters/sql/index.ts';
import { runIncidents } from '../../../src/cli/incidents.command.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { testConfig } from '../../helpers/runtime.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-incidents-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('incidents retry-failed', () => {
  it('retries one dead-lettered incident by id, then all of them; refuses bad input', async () => {
    const db = await openPGliteDatabase(dir);
    const ids: string[] = [];
    try {
      await migrate(db);
      const store = new SqlIncidentStore(db);
      for (let i = 0; i < 3; i++) {
        const r = await store.ingest(
          {
            source: 'cli-test',
            title: `t${i}`,
            severity: 'low',
            incidentType: 'other',
            occurredAt: new Date(),
            indicators: [],
            assets: [],
            tags: [],
            mitreTechniques: [],
            fingerprint: `cli:${i}`,
            raw: null,
          },
          3_600_000,
        );
        await store.recordTriageFailure(r.incident.id, 'boom', 1, 'test');
        ids.push(r.incident.id);
      }
    } finally {
      await db.close();
    }
    const config = testConfig({ data_dir: dir });
    const log = createLogger({ level: 'silent', instance: 'test', role: 'incidents' });
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await runIncidents(config, log, { action: 'retry-failed', id: 'not-a-uuid' })).toBe(2);
      expect(await runIncidents(config, log, { action: 'nope' })).toBe(2);
      expect(await runIncidents(config, log, { action: 'retry-failed', id: ids[0]! })).toBe(0);
      expect(await runIncidents(config, log, { action: 'retry-failed', id: ids[0]! })).toBe(1);
      expect(await runIncidents(config, log, { action: 'retry-failed' })).toBe(0);
      expect(out.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringContaining('retried: 1 incident'),
        expect.stringContaining('retried: 2 incident'),
      ]);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const check = await openPGliteDatabase(dir);
    try {
      const store = new SqlIncidentStore(check);
      for (const id of ids)
        expect((await store.get(id))!).toMatchObject({ triage_failed_at: null, triage_attempts: 0 });
      expect(await store.countDeadLettered()).toBe(0);
    } finally {
      await check.close();
    }
  }, 240_000);
});
