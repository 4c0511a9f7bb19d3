import { Worker } from 'bullmq';
import type { Job, JobJson, Processor, WorkerOptions } from 'bullmq';

/**
 * A BullMQ Worker that reports each job the moment its fetch answers (before BullMQ's own awaits
 * and long before the processor runs), so the queue can tell a job fetched before pause()/close()
 * — in hand, to be run or handed back — from one a blocking fetch brought in afterwards.
 * Does not start by itself: call `run()`.
 */
export class TrackingWorker extends Worker {
  private readonly onFetched: (jobId: string, token: string) => void;

  constructor(
    name: string,
    processor: Processor,
    opts: WorkerOptions,
    onFetched: (jobId: string, token: string) => void,
  ) {
    super(name, processor, { ...opts, autorun: false });
    this.onFetched = onFetched;
  }

  protected override nextJobFromJobData(jobData?: JobJson, jobId?: string, token?: string): Promise<Job> {
    if (jobData && jobId && token) this.onFetched(jobId, token);
    return super.nextJobFromJobData(jobData, jobId, token);
  }
}
