// `triage-warden audit verify` on an embedded data folder: OK with the row count, exit 1 at the first
// edited row, and a clear refusal while another live process holds the folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openPGliteDatabase } from '../../../src/adapters/pglite/pglite.database.ts';
import { migrate } from '../../../src/adapters/sql/index.ts';
import { audit } from '../../../src/adapters/sql/audit.ts';
import { runAudit } from '../../../src/cli/audit.command.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { testConfig } from '../../helpers/runtime.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('audit verify', () => {
  it('reports OK, then the edited row with exit code 1, and refuses a held data folder', async () => {
    const db = await openPGliteDatabase(dir);
    try {
      await migrate(db);
      for (let i = 0; i < 4; i++)
        await db.primary.transaction().execute((tx) => audit(tx, null, 'cli-test', 'test.row', { i }));
    } finally {
      await db.close();
    }
    const config = testConfig({ data_dir: dir });
    const log = createLogger({ level: 'silent', instance: 'test', role: 'audit' });
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await runAudit(config, log, { action: 'nope' })).toBe(2);
      expect(await runAudit(config, log, { action: 'verify' })).toBe(0);
      expect(String(out.mock.calls[0]![0])).toMatch(
        /^audit chain OK: 4 row\(s\), head seq 4\nanchor: seq 1, prev_hash 0{64} \(genesis\)$/,
      );

      const tamper = await openPGliteDatabase(dir);
      try {
        await sql`ALTER TABLE audit_log DISABLE TRIGGER USER`.execute(tamper.primary);
        await sql`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3`.execute(tamper.primary);
        await sql`ALTER TABLE audit_log ENABLE TRIGGER USER`.execute(tamper.primary);
      } finally {
        await tamper.close();
      }
      expect(await runAudit(config, log, { action: 'verify' })).toBe(1);
      expect(String(err.mock.calls.at(-1)![0])).toMatch(/^audit chain BROKEN: edited at seq 3 \(id \d+\)/);

      // A live process (our parent) holds the folder.
      writeFileSync(join(dir, 'triage-warden.lock'), String(process.ppid));
      expect(await runAudit(config, log, { action: 'verify' })).toBe(2);
      expect(String(err.mock.calls.at(-1)![0])).toMatch(/holds the data folder/);
    } finally {
      rmSync(join(dir, 'triage-warden.lock'), { force: true });
      out.mockRestore();
      err.mockRestore();
    }
  }, 240_000);
});
