import type { NormalizedAlert } from '../../contracts/index.ts';
import type { IngestOutcome } from '../../core/ingest/ingest.service.ts';
import type { DetailCache } from '../detail-cache.ts';
import type { ApiDeps } from '../deps.ts';

/** One alert's outcome in a batch answer: the single-alert body without the incident itself. */
function outcomeSummary(outcome: IngestOutcome) {
  return {
    incident_id: outcome.incident.id,
    status: outcome.incident.status,
    created: outcome.created,
    deduplicated: !outcome.created,
    occurrence_count: outcome.incident.occurrence_count,
    queued: outcome.queued,
  };
}

/** The 202 body of both ingest routes: which incident, and whether the alert was folded into it. */
export function ingestResponse(outcome: IngestOutcome) {
  return { ...outcomeSummary(outcome), incident: outcome.incident };
}

/** The 202 body for a batch: how many alerts were committed, and each one's outcome in order. */
export function batchResponse(outcomes: readonly IngestOutcome[]) {
  return { accepted: outcomes.length, results: outcomes.map(outcomeSummary) };
}

/**
 * Ingests every alert of one request at once, so that the group commit writes them together, and
 * waits for all of them. Answers the single-alert body for one alert, the batch body for several;
 * throws the first failure when any alert could not be committed (those that were are durable, and a
 * resend folds them into their incidents).
 */
export async function ingestAll(
  deps: Pick<ApiDeps, 'ingest'>,
  cache: DetailCache,
  alerts: readonly NormalizedAlert[],
) {
  const settled = await Promise.allSettled(alerts.map((alert) => deps.ingest.ingest(alert)));
  const outcomes: IngestOutcome[] = [];
  let failure: PromiseRejectedResult | undefined;
  for (const s of settled) {
    if (s.status === 'rejected') failure ??= s;
    else {
      // A folded alert changed the incident: our own next read must see it.
      cache.invalidate(s.value.incident.id);
      outcomes.push(s.value);
    }
  }
  if (failure) throw failure.reason;
  return outcomes.length === 1 ? ingestResponse(outcomes[0]!) : batchResponse(outcomes);
}
