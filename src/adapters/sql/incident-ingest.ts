import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { SEVERITY_RANK, type NormalizedAlert } from '../../contracts/index.ts';
import type { IngestResult } from '../../ports/index.ts';
import { audit } from './audit.ts';
import { toIncident } from './rows.ts';
import { withoutNul } from './sanitize.ts';
import type { DB } from './schema.ts';

/** Ingest one alert: fold into an open incident with the same fingerprint, or create one. */
export async function ingestAlert(
  db: Kysely<DB>,
  input: NormalizedAlert,
  dedupWindowMs: number,
): Promise<IngestResult> {
  const alert = withoutNul(input);
  return db.transaction().execute(async (tx) => {
    // Serialises concurrent ingests of the same fingerprint across every API replica; the lock is
    // transaction-scoped, so it is safe through PgBouncer in transaction mode.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${alert.source + '|' + alert.fingerprint}))`.execute(tx);
    const existing = await sql<{ id: string }>`
        SELECT id FROM incidents
        WHERE source = ${alert.source} AND fingerprint = ${alert.fingerprint}
          AND last_received_at >= now() - make_interval(secs => ${dedupWindowMs / 1000})
        ORDER BY last_received_at DESC LIMIT 1`.execute(tx);
    const found = existing.rows[0];
    let incidentId: string;
    let created: boolean;
    if (found) {
      incidentId = found.id;
      created = false;
      await sql`UPDATE incidents SET occurrence_count = occurrence_count + 1, last_received_at = now(),
            last_seen = GREATEST(last_seen, ${alert.occurredAt}),
            first_seen = LEAST(first_seen, ${alert.occurredAt})
          WHERE id = ${incidentId}`.execute(tx);
    } else {
      incidentId = randomUUID();
      created = true;
      await tx
        .insertInto('incidents')
        .values({
          id: incidentId,
          incident_type: alert.incidentType,
          source: alert.source,
          severity: alert.severity,
          severity_rank: SEVERITY_RANK[alert.severity],
          status: 'new',
          title: alert.title.slice(0, 500),
          description: alert.description?.slice(0, 10_000) ?? null,
          fingerprint: alert.fingerprint,
          first_seen: alert.occurredAt,
          last_seen: alert.occurredAt,
          tags: alert.tags,
          assets: JSON.stringify(alert.assets),
          mitre_techniques: alert.mitreTechniques,
          vendor_confidence: alert.vendorConfidence ?? null,
        })
        .execute();
    }
    await tx
      .insertInto('alerts')
      .values({
        id: randomUUID(),
        incident_id: incidentId,
        source: alert.source,
        vendor_id: alert.vendorId ?? null,
        title: alert.title.slice(0, 500),
        severity: alert.severity,
        occurred_at: alert.occurredAt,
        raw: JSON.stringify(alert.raw ?? null),
      })
      .execute();
    if (alert.indicators.length > 0) {
      await tx
        .insertInto('indicators')
        .values(
          alert.indicators.map((i) => ({
            id: randomUUID(),
            incident_id: incidentId,
            type: i.type,
            value: i.value,
            context: i.context ?? null,
          })),
        )
        .onConflict((oc) => oc.columns(['incident_id', 'type', 'value']).doNothing())
        .execute();
    }
    await audit(tx, incidentId, 'system', created ? 'incident.created' : 'alert.deduplicated', {
      source: alert.source,
      vendor_id: alert.vendorId ?? null,
      fingerprint: alert.fingerprint,
    });
    const row = await tx
      .selectFrom('incidents')
      .selectAll()
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow();
    return { incident: toIncident(row), created };
  });
}
