import type { IngestOutcome } from '../../core/ingest/ingest.service.ts';

/** The 202 body of both ingest routes: which incident, and whether the alert was folded into it. */
export function ingestResponse(outcome: IngestOutcome) {
  return {
    incident_id: outcome.incident.id,
    status: outcome.incident.status,
    created: outcome.created,
    deduplicated: !outcome.created,
    occurrence_count: outcome.incident.occurrence_count,
    queued: outcome.queued,
    incident: outcome.incident,
  };
}
