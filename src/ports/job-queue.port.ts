/**
 * The work queue (DESIGN.md: JobQueue). One queue carries several job kinds, told apart by the job's
 * `name`; `M` maps each name to its payload type (the job catalog, src/core/jobs/job-catalog.ts, is
 * the production map). In-process and BullMQ adapters pass one contract suite.
 */

/** Job name → payload type. The default accepts any name and payload (adapters, tests). */
export type JobPayloadMap = Record<string, unknown>;

/** A delivered job: a union over the map's names, so checking `name` narrows `payload`. */
export type JobRecord<M extends JobPayloadMap = JobPayloadMap> = {
  [K in keyof M & string]: {
    /**
     * The idempotency key: one pending-or-active job per id in the whole queue, whatever its name
     * (for triage, the incident id; other kinds keep their ids apart, see the job catalog).
     */
    id: string;
    name: K;
    payload: M[K];
    /** 1 on first delivery, then 2, 3… on retries or on redelivery after a stalled or closing worker. */
    attempt: number;
  };
}[keyof M & string];

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface EnqueueOptions {
  /** Delay before the job may run, ms. Default 0. */
  delayMs?: number;
}

/** One job of an {@link JobQueue.enqueueMany} call. */
export type EnqueueRequest<M extends JobPayloadMap = JobPayloadMap> = {
  [K in keyof M & string]: { name: K; id: string; payload: M[K]; options?: EnqueueOptions };
}[keyof M & string];

export interface ProcessOptions {
  /** Jobs run at once by this process. */
  concurrency: number;
}

/**
 * A handler's result. Throwing an error retries the job with backoff up to the queue's attempt
 * limit, unless the error is a PermanentJobError (by `name`), which fails it at once.
 */
export type JobHandler<M extends JobPayloadMap = JobPayloadMap> = (
  job: JobRecord<M>,
  signal: AbortSignal,
) => Promise<void>;

export interface JobQueue<M extends JobPayloadMap = JobPayloadMap> {
  /**
   * Adds a job unless one with the same id is already waiting, delayed (including waiting for a retry)
   * or active. A completed or finally failed id may be enqueued again: that is a new job (attempt 1),
   * and it removes the old failed record from `counts().failed`.
   * Resolves only once the job is stored (durable for the adapter). Returns whether it was added.
   */
  enqueue<K extends keyof M & string>(
    name: K,
    id: string,
    payload: M[K],
    options?: EnqueueOptions,
  ): Promise<{ added: boolean }>;
  /**
   * Enqueues several jobs in one round trip to the backend, each with exactly the semantics of
   * `enqueue` (one job per id); results come back in the order given. A repeated id within one call
   * behaves as consecutive `enqueue` calls: the first may be added, the later ones are not. Resolves
   * once every job is stored. On rejection any subset may have been stored: calling again is safe.
   */
  enqueueMany(jobs: readonly EnqueueRequest<M>[]): Promise<{ added: boolean }[]>;
  /**
   * Starts consuming every kind with bounded concurrency (one handler: dispatch by `job.name`, see
   * JobDispatcher). Calling it twice, or after close(), throws. A handler that throws synchronously
   * counts as a rejection.
   */
  process(handler: JobHandler<M>, options: ProcessOptions): void;
  /** Counts for the whole queue (every worker on the backend), not only this instance's jobs. */
  counts(): Promise<JobCounts>;
  /**
   * Stops taking new jobs in this process; jobs already running go on. Resolves once no new job will
   * start here, without waiting for running ones.
   */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /**
   * Stops consuming and waits up to `graceMs` (default 10 000) for running jobs. Jobs still running
   * then are aborted (their signal fires) and handed back for redelivery to any worker, with the
   * attempt counter raised (it counts deliveries) but without counting as a failure: whatever the
   * aborted handler later returns or throws is ignored. Idempotent.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** Retry policy shared by adapters: attempts include the first run. */
export interface RetryPolicy {
  /** Total attempts, first included. Default 5. */
  attempts: number;
  /** Exponential backoff base, ms: delay = base * 2^(attempt-1). Default 1000. */
  backoffMs: number;
}

/**
 * Retry policies per job name, over the queue's default: a name listed here retries with its own
 * attempts and backoff (fields it omits come from the default).
 */
export type RetryPolicyByName = Readonly<Record<string, Partial<RetryPolicy>>>;

/** The policy a job of `name` retries with. */
export function retryPolicyFor(
  name: string,
  fallback: RetryPolicy,
  byName: RetryPolicyByName | undefined,
): RetryPolicy {
  const own = byName && Object.prototype.hasOwnProperty.call(byName, name) ? byName[name] : undefined;
  return own ? { ...fallback, ...own } : fallback;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ attempts: 5, backoffMs: 1000 });
