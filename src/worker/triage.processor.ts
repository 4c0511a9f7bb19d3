import { isPermanentJobError, PermanentJobError } from '../contracts/index.ts';
import type { JobCatalog, JobRunContext, KindJob } from '../core/jobs/job-catalog.ts';
import { sanitizeError } from '../core/shared/sanitize-error.ts';
import type { TriageService } from '../core/triage/triage.service.ts';
import type { Logger, Telemetry, TriageStateStore } from '../ports/index.ts';

export interface TriageProcessorDeps {
  /** The triage service, possibly behind steps that run first (runtime/email.wiring.ts). */
  triage: Pick<TriageService, 'triage'>;
  /** Where failed runs are counted and incidents dead-lettered. */
  store: Pick<TriageStateStore, 'recordTriageFailure'>;
  /**
   * triage.max_attempts: failed runs of one incident, across every job and reconciler re-enqueue,
   * after which it is dead-lettered and its job fails for good. Default 5.
   */
  maxAttempts?: number;
  /** Audit actor, e.g. `orchestrator:<instance id>`. Default `orchestrator`. */
  actor?: string;
  log: Logger;
  telemetry: Telemetry;
}

/**
 * The `triage` job's handler (run by the JobWorker, which validates the payload and applies the
 * kind's timeout): one triage run per job. Every failed run is counted on the incident; at
 * triage.max_attempts it is dead-lettered (kept with its last error, sanitised) and the job fails
 * permanently, so an incident whose triage keeps failing is no longer retried forever
 * (docs/INCIDENT-LIFECYCLE.md).
 */
export class TriageProcessor {
  constructor(private readonly deps: TriageProcessorDeps) {}

  /** The handler for the job catalog's `triage` kind. */
  readonly handle = async (
    job: KindJob<JobCatalog, 'triage'>,
    signal: AbortSignal,
    context: JobRunContext,
  ): Promise<void> => {
    const { triage, log, telemetry } = this.deps;
    const incidentId = job.payload.incident_id;
    try {
      const outcome = await triage.triage(incidentId, signal);
      log.debug({ incident_id: incidentId, attempt: job.attempt, outcome }, 'triage job done');
    } catch (err) {
      const permanent = isPermanentJobError(err);
      telemetry.jobFailed('triage', permanent);
      log.warn(
        { incident_id: incidentId, attempt: job.attempt, permanent, err: String(err) },
        'triage job failed',
      );
      // A job handed back at shutdown did not fail; a permanent error has nothing to retry.
      if (!permanent && !context.interrupted()) await this.countFailure(incidentId, err);
      throw err;
    }
  };

  /** Counts the failed run; throws a PermanentJobError when it dead-lettered the incident. */
  private async countFailure(incidentId: string, err: unknown): Promise<void> {
    const { store, log, telemetry } = this.deps;
    const failure = await store
      .recordTriageFailure(
        incidentId,
        sanitizeError(err),
        this.deps.maxAttempts ?? 5,
        this.deps.actor ?? 'orchestrator',
      )
      .catch((e: unknown) => {
        // Counting is best effort: the queue's own retry limit still bounds this job.
        log.warn({ incident_id: incidentId, err: String(e) }, 'could not record the triage failure');
        return null;
      });
    if (!failure?.dead_lettered) return;
    telemetry.triageDeadLettered();
    log.error(
      { incident_id: incidentId, attempts: failure.attempts },
      'triage dead-lettered: retry with POST /api/v1/incidents/:id/retry-triage or `triage-warden incidents retry-failed`',
    );
    throw new PermanentJobError(
      `triage of ${incidentId} dead-lettered after ${failure.attempts} failed runs`,
    );
  }
}
