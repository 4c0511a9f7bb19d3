import { SqlEmailAnalysisStore, type SqlDatabase } from '../adapters/sql/index.ts';
import type { Config } from '../config/index.ts';
import { EmailAnalysisService, withEmailEvidence } from '../core/email/index.ts';
import type { JobPayloads } from '../core/jobs/job-catalog.ts';
import type { EventBus, IncidentStore, JobQueue, Logger, Telemetry } from '../ports/index.ts';

/**
 * Email analysis (docs/EMAIL-ANALYSIS.md): the service behind the /email routes, and the triage
 * step that analyses raw messages found in an incident's alerts before each triage run.
 */
export function createEmailAnalysis(
  config: Config,
  database: SqlDatabase,
  deps: {
    incidents: IncidentStore;
    queue: JobQueue<JobPayloads>;
    bus: EventBus;
    log: Logger;
    telemetry?: Pick<Telemetry, 'emailAnalyzed'>;
  },
) {
  const e = config.email;
  const service = new EmailAnalysisService({
    store: new SqlEmailAnalysisStore(database),
    incidents: deps.incidents,
    queue: deps.queue,
    bus: deps.bus,
    log: deps.log.child({ component: 'email' }),
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    options: {
      maxBytes: e.max_bytes,
      maxUrls: e.max_urls,
      maxAttachments: e.max_attachments,
      timeLimitMs: e.time_limit_ms,
      maxHeaderBytes: e.max_header_bytes,
      trustedAuthservIds: e.trusted_authserv_ids,
      protectedDomains: e.protected_domains,
    },
  });
  return {
    service,
    /** The triage service with the email step in front of it (`actor` as in the audit log). */
    wrapTriage: <R>(triage: { triage(id: string, signal: AbortSignal): Promise<R> }, actor: string) =>
      withEmailEvidence(triage, service, actor),
  };
}
