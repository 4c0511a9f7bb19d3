import { SqlAuditLog, migrate } from '../adapters/sql/index.ts';
import { selectedModes, type Config } from '../config/index.ts';
import type { PinoLogger } from '../observability/logger.ts';
import { openCliDatabase } from './migrate.command.ts';

/**
 * `triage-warden audit verify`: walks the audit chain from its anchor (the oldest retained row) to
 * its head and reports OK with the row count, or the first row that does not hold (edited, missing,
 * reordered) with exit code 1. Opens the configured database directly, as migrate does; in embedded
 * mode PGlite admits one process per data folder, so the server must be stopped first.
 */
export async function runAudit(
  config: Config,
  log: PinoLogger,
  args: { action: string | undefined },
): Promise<number> {
  if (args.action !== 'verify') {
    console.error('usage: triage-warden audit verify');
    return 2;
  }
  if (selectedModes(config).database === 'pglite') {
    const { dataDirHolder } = await import('../adapters/pglite/pglite.database.ts');
    const pid = dataDirHolder(config.data_dir);
    if (pid !== null) {
      console.error(
        `triage-warden audit: the running server (process ${pid}) holds the data folder ${config.data_dir}; ` +
          'stop it, then run `triage-warden audit verify` again (PGlite admits one process per folder).',
      );
      return 2;
    }
  }
  let db;
  try {
    db = await openCliDatabase(config);
  } catch (err) {
    if (/is in use by process/.test(String(err))) {
      console.error(
        `triage-warden audit: ${(err as Error).message}\nThe running server holds the data folder: stop it, then run \`triage-warden audit verify\` again.`,
      );
      return 2;
    }
    throw err;
  }
  try {
    await migrate(db);
    const report = await new SqlAuditLog(db).verify();
    const anchor =
      report.anchor.movedAt === null
        ? `anchor: seq ${report.anchor.seq}, prev_hash ${report.anchor.prevHash} (genesis)`
        : `anchor: seq ${report.anchor.seq}, prev_hash ${report.anchor.prevHash} (retention moved it ${report.anchor.movedAt.toISOString()})`;
    if (report.ok) {
      log.info({ rows: report.rows, head: report.head.seq }, 'audit chain verified');
      console.log(`audit chain OK: ${report.rows} row(s), head seq ${report.head.seq}\n${anchor}`);
      return 0;
    }
    const p = report.problem!;
    log.warn({ kind: p.kind, seq: p.seq, id: p.id }, 'audit chain broken');
    console.error(
      `audit chain BROKEN: ${p.kind} at seq ${p.seq}${p.id ? ` (id ${p.id})` : ''}: ${p.detail}\n` +
        `${report.rows} row(s) before it verified; ${anchor}`,
    );
    return 1;
  } finally {
    await db.close();
  }
}
