import {
  createJobDispatcher,
  type JobCatalogShape,
  type JobHandlers,
  type PayloadsOf,
} from '../core/jobs/job-catalog.ts';
import type { JobQueue, Logger, Telemetry } from '../ports/index.ts';

export interface JobWorkerDeps<C extends JobCatalogShape> {
  queue: JobQueue<PayloadsOf<C>>;
  catalog: C;
  /** One handler per kind of the catalog (a missing one fails to compile). */
  handlers: JobHandlers<C>;
  /** Jobs run at once by this process, all kinds together (orchestrator.concurrency.incidents). */
  concurrency: number;
  log: Logger;
  telemetry: Telemetry;
}

/**
 * Consumes the work queue: every job is dispatched by its name to its kind's handler, its payload
 * validated and its run bounded by the kind's timeout (src/core/jobs/job-catalog.ts).
 */
export class JobWorker<C extends JobCatalogShape> {
  private started = false;
  private tally = { active: 0, completed: 0, failed: 0 };

  constructor(private readonly deps: JobWorkerDeps<C>) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    const { queue, catalog, handlers, log, telemetry } = this.deps;
    const dispatch = createJobDispatcher(catalog, handlers, {
      onRejected: (name, id, problem) => {
        const known = Object.prototype.hasOwnProperty.call(catalog, name);
        // Metric label and log field take only catalog names: a stray name is `unknown`.
        telemetry.jobFailed(known ? name : 'unknown', true);
        log.warn({ job: known ? name : 'unknown', job_id: id, problem }, 'job rejected');
      },
    });
    const tally = this.tally;
    queue.process(
      async (job, signal) => {
        tally.active++;
        try {
          await dispatch(job, signal);
          tally.completed++;
        } catch (err) {
          tally.failed++;
          throw err;
        } finally {
          tally.active--;
        }
      },
      { concurrency: this.deps.concurrency },
    );
  }

  /** Jobs running in this process now, and runs finished or failed (thrown) since start. */
  stats(): { active: number; completed: number; failed: number } {
    return { ...this.tally };
  }

  /** Stops intake and waits up to `graceMs` for running jobs; the rest are handed back. */
  async stop(graceMs: number): Promise<void> {
    await this.deps.queue.close({ graceMs });
  }
}
