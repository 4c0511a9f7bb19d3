import type { Transaction as KyselyTx } from 'kysely';
import type { DB } from './schema.ts';

/** One audit_log row, in the caller's transaction. */
export async function audit(
  tx: KyselyTx<DB>,
  incidentId: string | null,
  actor: string,
  action: string,
  details: Record<string, unknown>,
): Promise<void> {
  await tx
    .insertInto('audit_log')
    .values({ incident_id: incidentId, actor, action, details: JSON.stringify(details) })
    .execute();
}
