import { SqlIncidentStore, migrate } from '../adapters/sql/index.ts';
import type { Config } from '../config/index.ts';
import type { PinoLogger } from '../observability/logger.ts';
import { openCliDatabase } from './migrate.command.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `triage-warden incidents retry-failed [--id X]`: takes dead-lettered incidents (one, or all) out of
 * the dead letter, directly in the database as `migrate` does. The running leader's reconciler then
 * enqueues them on its next pass (orchestrator.reconcile_interval; at once on its next start). In
 * embedded mode PGlite admits one process per data folder: stop the server first, or use
 * POST /api/v1/incidents/retry-failed.
 */
export async function runIncidents(
  config: Config,
  log: PinoLogger,
  args: { action: string | undefined; id?: string },
): Promise<number> {
  if (args.action !== 'retry-failed') {
    console.error('usage: triage-warden incidents retry-failed [--id <incident id>]');
    return 2;
  }
  if (args.id !== undefined && !UUID.test(args.id)) {
    console.error(`triage-warden incidents: --id must be an incident id (a UUID)`);
    return 2;
  }
  const db = await openCliDatabase(config);
  try {
    await migrate(db);
    const store = new SqlIncidentStore(db);
    const actor = 'cli:incidents retry-failed';
    let total = 0;
    if (args.id) {
      total = (await store.retryDeadLettered({ ids: [args.id], limit: 1 }, actor)).length;
      if (total === 0) {
        const exists = await store.get(args.id);
        console.error(exists ? `incident ${args.id} is not dead-lettered` : `incident ${args.id} not found`);
        return 1;
      }
    } else {
      for (;;) {
        const batch = await store.retryDeadLettered({ limit: 1000 }, actor);
        total += batch.length;
        if (batch.length < 1000) break;
      }
    }
    log.info({ retried: total }, 'dead-lettered incidents retried');
    console.log(
      `retried: ${total} incident(s); the reconciler enqueues them within orchestrator.reconcile_interval`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
