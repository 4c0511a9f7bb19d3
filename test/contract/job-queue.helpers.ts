import type {
  JobHandler,
  JobQueue,
  JobRecord,
  RetryPolicy,
  RetryPolicyByName,
} from '../../src/ports/index.ts';
import { waitFor } from './helpers.ts';

/** What the job-queue contract needs from an adapter. One harness = one isolated backend and queue name. */
export interface JobQueueHarness {
  /**
   * A new queue instance. All instances of one harness share one backend and queue name, so two
   * instances act as two workers (two processes); instances of different harnesses never share jobs.
   */
  create(options: { retry: RetryPolicy; retryByName?: RetryPolicyByName }): Promise<JobQueue>;
  /** Closes every instance it created (close is idempotent, tests may have closed some) and deletes its data. */
  cleanup(): Promise<void>;
}

/** Small timings keep the suite fast: backoff 50ms, 100ms… */
export const FAST: RetryPolicy = { attempts: 3, backoffMs: 50 };

export type Run = { id: string; attempt: number; payload: unknown; at: number };

/** A handler that records every run and then behaves as `body` says. */
export function recorder(
  runs: Run[],
  body?: (job: JobRecord, signal: AbortSignal) => Promise<void>,
): JobHandler {
  return async (job, signal) => {
    runs.push({ id: job.id, attempt: job.attempt, payload: job.payload, at: Date.now() });
    if (body) await body(job, signal);
  };
}

export async function idle(q: JobQueue): Promise<void> {
  await waitFor(
    async () => {
      const c = await q.counts();
      return c.waiting === 0 && c.active === 0 && c.delayed === 0;
    },
    { what: 'queue idle' },
  );
}
