import { PermanentJobError, isPermanentJobError } from '../contracts/index.ts';
import { JOB_CATALOG, isTriagePayload, type JobPayloads } from '../core/jobs/job-catalog.ts';
import type { TriageService } from '../core/triage/triage.service.ts';
import type { JobQueue, Logger, Telemetry } from '../ports/index.ts';

export interface TriageProcessorDeps {
  queue: JobQueue<JobPayloads['triage']>;
  triage: TriageService;
  /** orchestrator.concurrency.incidents */
  concurrency: number;
  log: Logger;
  telemetry: Telemetry;
}

/** Consumes the incident queue: one triage run per job, bounded per process, with a per-job timeout. */
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
        try {
          const outcome = await triage.triage(job.payload.incident_id, combined);
          log.debug(
            { incident_id: job.payload.incident_id, attempt: job.attempt, outcome },
            'triage job done',
          );
        } catch (err) {
          const permanent = isPermanentJobError(err);
          telemetry.jobFailed('triage', permanent);
          log.warn(
            { incident_id: job.payload.incident_id, attempt: job.attempt, permanent, err: String(err) },
            'triage job failed',
          );
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
}
