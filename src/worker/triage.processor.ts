import { PermanentJobError, isPermanentJobError } from '../contracts/index.ts';
import { JOB_CATALOG, isTriagePayload, type JobPayloads } from '../core/jobs/job-catalog.ts';
import { sanitizeError } from '../core/shared/sanitize-error.ts';
import type { TriageService } from '../core/triage/triage.service.ts';
import type { JobQueue, Logger, Telemetry, TriageStateStore } from '../ports/index.ts';

export interface TriageProcessorDeps {
  queue: JobQueue<JobPayloads['triage']>;
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
  /** orchestrator.concurrency.incidents */
  concurrency: number;
  log: Logger;
  telemetry: Telemetry;
}

/**
 * Consumes the incident queue: one triage run per job, bounded per process, with a per-job timeout.
 * Every failed run is counted on the incident; at triage.max_attempts it is dead-lettered (kept with
 * its last error, sanitised) and the job fails permanently, so an incident whose triage keeps failing
 * is no longer retried forever (docs/INCIDENT-LIFECYCLE.md).
 */
export class TriageProcessor {
  private started = false;

  constructor(private readonly deps: TriageProcessorDeps) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    const { queue, triage, log, telemetry } = this.deps;
    queue.process(
      async (job, signal) => {
        if (!isTriagePayload(job.payload))
          throw new PermanentJobError(`job ${job.id}: payload is not {incident_id}`);
        const timeout = AbortSignal.timeout(JOB_CATALOG.triage.timeoutMs);
        const combined = AbortSignal.any([signal, timeout]);
        const incidentId = job.payload.incident_id;
        try {
          const outcome = await triage.triage(incidentId, combined);
          log.debug({ incident_id: incidentId, attempt: job.attempt, outcome }, 'triage job done');
        } catch (err) {
          const permanent = isPermanentJobError(err);
          telemetry.jobFailed('triage', permanent);
          log.warn(
            { incident_id: incidentId, attempt: job.attempt, permanent, err: String(err) },
            'triage job failed',
          );
          // A job handed back at shutdown did not fail; a permanent error has nothing to retry.
          if (!permanent && !signal.aborted) await this.countFailure(incidentId, err);
          throw err;
        }
      },
      { concurrency: this.deps.concurrency },
    );
  }

  /** Stops intake and waits up to `graceMs` for running jobs; the rest are handed back. */
  async stop(graceMs: number): Promise<void> {
    await this.deps.queue.close({ graceMs });
  }

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
